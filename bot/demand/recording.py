"""Recording searches for demand statistics, without the person.

A row holds what was searched, where, and `person`: HMAC-SHA256 of the user id keyed by the
secret (DEMAND_SECRET) and the month ("2026-12"), truncated to 64 bits. Within a month the
same person gives the same value, so distinct people can be counted; the next month the key
differs, and without the secret nobody can link two months or go back to the user id.
The rows are written in batches by `recorder.SearchRecorder`, off the search's path.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.engine import Engine

from bot.demand.tables import SearchRecord
from bot.gazetteer import Gazetteer
from bot.search.query import Place
from bot.search.service import SearchOutcome

logger = logging.getLogger(__name__)

_TABLE = SearchRecord.__table__  # type: ignore[attr-defined]  # SQLModel sets it on tables
DEMO_SECRET = "proxi-demo"  # only when neither DEMAND_SECRET nor a bot token is set


def month_key(secret: str, moment: datetime) -> bytes:
    """The hashing key of `moment`'s month (UTC): a new one every month."""
    return f"{secret}|{moment.year:04d}-{moment.month:02d}".encode()


def person_hash(user_id: int, *, secret: str, now: datetime) -> str:
    """The person as this month's statistics know them: 16 hex digits, not reversible."""
    digest = hmac.new(month_key(secret, now), str(user_id).encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def where(place: Place | None, gazetteer: Gazetteer) -> tuple[str | None, str | None]:
    """(INSEE, département) of the place searched around; a shared point counts for the
    nearest commune, a département search for the département alone."""
    if place is None:
        return None, None
    if place.insee is not None:
        return place.insee, place.departement
    if place.kind == "point":
        commune = gazetteer.nearest(place.latitude, place.longitude)
        return (commune.insee, commune.departement) if commune else (None, None)
    return None, place.departement


def record_row(
    outcome: SearchOutcome, *, user_id: int, secret: str, now: datetime, gazetteer: Gazetteer
) -> dict[str, object] | None:
    """The row that keeps one search, or None when its topic was not understood (nothing to
    count by topic)."""
    if not outcome.concept_ids:
        return None
    insee, departement = where(outcome.place, gazetteer)
    radius = outcome.radius_km
    return {
        "at": now,
        "concepts": " ".join(outcome.concept_ids)[:500],
        "insee": insee,
        "departement": departement,
        "radius_km": None if radius is None else round(radius),
        "results": outcome.total,
        "alert_saved": False,
        "person": person_hash(user_id, secret=secret, now=now),
    }


def retention_cutoff(now: datetime, months: int) -> datetime:
    """The oldest moment kept: `months` months of 31 days before `now` (never shorter)."""
    return now - timedelta(days=31 * months)


def purge_records(engine: Engine, *, now: datetime, months: int) -> int:
    """Delete the records older than the retention period; how many went."""
    with engine.begin() as connection:
        result = connection.execute(
            delete(_TABLE).where(_TABLE.c.at < retention_cutoff(now, months))
        )
    return int(result.rowcount or 0)


def demand_secret(configured: str, bot_token: str | None) -> str:
    """The hashing secret: DEMAND_SECRET, else the bot token (private to the server), else a
    fixed key for the offline demo and tests."""
    return configured or bot_token or DEMO_SECRET
