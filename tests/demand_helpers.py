"""Builders for demand statistics tests: search records written as the bot writes them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from bot.demand.recording import person_hash
from bot.demand.tables import SearchRecord

SECRET = "test-secret"


def add_searches(
    engine: Engine,
    *,
    people: range | list[int],
    concepts: str,
    insee: str | None,
    departement: str | None,
    at: datetime,
    times: int = 1,
    alert_saved: bool = False,
    results: int = 0,
) -> None:
    """`times` searches by each of `people` (user ids) for `concepts` around `insee`."""
    rows = [
        {
            "at": at,
            "concepts": concepts,
            "insee": insee,
            "departement": departement,
            "radius_km": 30,
            "results": results,
            "alert_saved": alert_saved,
            "person": person_hash(user_id, secret=SECRET, now=at),
        }
        for user_id in people
        for _ in range(times)
    ]
    with engine.begin() as connection:
        connection.execute(insert(SearchRecord.__table__), rows)  # type: ignore[attr-defined]
