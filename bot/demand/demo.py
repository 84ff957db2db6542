"""Plausible search records for the offline demo, so that `/user admin` then `/demande 56`
(or an organisation admin's `/demande`) shows something: a few topics searched by 5 people
or more around the Morbihan sample spaces, and one cell too small to be shown."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from bot.demand.recording import DEMO_SECRET, person_hash
from bot.demand.tables import SearchRecord

# (concept, INSEE, département, people, searches each, share with an alert)
_DEMAND = (
    ("caces", "56091", "56", 9, 2, 0.5),  # Josselin: nothing taught nearby
    ("excel", "56165", "56", 14, 1, 0.0),  # Ploërmel: taught there
    ("ia", "56124", "56", 7, 1, 0.3),  # Malestroit
    ("anglais", "56075", "56", 6, 1, 0.2),  # Guer
    ("comptabilite", "56127", "56", 3, 1, 0.0),  # Mauron: fewer than 5, withheld
)


def seed_demo_records(engine: Engine, *, now: datetime) -> int:
    """Write the demo's records over the last two months; how many."""
    chance = random.Random(13)  # the same demo every time
    rows = []
    person = 900_000
    for concept, insee, departement, people, each, alert_share in _DEMAND:
        for _ in range(people):
            person += 1
            first = now - timedelta(days=chance.uniform(1, 60))
            for search in range(each):
                at = first + timedelta(hours=search)  # a person's searches: the same day
                rows.append(
                    {
                        "at": at,
                        "concepts": concept,
                        "insee": insee,
                        "departement": departement,
                        "radius_km": 30,
                        "results": chance.choice((0, 0, 1, 3)),
                        "alert_saved": chance.random() < alert_share,
                        "person": person_hash(person, secret=DEMO_SECRET, now=at),
                    }
                )
    with engine.begin() as connection:
        connection.execute(insert(SearchRecord.__table__), rows)  # type: ignore[attr-defined]
    return len(rows)
