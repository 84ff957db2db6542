"""Demand benchmark: `/demande` over a year of recorded searches at the 2030 scale, and what
recording adds to a search.

    .venv/bin/python bench/demand.py [--database-url URL] [--records N] [--seed N]

Loads the realistic offer (`offer.realistic_offer`: 1,500 spaces in Petites Villes de Demain,
150,000 sessions over a year, 400 organisations) into a fresh migrated database (a temporary
SQLite file by default; a PostgreSQL URL is emptied first), then writes `--records` search
records (2 million by default) over the 365 days before the offer's "now": real communes
within 30 km of a space (the space's own commune for half of them), in time order as the bot
appends them, 1 concept (85 %) or 2
from the topic table, Zipf-like popularity, 250,000 distinct people, 3 % followed by an
alert. Then it times `build_demand` (warm: gazetteer and topic table loaded) for
organisations of small, median and large reach and for départements, over 365 and 90 days;
and `search()` alone beside `search()` + `SearchRecorder.add()` on the same requests,
alternating, with the batch writes every 100 searches timed apart, on the database holding
the 2 million rows. Prints Markdown tables.
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
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.engine import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_cards import load
from offer import NOW, Offer, realistic_offer, requests

from bot.db import make_engine, upgrade_schema
from bot.demand.aggregation import build_demand
from bot.demand.recorder import SearchRecorder
from bot.demand.recording import person_hash
from bot.demand.scope import communes_within
from bot.gazetteer import Commune, default_gazetteer
from bot.search.index import SearchIndex
from bot.search.query import parse_request
from bot.search.service import search
from bot.search.topics import default_topics

PARIS = ZoneInfo("Europe/Paris")
SECRET = "bench"
PEOPLE = 250_000
CHUNK = 50_000
COLUMNS = ("at", "concepts", "insee", "departement", "radius_km", "results", "alert_saved",
           "person")  # fmt: skip


def _empty(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))


def _set_space_communes(engine: Engine, offer: Offer) -> dict[int, Commune]:
    """Spaces get their commune's INSEE code, as the importer gives them."""
    gaz = default_gazetteer()
    communes = {s.id: gaz.nearest(s.latitude, s.longitude) for s in offer.spaces}
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE space SET insee = :insee WHERE id = :id"),
            [{"insee": c.insee, "id": i} for i, c in communes.items() if c],
        )
    return {i: c for i, c in communes.items() if c}


def _records(rng: random.Random, offer: Offer, spaces: dict[int, Commune], n: int):
    """The search records, as tuples in COLUMNS order."""
    gaz = default_gazetteer()
    around = {
        i: communes_within(gaz, [(c.latitude, c.longitude)], 30.0) or [c]
        for i, c in spaces.items()
    }
    ids = list(spaces)
    concepts = list(default_topics().concepts)
    weights = [1.0 / (k + 1) ** 0.8 for k in range(len(concepts))]
    rng.shuffle(concepts)
    start, span = NOW - timedelta(days=365), 365 * 86400
    for i in range(n):
        space = rng.choice(ids)
        commune = spaces[space] if rng.random() < 0.5 else rng.choice(around[space])
        picked = rng.choices(concepts, weights=weights, k=1 if rng.random() < 0.85 else 2)
        at = start + timedelta(seconds=(i + rng.random()) * span / n)  # appended in time order
        person = person_hash(rng.randrange(PEOPLE), secret=SECRET, now=at)
        yield (at, " ".join(dict.fromkeys(picked)), commune.insee, commune.departement, 30,
               rng.choice((0, 0, 1, 3, 8, 20)), rng.random() < 0.03, person)  # fmt: skip


def write_records(engine: Engine, rows) -> float:
    """Bulk insert (COPY on PostgreSQL, executemany on SQLite); seconds taken."""
    started = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            with cursor.copy(f"COPY search_record ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            sql = f"INSERT INTO search_record ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * 8)})"
            batch = []
            for at, *rest in rows:
                batch.append((at.replace(tzinfo=None).isoformat(sep=" "), *rest))
                if len(batch) == CHUNK:
                    cursor.executemany(sql, batch)
                    batch = []
            cursor.executemany(sql, batch)
        raw.commit()
    finally:
        raw.close()
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    return time.perf_counter() - started


def _org_reach(engine: Engine) -> list[tuple[int, int]]:
    """(organisation id, spaces) ordered by number of spaces."""
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT organisation_id, COUNT(DISTINCT space_id) FROM training_session "
            "GROUP BY organisation_id ORDER BY 2, 1"
        )).all()  # fmt: skip
    return [(int(a), int(b)) for a, b in rows]


def _timed(call, runs: int = 3) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times), result


def demand_figures(engine: Engine) -> None:
    reach = _org_reach(engine)
    picks = [("small", reach[0]), ("median", reach[len(reach) // 2]), ("large", reach[-1])]
    with engine.connect() as connection:
        deps = connection.execute(text(
            "SELECT departement, COUNT(*) FROM search_record GROUP BY departement ORDER BY 2 DESC"
        )).all()  # fmt: skip
    busiest, median_dep = deps[0], deps[len(deps) // 2]
    print("\n| scope | days | best / median of 3 | rows shown / hidden | searches in scope |")
    print("|---|---|---|---|---|")
    for days in (365, 90):
        for label, (org, spaces) in picks:
            best, med, report = _timed(lambda org=org, days=days: build_demand(
                engine, organisation_id=org, departement=None, days=days, now=NOW))  # fmt: skip
            print(f"| organisation, {label} reach ({spaces} spaces) | {days} | {best:.2f} / "
                  f"{med:.2f} s | {len(report.rows)} / {report.hidden_cells} | "
                  f"{report.total_searches:,} |")  # fmt: skip
        for label, (dep, count) in (("busiest", busiest), ("median", median_dep)):
            best, med, report = _timed(lambda dep=dep, days=days: build_demand(
                engine, organisation_id=None, departement=dep, days=days, now=NOW))  # fmt: skip
            print(f"| département {dep} ({label}, {count:,} records a year) | {days} | "
                  f"{best:.2f} / {med:.2f} s | {len(report.rows)} / {report.hidden_cells} | "
                  f"{report.total_searches:,} |")  # fmt: skip


def recording_figures(engine: Engine, offer: Offer, n: int, seed: int) -> None:
    """search() alone and search() + SearchRecorder.add(), alternating on the same requests;
    then the batch writes (what the JobQueue does every 5 s, off the search's path)."""
    gaz = default_gazetteer()
    recorder = SearchRecorder(engine, secret=SECRET, gazetteer=gaz)
    index = SearchIndex(offer.docs, topics=default_topics())
    texts = requests(random.Random(seed), offer, n)
    parsed = [parse_request(q, now=NOW, tz=PARIS, gazetteer=gaz) for q in texts]
    for request in parsed[:50]:
        search(index, request, now=NOW, limit=50)
    plain, recorded, added, flushes = [], [], [], []
    for k, request in enumerate(parsed):
        started = time.perf_counter()
        search(index, request, now=NOW, limit=50)
        plain.append(time.perf_counter() - started)
        started = time.perf_counter()
        outcome = search(index, request, now=NOW, limit=50)
        middle = time.perf_counter()
        recorder.add(outcome, user_id=k, now=NOW)
        recorded.append(time.perf_counter() - started)
        added.append(time.perf_counter() - middle)
        if k % 100 == 99:  # a busy bot's five seconds
            started = time.perf_counter()
            written = recorder.flush()
            flushes.append((time.perf_counter() - started, written))

    def ms(values: list[float], q: float) -> float:
        return sorted(values)[int(q * (len(values) - 1))] * 1000

    print(f"\n{n:,} requests, each searched alone then searched and recorded:\n")
    print("| what | mean | p50 | p95 | p99 |\n|---|---|---|---|---|")
    for label, values in (("search()", plain), ("search() + recorder.add()", recorded),
                          ("recorder.add() alone", added)):  # fmt: skip
        print(f"| {label} | {statistics.mean(values) * 1000:.3f} ms | {ms(values, 0.5):.3f} | "
              f"{ms(values, 0.95):.3f} | {ms(values, 0.99):.3f} |")  # fmt: skip
    difference = statistics.mean(recorded) - statistics.mean(plain)
    print(f"\nAdded per search: mean of the difference {difference * 1000:.3f} ms, "
          f"recorder.add() alone {statistics.mean(added) * 1000:.3f} ms.")  # fmt: skip
    seconds = sum(f for f, _ in flushes)
    rows = sum(w for _, w in flushes)
    print(f"Batch writes (off the search's path): {len(flushes)} flushes of about 100 rows, "
          f"{seconds / max(len(flushes), 1) * 1000:.1f} ms each, "
          f"{seconds / max(rows, 1) * 1000:.3f} ms a row.")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--records", type=int, default=2_000_000)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=2030)
    parser.add_argument("--keep", type=Path, help="a SQLite file kept between runs (reused)")
    parser.add_argument("--only-build", action="store_true", help="build the data and stop")
    parser.add_argument("--skip-build", action="store_true", help="the database is built")
    args = parser.parse_args()
    print(f"# Demand benchmark — {platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}\n")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        reuse = args.skip_build or (args.keep is not None and args.keep.exists())
        path = args.keep or Path(tmp) / "demand.sqlite3"
        engine = make_engine(args.database_url or f"sqlite:///{path}")
        started = time.perf_counter()
        offer = realistic_offer(args.seed)
        default_topics()
        if not reuse:
            _empty(engine)
            upgrade_schema(engine)
            load(engine, offer)
            spaces = _set_space_communes(engine, offer)
            print(f"Offer: {offer.shape()}; loaded in {time.perf_counter() - started:.1f} s.")
            rows = _records(random.Random(args.seed), offer, spaces, args.records)
            seconds = write_records(engine, rows)
            print(f"{args.records:,} search records generated and written in {seconds:.1f} s "
                  f"({engine.dialect.name}).")  # fmt: skip
        else:
            print(f"Offer: {offer.shape()}; records reused ({engine.dialect.name}).")
        if args.only_build:
            return 0
        demand_figures(engine)
        recording_figures(engine, offer, args.requests, args.seed)
        print(f"\nLoad average at the end: {os.getloadavg()[0]:.1f}")
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
