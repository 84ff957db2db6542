"""Session-card benchmark: opening a card (``catalogue.session_card`` + ``other_dates``) on
the realistic 2030 offer, with the course index and without it (the schema before 0003).

    .venv/bin/python bench/bench_cards.py [--database-url URL] [--cards N] [--seed N]

Loads :func:`offer.realistic_offer` into a fresh migrated database (a temporary SQLite file
by default; a PostgreSQL URL is emptied first), then opens ``--cards`` random cards and
reports p50 / p95 / worst of each call, first with ``ix_training_session_course``, then
with it dropped, in the same run. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.engine import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from offer import NOW, Offer, realistic_offer

from bot import catalogue
from bot.db import make_engine, upgrade_schema
from bot.models import Organisation, Space, TrainingSession


def load(engine: Engine, offer: Offer) -> None:
    """Organisations, spaces and sessions of ``offer``, in bulk."""
    names = sorted({d.organisation for d in offer.docs})
    org_ids = {name: i for i, name in enumerate(names, 1)}
    stamp = datetime(2026, 12, 1, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            insert(Organisation),
            [{"id": i, "name": n, "created_at": stamp} for n, i in org_ids.items()],
        )
        connection.execute(insert(Space), [
            {"id": s.id, "external_id": s.external_id, "name": s.name, "postcode": s.postcode,
             "city": s.city, "latitude": s.latitude, "longitude": s.longitude,
             "accessible": s.accessible, "created_at": stamp, "updated_at": stamp}
            for s in offer.spaces
        ])  # fmt: skip
        connection.execute(insert(TrainingSession), [
            {"id": d.id, "external_id": d.external_id, "title": d.title,
             "organisation_id": org_ids[d.organisation], "space_id": d.space.id,
             "starts_at": d.starts_at, "ends_at": d.ends_at, "seats": d.seats,
             "seats_taken": d.seats_taken, "topics": d.topics, "modality": d.modality,
             "format": d.format, "price_eur": d.price_eur, "cpf": d.cpf,
             "description": d.description, "status": d.status, "created_at": stamp,
             "updated_at": stamp}
            for d in offer.docs
        ])  # fmt: skip
        connection.execute(text("ANALYZE"))  # statistics, as a database in service has


def open_cards(engine: Engine, ids: list[int]) -> tuple[list[float], list[float]]:
    """Seconds per session_card and per other_dates call."""
    card_t, other_t = [], []
    for sid in ids:
        started = time.perf_counter()
        catalogue.session_card(engine, session_id=sid, now=NOW)
        card_t.append(time.perf_counter() - started)
        started = time.perf_counter()
        catalogue.other_dates(engine, session_id=sid, now=NOW)
        other_t.append(time.perf_counter() - started)
    return card_t, other_t


def figures(samples: list[float]) -> str:
    qs = statistics.quantiles(samples, n=100, method="inclusive")
    return f"{qs[49] * 1000:.2f} / {qs[94] * 1000:.2f} / {max(samples) * 1000:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--cards", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/cards.sqlite3"
        engine = make_engine(url)
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade_schema(engine)
        offer = realistic_offer(args.seed)
        started = time.perf_counter()
        load(engine, offer)
        load_s = time.perf_counter() - started
        ids = random.Random(args.seed).sample([d.id for d in offer.docs], args.cards)
        open_cards(engine, ids[:20])  # warm the caches
        with_index = open_cards(engine, ids)
        with engine.begin() as connection:
            connection.execute(text("DROP INDEX ix_training_session_course"))
        without_index = open_cards(engine, ids)
        engine.dispose()
    print(f"# Session-card benchmark — {datetime.now(UTC):%Y-%m-%d}\n")
    print(f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, {engine.dialect.name}")  # fmt: skip
    print(f"Data: {offer.shape()} (loaded in {load_s:.1f} s); {args.cards} cards opened.\n")
    print("| call, p50 / p95 / worst | with ix_training_session_course | without (before 0003) |")
    print("|---|---|---|")
    print(f"| session_card | {figures(with_index[0])} | {figures(without_index[0])} |")
    print(f"| other_dates | {figures(with_index[1])} | {figures(without_index[1])} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
