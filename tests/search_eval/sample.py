"""The sample data (data/sample/*.csv) as plain SessionDocs, without the database or importer.

Spaces without coordinates are geocoded from postcode + city with the gazetteer, as the
importer does. Times are Europe/Paris wall times; ``weeks`` shifts them by whole weeks
(the local date and time first, then the zone, so 09:00 stays 09:00 across DST).
"""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.gazetteer import Gazetteer, default_gazetteer
from bot.search.index import SessionDoc, SpaceDoc

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "data" / "sample"
PARIS = ZoneInfo("Europe/Paris")
# The sample is anchored at Monday 4 January 2027; this "now" is the Friday before.
SAMPLE_NOW = datetime(2027, 1, 1, 9, 0, tzinfo=PARIS)


def load_spaces(gazetteer: Gazetteer | None = None) -> dict[str, SpaceDoc]:
    """spaces.csv by space_id, with coordinates (given, or the commune's point)."""
    gazetteer = gazetteer or default_gazetteer()
    spaces = {}
    with (SAMPLE_DIR / "spaces.csv").open(encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh), 1):
            if row["latitude"]:
                lat, lon = float(row["latitude"]), float(row["longitude"])
            else:
                commune = gazetteer.resolve(f"{row['city']} {row['postcode']}").commune
                assert commune is not None, row
                lat, lon = commune.latitude, commune.longitude
            spaces[row["space_id"]] = SpaceDoc(
                id=i,
                name=row["name"],
                city=row["city"],
                postcode=row["postcode"],
                latitude=lat,
                longitude=lon,
                accessible=row["accessible"] == "oui",
                external_id=row["space_id"],
            )
    return spaces


def _local(text: str, weeks: int) -> datetime:
    naive = datetime.strptime(text, "%Y-%m-%d %H:%M") + timedelta(weeks=weeks)
    return naive.replace(tzinfo=PARIS).astimezone(ZoneInfo("UTC"))


def load_sessions(*, weeks: int = 0, gazetteer: Gazetteer | None = None) -> list[SessionDoc]:
    """sessions.csv as SessionDocs (cancelled ones included, with their status)."""
    spaces = load_spaces(gazetteer)
    docs = []
    with (SAMPLE_DIR / "sessions.csv").open(encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh), 1):
            docs.append(
                SessionDoc(
                    id=i,
                    external_id=row["session_id"],
                    title=row["title"],
                    organisation=row["organisation"],
                    topics=row["topics"],
                    description=row["description"],
                    starts_at=_local(row["start"], weeks),
                    ends_at=_local(row["end"], weeks),
                    seats=int(row["seats"]),
                    seats_taken=0,
                    modality=row["modality"],
                    format=row["format"],
                    price_eur=float(row["price_eur"]) if row["price_eur"] else None,
                    cpf=row["cpf"] == "oui",
                    status=row["status"],
                    space=spaces[row["space_id"]],
                    url=row["url"] or None,
                )
            )
    return docs


@lru_cache(maxsize=1)
def sample_sessions() -> tuple[SessionDoc, ...]:
    """The sample, read once per test process."""
    return tuple(load_sessions())
