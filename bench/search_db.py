"""The search benchmark's database part: the bot's start-up build, its memory, the cold CLI.

Loads the realistic offer into a fresh migrated SQLite file (as ``bench_cards.py`` does),
then measures, each in a fresh process where it matters:

* the index build from the database (what ``_post_init`` starts in the background);
* the resident memory of a process holding what the running bot holds for search: the bot's
  modules, the gazetteer and the index (peak during the build, and after it);
* cold ``python -m bot search TEXT --json`` (interpreter start, imports, gazetteer, the
  prefiltered search of ``bot/search/prefilter.py``), on a few kinds of request.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_cards import load
from offer import NOW, Offer
from sqlalchemy import text

from bot.db import make_engine, upgrade_schema
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
import gc, resource, sys
from datetime import datetime
import bot.application
from bot.db import make_engine
from bot.gazetteer import default_gazetteer
from bot.search.index import SearchIndex
default_gazetteer()
index = SearchIndex.from_engine(make_engine(sys.argv[1]), now=datetime.fromisoformat(sys.argv[2]))
gc.collect()
rss = next(l for l in open("/proc/self/status") if l.startswith("VmRSS")).split()[1]
print(int(rss) / 1024, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, len(index))
"""


def database_figures(offer: Offer) -> None:
    """Print the table (see the module docstring)."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/search.sqlite3"
        engine = make_engine(url)
        upgrade_schema(engine)
        load(engine, offer)
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        started = time.perf_counter()
        SearchIndex.from_engine(engine, now=NOW)
        build_s = time.perf_counter() - started
        engine.dispose()
        env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
        out = subprocess.run(
            [sys.executable, "-c", RSS_SCRIPT, url, NOW.isoformat()],
            env=env, capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        print("\n| what (SQLite, realistic offer) | value |\n|---|---|")
        print(f"| index build from the database (in the background at start) | {build_s:.2f} s |")
        print(f"| RSS with the bot's modules, gazetteer and index: after / peak | "
              f"{float(out[0]):.0f} / {float(out[1]):.0f} MB |")  # fmt: skip
        city = offer.spaces[0].city
        for label, argv in CLI_REQUESTS:
            args = [a.format(city=city) for a in argv]
            command = [sys.executable, "-m", "bot", "search", *args, "--json",
                       "--now", NOW.isoformat()]  # fmt: skip
            started = time.perf_counter()
            subprocess.run(command, env=env, cwd=ROOT, capture_output=True, check=True)
            took = time.perf_counter() - started
            print(f"| cold `python -m bot search` ({label}: {' '.join(args)}) | {took:.2f} s |")
