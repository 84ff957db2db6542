"""The search benchmark's database part: the bot's start-up, its memory, the cold CLI.

Loads the realistic offer into a fresh migrated SQLite file (as ``bench_cards.py`` does),
then measures, each in a fresh process where it matters:

* the index build from the database (what the bot does at start when its saved index is
  stale, and after an import), and writing the saved index (:mod:`bot.search.snapshot`);
* loading the saved index (what the bot does at start when it is current);
* the resident memory of a process holding what the running bot holds for search: the bot's
  modules, the gazetteer and the index, built or loaded (after, and the peak);
* cold ``python -m bot search TEXT --json`` (interpreter start, imports, gazetteer, the
  search of ``bot.search.cli.search_index``), wall time and CPU time (on a shared machine
  the CPU time is the steadier figure).

    .venv/bin/python bench/search_db.py --database-url sqlite:///PATH  # an offer loaded earlier
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_cards import load
from offer import NOW, Offer
from sqlalchemy import text

from bot.db import make_engine, upgrade_schema
from bot.search import snapshot
from bot.search.index import SearchIndex

ROOT = Path(__file__).resolve().parent.parent
CLI_REQUESTS = (
    ("specific, a town", ["excel", "--near", "{city}"]),
    ("broad, a town", ["informatique", "--near", "{city}"]),
    ("specific, no place", ["sst"]),
    ("broad, no place", ["remise à niveau"]),
    ("off-topic", ["plongée sous-marine"]),
)
RSS_SCRIPT = """
import gc, sys, time
from datetime import datetime
from pathlib import Path
import bot.application
from bot.db import make_engine
from bot.gazetteer import default_gazetteer
from bot.search import snapshot
from bot.search.index import SearchIndex
default_gazetteer()
engine, now = make_engine(sys.argv[1]), datetime.fromisoformat(sys.argv[2])
started = time.perf_counter()
if sys.argv[3] == "build":
    index = SearchIndex.from_engine(engine, now=now)
elif sys.argv[3] == "live":  # what the bot does after an import: a child builds, it loads
    from bot.search.live import LiveIndex
    live = LiveIndex(Path(sys.argv[4]))
    live.rebuild(engine, now=now)
    index = live.current
else:
    index = snapshot.load(Path(sys.argv[3]), engine, now=now)
took = time.perf_counter() - started
gc.collect()
status = {l.split(":")[0]: l.split()[1] for l in open("/proc/self/status") if l.startswith("Vm")}
# VmHWM, not ru_maxrss: the latter counts the benchmark's own pages from before the exec.
print(int(status["VmRSS"]) / 1024, int(status["VmHWM"]) / 1024, len(index), took)
"""


def database_figures(offer: Offer) -> None:
    """Load ``offer`` into a temporary SQLite file and print the table."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/search.sqlite3"
        engine = make_engine(url)
        upgrade_schema(engine)
        load(engine, offer)
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        engine.dispose()
        figures(url, offer.spaces[0].city)


def _rss(url: str, *how: str) -> list[str]:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", RSS_SCRIPT, url, NOW.isoformat(), *how],
        env=env, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip


def figures(url: str, city: str) -> None:
    """Print the table (see the module docstring) for the offer stored at ``url``."""
    engine = make_engine(url)
    path = Path(url.removeprefix("sqlite:///") + ".search-index")  # the bot's default
    started = time.perf_counter()
    data, seats = snapshot.fingerprint(engine), snapshot.seats_fingerprint(engine)
    fingerprint_s = time.perf_counter() - started
    started = time.perf_counter()
    index = SearchIndex.from_engine(engine, now=NOW)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    snapshot.save(index, path, built_at=NOW, data=data, seats=seats)
    save_s = time.perf_counter() - started
    del index
    engine.dispose()
    print("\n| what (SQLite, realistic offer) | value |\n|---|---|")
    print(f"| index build from the database (start with a stale file; after an import) | "
          f"{build_s:.2f} s |")  # fmt: skip
    print(f"| saved index: fingerprint queries / write / size | {fingerprint_s:.2f} s / "
          f"{save_s:.2f} s / {path.stat().st_size / 1e6:.0f} MB |")  # fmt: skip
    built, loaded = _rss(url, "build"), _rss(url, str(path))
    live = _rss(url, "live", str(path))
    print(f"| saved index loaded in a fresh process (start with a current file) | "
          f"{float(loaded[3]):.2f} s |")  # fmt: skip
    print(f"| RSS with the bot's modules, gazetteer and index loaded: after / peak | "
          f"{float(loaded[0]):.0f} / {float(loaded[1]):.0f} MB |")  # fmt: skip
    print(f"| RSS with the bot's modules, gazetteer and index built: after / peak | "
          f"{float(built[0]):.0f} / {float(built[1]):.0f} MB |")  # fmt: skip
    print(f"| the bot's rebuild after an import (child process builds, bot loads): time, "
          f"RSS after / peak | {float(live[3]):.2f} s, {float(live[0]):.0f} / "
          f"{float(live[1]):.0f} MB |")  # fmt: skip
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    for label, argv in CLI_REQUESTS:
        args = [a.format(city=city) for a in argv]
        command = [sys.executable, "-m", "bot", "search", *args, "--json",
                   "--now", NOW.isoformat()]  # fmt: skip
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, env=env, cwd=ROOT, capture_output=True, check=True)
        took = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        print(f"| cold `python -m bot search` ({label}: {' '.join(args)}), wall / CPU | "
              f"{took:.2f} / {cpu:.2f} s |")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True, help="sqlite:///PATH of an offer")
    parser.add_argument("--city", default="Briare", help="a town of the offer's spaces")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    figures(args.database_url, args.city)
    print(f"\nload average at end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
