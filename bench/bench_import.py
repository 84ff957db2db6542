"""Benchmark the importer: 1,500 spaces and 150,000 sessions, then the same load again.

    .venv/bin/python bench/bench_import.py [--spaces 1500] [--sessions 150000]

Generates CSV files in a temporary directory (sessions split into files under the 20 MB
limit), loads them into a fresh SQLite file, and into PostgreSQL when TEST_DATABASE_URL is set
(in a separate `<db>_bench` database, created and dropped here, so that tests running at the
same time are not disturbed). Each run is a subprocess, so that its peak memory
(`ru_maxrss`) is its own: first load, second load (nothing changes), and a load where every
session moved by one day (150,000 updates). Prints Markdown table rows for the README.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DESCRIPTION = "Une session près de chez vous, en petit groupe, avec un formateur du métier."
SESSIONS_PER_FILE = 50_000  # about 13 MB of CSV: under the importer's 20 MB per file
TOPICS = [
    "excel;tableur;bureautique",
    "anglais;langues;toeic",
    "sst;secourisme;premiers secours",
    "caces;cariste;chariot élévateur",
    "comptabilité;gestion;tpe",
    "marketing digital;réseaux",
    "site web;wordpress",
    "création d'entreprise;micro-entreprise",
    "haccp;hygiène alimentaire",
    "prise de parole;soft skills",
    "vae;reconversion",
    "management;télétravail",
]


def generate(directory: Path, n_spaces: int, n_sessions: int) -> list[Path]:
    """Spaces in real communes (half with coordinates, half geocoded) and their sessions."""
    from bot.gazetteer import default_gazetteer
    from bot.importer.columns import SESSION_COLUMNS, SPACE_COLUMNS

    rng = random.Random(3)
    communes = sorted(default_gazetteer().communes, key=lambda c: -c.population)[:n_spaces]
    spaces = directory / "spaces.csv"
    with spaces.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([column.name for column in SPACE_COLUMNS])
        for i, c in enumerate(communes):
            located = i % 2 == 0
            writer.writerow(
                [
                    f"esp-{i:05d}",
                    f"Espace de travail de {c.name}",
                    f"{i % 90 + 1} rue de la Gare",
                    c.postcodes[0],
                    c.name,
                    c.latitude if located else "",
                    c.longitude if located else "",
                    rng.choice(["oui", "non"]),
                    f"contact{i}@example.org",
                ]
            )
    files = [spaces]
    organisations = [f"Organisme de formation n° {i}" for i in range(60)]
    first_day = date(2027, 1, 4)
    header = [column.name for column in SESSION_COLUMNS]
    for part, start in enumerate(range(0, n_sessions, SESSIONS_PER_FILE), start=1):
        path = directory / f"sessions-{part}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            for i in range(start, min(start + SESSIONS_PER_FILE, n_sessions)):
                day = first_day + timedelta(days=rng.randrange(365))
                hour = rng.choice([9, 14])
                topics = rng.choice(TOPICS)
                writer.writerow(
                    [
                        f"S{i:06d}",
                        f"Formation {topics.split(';')[0]} (niveau {i % 3 + 1})",
                        rng.choice(organisations),
                        f"esp-{rng.randrange(n_spaces):05d}",
                        f"{day.isoformat()} {hour:02d}:00",
                        f"{day.isoformat()} {hour + 3:02d}:00",
                        rng.randint(4, 16),
                        topics,
                        rng.choice(["presentiel", "blended", "mixte"]),
                        rng.choice(["formation", "atelier"]),
                        f"{rng.randrange(0, 900)},00",
                        rng.choice(["oui", "non"]),
                        f"{DESCRIPTION} Session n° {i}.",  # unique: the worst case
                        f"https://example.org/sessions/S{i:06d}",
                        "cancelled" if i % 97 == 0 else "scheduled",
                    ]
                )
        files.append(path)
    return files


def child(url: str, files: list[str], shift: int) -> None:
    """One load in this process; prints its timings and peak memory as JSON."""
    from bot.clock import SystemClock
    from bot.db import make_engine
    from bot.gazetteer import default_gazetteer
    from bot.importer.service import Actor, apply_import

    started = time.perf_counter()
    gazetteer = default_gazetteer()
    gazetteer_s = time.perf_counter() - started
    engine = make_engine(url)
    data = [(Path(f).name, Path(f).read_bytes()) for f in files]
    started = time.perf_counter()
    result = apply_import(
        engine,
        data,
        gazetteer=gazetteer,
        actor=Actor(),
        now=SystemClock().now(),
        date_shift_days=shift,
    )
    seconds = time.perf_counter() - started
    engine.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(
        json.dumps(
            {
                "seconds": seconds,
                "gazetteer_s": gazetteer_s,
                "peak_mb": peak_mb,
                "applied": result.applied,
                "problems": result.problem_count,
                "counts": asdict(result.counts),
            }
        )
    )


def _run(url: str, files: list[Path], shift: int = 0) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", url, "--shift", str(shift), *map(str, files)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _postgres_bench_url(test_url: str) -> str:
    """A fresh `<db>_bench` database next to the test database."""
    from sqlalchemy import create_engine, make_url, text

    url = make_url(test_url)
    bench = url.set(database=f"{url.database}_bench")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{bench.database}"'))
        conn.execute(text(f'CREATE DATABASE "{bench.database}"'))
    admin.dispose()
    return bench.render_as_string(hide_password=False)


def _drop_postgres(bench_url: str) -> None:
    from sqlalchemy import create_engine, make_url, text

    url = make_url(bench_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}"'))
    admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spaces", type=int, default=1_500)
    parser.add_argument("--sessions", type=int, default=150_000)
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--shift", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("files", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.files, args.shift)
        return 0

    from bot.db import make_engine, upgrade_schema

    machine = f"{platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}"
    print(f"# {datetime.now():%Y-%m-%d %H:%M}, {platform.platform()}, {machine}", flush=True)
    with tempfile.TemporaryDirectory(prefix="proxi-bench-") as tmp:
        directory = Path(tmp)
        files = generate(directory, args.spaces, args.sessions)
        size_mb = sum(f.stat().st_size for f in files) / 1_048_576
        print(
            f"# {args.spaces:,} spaces, {args.sessions:,} sessions: "
            f"{len(files)} CSV files, {size_mb:.1f} MB",
            flush=True,
        )
        targets = [("SQLite", f"sqlite:///{directory / 'bench.sqlite3'}")]
        test_url = os.environ.get("TEST_DATABASE_URL")
        if test_url:
            targets.append(("PostgreSQL", _postgres_bench_url(test_url)))
        print("| Date | Machine | Database | Run | Wall time | Peak memory (RSS) | Result |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        gazetteer_s: list[float] = []
        try:
            for label, url in targets:
                engine = make_engine(url)
                upgrade_schema(engine)
                engine.dispose()
                for run, shift in (
                    ("first load", 0),
                    ("same load again", 0),
                    ("every session moved 1 day", 1),
                ):
                    r = _run(url, files, shift)
                    gazetteer_s.append(r["gazetteer_s"])
                    c = r["counts"]
                    outcome = (
                        f"{c['sessions_created']:,} created, {c['sessions_updated']:,} updated, "
                        f"{c['sessions_unchanged']:,} unchanged"
                        if r["applied"]
                        else f"{r['problems']} problems"
                    )
                    print(
                        f"| {date.today()} | {platform.machine()}, {os.cpu_count()} CPU | "
                        f"{label} | {run} | {r['seconds']:.1f} s | {r['peak_mb']:.0f} MB | "
                        f"{outcome} |",
                        flush=True,
                    )
            print(
                f"# Wall time of apply_import (read, validate, compare, write, commit); loading "
                f"the gazetteer once per process adds {max(gazetteer_s):.1f} s."
            )
        finally:
            if test_url and len(targets) > 1:
                _drop_postgres(targets[1][1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
