"""Benchmark the importer: 1,500 spaces and 150,000 sessions, then the same load again.

    .venv/bin/python bench/bench_import.py [--spaces 1500] [--sessions 150000] [--places 2800]

Generates CSV files in a temporary directory (sessions split into files under the 20 MB
limit), loads them into a fresh SQLite file, and into PostgreSQL when TEST_DATABASE_URL is set
(in a separate `<db>_bench` database, created and dropped here, so that tests running at the
same time are not disturbed). Each run is a subprocess, so that its peak memory
(`ru_maxrss`) is its own: first load, second load (nothing changes), and a load where every
session moved by one day (150,000 updates). Prints Markdown table rows for the README.

Issue 9 adds, on SQLite: a real-shaped ANCT France Services place list (`real_shapes.py`:
2,800 rows with CEDEX postcodes, capitals, arrondissements, former names, wrong postcodes and
0.5 % junk) loaded with `skip_invalid`, with the share of rows placed; each load's time as a
ratio to a bare `sqlite3` executemany of the same rows (parsed beforehand) in the same run;
and the time and peak memory to refuse a hostile XLSX (1 MB inflating to about 280 MB).
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
                    c.insee if located else "",  # `insee` (issue 9)
                    c.latitude if located else "",
                    c.longitude if located else "",
                    rng.choice(["oui", "non"]),
                    f"contact{i}@example.org",
                ]
            )
    files, organisations = [spaces], [f"Organisme de formation n° {i}" for i in range(60)]
    first_day = date(2027, 1, 4)
    header = [column.name for column in SESSION_COLUMNS][:15]  # up to `status`
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


def bare_executemany(files: list[Path], delimiter: str = ",") -> float:
    """Seconds to insert the files' rows (already parsed) into a plain SQLite table with
    `sqlite3` executemany and commit: what any load must at least pay. Run in a subprocess:
    Linux keeps a parent's peak memory in its children's `ru_maxrss`."""
    out = subprocess.run(
        [sys.executable, __file__, "--bare", delimiter] + [str(f) for f in files],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return float(out.stdout.strip().splitlines()[-1])


def _bare(files: list[Path], delimiter: str) -> float:
    import sqlite3

    rows = []
    for path in files:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh, delimiter=delimiter)
            width = len(next(reader))
            rows.extend(tuple(row[:width]) + ("",) * (width - len(row)) for row in reader)
    with tempfile.TemporaryDirectory(prefix="proxi-bare-") as tmp:
        db = sqlite3.connect(Path(tmp) / "bare.sqlite3")
        db.execute(f"CREATE TABLE t ({', '.join(f'c{i}' for i in range(width))})")
        started = time.perf_counter()
        db.executemany(f"INSERT INTO t VALUES ({', '.join('?' * width)})", rows)
        db.commit()
        seconds = time.perf_counter() - started
        db.close()
    return seconds


def child(url: str, files: list[str], shift: int, skip_invalid: bool = False) -> None:
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
        skip_invalid=skip_invalid,
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
                "codes": sorted({p.code for p in result.problems}),
                "counts": asdict(result.counts),
            }
        )
    )


def _run(url: str, files: list[Path], shift: int = 0, skip_invalid: bool = False) -> dict:
    flags = ["--skip-invalid"] if skip_invalid else []
    out = subprocess.run(
        [sys.executable, __file__, "--child", url, "--shift", str(shift), *flags]
        + [str(f) for f in files],
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


def real_shapes(directory: Path, n_places: int) -> None:
    """The ANCT-shaped place list (placed share, time vs bare executemany) and the hostile
    XLSX (time and peak memory to refuse it), each in a fresh process and SQLite file."""
    from bench.real_shapes import hostile_xlsx, place_list
    from bot.db import make_engine, upgrade_schema

    places = directory / "france-services.csv"
    kinds = place_list(places, n_places)
    url = f"sqlite:///{directory / 'places.sqlite3'}"
    engine = make_engine(url)
    upgrade_schema(engine)
    engine.dispose()
    r = _run(url, [places], skip_invalid=True)
    bare = bare_executemany([places], delimiter=";")
    placed = r["counts"]["spaces_created"]
    junk = kinds.get("junk", 0)
    print(f"# place list: {n_places:,} rows, {', '.join(f'{k} {v}' for k, v in kinds.items())}")
    print(
        f"# place list: placed {placed:,} / {n_places:,} = {100 * placed / n_places:.2f} % "
        f"(of the {n_places - junk:,} non-junk rows: {100 * placed / (n_places - junk):.2f} %); "
        f"skipped rows' problems: {', '.join(r['codes'])}; {r['seconds']:.2f} s, "
        f"peak {r['peak_mb']:.0f} MB; bare executemany {bare * 1000:.1f} ms "
        f"(x{r['seconds'] / bare:.0f})",
        flush=True,
    )
    bomb = directory / "bomb.xlsx"
    size, inflated = hostile_xlsx(bomb)
    url = f"sqlite:///{directory / 'bomb.sqlite3'}"
    engine = make_engine(url)
    upgrade_schema(engine)
    engine.dispose()
    r = _run(url, [bomb])
    print(
        f"# hostile XLSX: {size / 1_048_576:.1f} MB inflating to {inflated / 1_048_576:.0f} MB: "
        f"refused ({', '.join(r['codes'])}) in {r['seconds']:.1f} s, peak {r['peak_mb']:.0f} MB "
        f"(gazetteer included)",
        flush=True,
    )


def _session_runs(
    label: str, url: str, files: list[Path], gazetteer_s: list[float], runs: list
) -> None:
    """First load, the same again, every session moved: one table row each."""
    from bot.db import make_engine, upgrade_schema

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
        if run == "first load":
            runs.append((label, r["seconds"]))
        c = r["counts"]
        outcome = (
            f"{c['sessions_created']:,} created, {c['sessions_updated']:,} updated, "
            f"{c['sessions_unchanged']:,} unchanged"
            if r["applied"]
            else f"{r['problems']} problems"
        )
        print(
            f"| {date.today()} | {platform.machine()}, {os.cpu_count()} CPU | "
            f"{label} | {run} | {r['seconds']:.1f} s | {r['peak_mb']:.0f} MB | {outcome} |",
            flush=True,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spaces", type=int, default=1_500)
    parser.add_argument("--sessions", type=int, default=150_000)
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--places", type=int, default=2_800)
    parser.add_argument("--shift", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--skip-invalid", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--bare", metavar="DELIMITER", help=argparse.SUPPRESS)
    parser.add_argument("files", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare:
        print(_bare([Path(f) for f in args.files], args.bare))
        return 0
    if args.child:
        child(args.child, args.files, args.shift, args.skip_invalid)
        return 0

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
        runs: list[tuple[str, float]] = []
        try:
            for label, url in targets:
                _session_runs(label, url, files, gazetteer_s, runs)
            print(
                f"# Wall time of apply_import (read, validate, compare, write, commit); loading "
                f"the gazetteer once per process adds {max(gazetteer_s):.1f} s."
            )
            bare = bare_executemany(files[1:])
            first = next(r for r in runs if r[0] == "SQLite")[1]
            print(
                f"# bare sqlite3 executemany of the {args.sessions:,} session rows: {bare:.2f} s;"
                f" first SQLite load = x{first / bare:.0f}",
                flush=True,
            )
            real_shapes(directory, args.places)
        finally:
            if test_url and len(targets) > 1:
                _drop_postgres(targets[1][1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
