"""Search benchmark: the realistic 2030 offer (bench/offer.py), then the old small set.

    .venv/bin/python bench/bench_search.py [--sessions N] [--spaces N] [--organisations N]
        [--courses N] [--queries N] [--baseline-queries N] [--seed N] [--no-small]

First case: :func:`offer.realistic_offer` (hundreds of organisations, tens of thousands of
distinct titles) with :func:`offer.requests` (towns, postcodes, départements, long
sentences, broad topics, no place, off-topic). Second, labelled case: the first benchmark's
data, below, with only a few hundred distinct courses.

Synthesises spaces in real small towns (gazetteer points) and sessions from the topic table
(organisations each teaching a few concepts in the spaces of their area, the same course at
many dates and places, as in real catalogues), builds the index (time, and memory with
tracemalloc), times the gazetteer (load, typo resolution) and the parsing of a very long
request, runs representative requests (typos, synonyms, English, places, postal codes,
départements, time windows, off-topic) and reports p50/p95/p99 of ``search()`` — and of a
naive baseline in the same run, which scores every session with rapidfuzz and computes every
distance. The baseline is slow, so it runs on a subset of the requests (the same ones for
both in the speed-up). Prints a Markdown table with the machine and the date.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz, process

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.gazetteer import Commune, Gazetteer, default_gazetteer
from bot.geo import haversine_km
from bot.search.browse import MAX_RESULTS
from bot.search.index import SearchIndex, SessionDoc, SpaceDoc
from bot.search.query import SearchRequest, parse_request
from bot.search.service import search
from bot.search.topics import TopicTable, default_topics, words

sys.path.insert(0, str(Path(__file__).resolve().parent))
from offer import dated_session, realistic_offer, town_spaces
from offer import requests as offer_requests
from search_db import database_figures

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2027, 1, 1, 9, 0, tzinfo=PARIS).astimezone(UTC)
HORIZON_DAYS = 182
TITLE_PATTERNS = (
    "{label} : les bases",
    "{label} – perfectionnement",
    "Atelier {label}",
    "{label} pour les TPE et indépendants",
    "{label} : journée pratique",
)
LEVELS = ("débutant", "perfectionnement", "tpe", "indépendant", "certification", "")
FILLERS = ("", "", "formation ", "je cherche une formation ", "cours de ", "atelier ")
TIMES = ("", "", "", "", " en mars", " la semaine prochaine", " le soir", " le samedi",
         " avant l'été", " ce mois-ci", " en avril")  # fmt: skip
OFF_TOPIC = ("plongée sous-marine", "pilote d'avion", "cours de cuisine japonaise", "yoga",
             "guitare", "permis bateau", "azerty", "danse salsa")  # fmt: skip


def make_sessions(
    rng: random.Random, spaces: list[SpaceDoc], n: int, table: TopicTable
) -> list[SessionDoc]:
    """``n`` upcoming sessions from organisations teaching the table's subjects."""
    subjects = [c for c in table.concepts.values() if c.kind == "subject"]
    qualifiers = [c for c in table.concepts.values() if c.kind == "qualifier"]
    organisations = []
    for o in range(150):
        home = rng.choice(spaces)
        area = sorted(
            spaces,
            key=lambda s: haversine_km(home.latitude, home.longitude, s.latitude, s.longitude),
        )[: rng.randint(8, 40)]
        courses = []
        for concept in rng.sample(subjects, rng.randint(2, 6)):
            terms = [" ".join(t) for t in concept.terms]
            qualifier = rng.choice(qualifiers)
            title = rng.choice(TITLE_PATTERNS).format(label=concept.label)
            topics = ";".join(
                [*rng.sample(terms, min(3, len(terms))), " ".join(qualifier.terms[0])]
            )
            description = (
                f"Une formation {concept.label.lower()} près de chez vous, en petit groupe."
            )
            courses.append((title, topics, description))
        organisations.append((f"Organisme {o:03}", area, courses))
    docs = []
    for i in range(1, n + 1):
        name, area, courses = rng.choice(organisations)
        title, topics, description = rng.choice(courses)
        space = rng.choice(area)
        course = (name, title, topics, description)
        docs.append(dated_session(rng, i, course, space, HORIZON_DAYS, (0.0, 150.0, 390.0)))
    return docs


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 6 or rng.random() > 0.25:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1 :]  # a dropped letter, the commonest typo


def make_queries(
    rng: random.Random, docs: list[SessionDoc], table: TopicTable, n: int
) -> list[str]:
    """Requests as learners write them: typos, synonyms, places, postal codes, départements.

    Learners mostly ask for what is taught somewhere around them (70% of the requests name
    a subject taught in the space of the town they name), sometimes for anything anywhere.
    """
    gaz = default_gazetteer()
    subjects = [c for c in table.concepts.values() if c.kind == "subject"]
    towns: list[Commune] = [c for c in gaz.communes if c.population >= 1_000]
    queries = []
    for _ in range(n):
        local = rng.choice(docs)  # a session somewhere: its town and subject
        taught = sorted(table.concepts_in(words(local.title)) | table.concepts_in(
            words(local.topics.replace(";", " "))))  # fmt: skip
        taught = [c for c in taught if table.concepts[c].kind == "subject"]
        if rng.random() < 0.05:
            topic = rng.choice(OFF_TOPIC)
        else:
            if taught and rng.random() < 0.7:
                concept = table.concepts[rng.choice(taught)]
            else:
                concept = rng.choice(subjects)
            topic = " ".join(_typo(w, rng) for w in rng.choice(concept.terms))
            if rng.random() < 0.2:
                topic += " " + rng.choice(LEVELS)
        place = _place(rng, local.space, towns)
        queries.append(f"{rng.choice(FILLERS)}{topic.strip()}{place}{rng.choice(TIMES)}")
    return queries


def _place(rng: random.Random, space: SpaceDoc, towns: list[Commune]) -> str:
    """Where a request says it is: the space's town, another town, a postcode, a
    département, or nowhere."""
    roll = rng.random()
    if roll < 0.55:
        return f" près de {space.city}"
    if roll < 0.70:
        return f" {rng.choice(towns).name}"
    if roll < 0.80:
        return f" {space.postcode}"
    if roll < 0.90:
        return f" dans le {space.postcode[:2]}"
    return ""


def naive_search(docs: list[SessionDoc], texts: list[str], request: SearchRequest) -> list[int]:
    """Score every session with rapidfuzz and measure every distance (the baseline)."""
    topic = request.topic
    scores = (
        process.extract(topic, texts, scorer=fuzz.token_set_ratio, score_cutoff=80, limit=None)
        if topic
        else [(t, 100.0, i) for i, t in enumerate(texts)]
    )
    relevant = {i: s for _, s, i in scores}
    place, when = request.place, request.when
    radius = request.radius_km or (place.default_radius_km if place else 0)
    found = []
    for i, doc in enumerate(docs):
        distance = (
            haversine_km(place.latitude, place.longitude, doc.space.latitude, doc.space.longitude)
            if place
            else 0.0
        )
        if i not in relevant or doc.starts_at <= NOW or (place and distance > radius):
            continue
        if not when.accepts(doc.starts_at, PARIS):
            continue
        found.append((-relevant[i], distance, doc.starts_at, i))
    found.sort()
    return [i for *_, i in found]


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    """p50, p95, p99 in milliseconds."""
    qs = statistics.quantiles(samples, n=100, method="inclusive")
    return qs[49] * 1000, qs[94] * 1000, qs[98] * 1000


def timed_searches(
    index: SearchIndex, requests: list[SearchRequest], limit: int | None = MAX_RESULTS
) -> tuple[list[float], int]:
    """Seconds per ``search()`` as the bot calls it (the best ``MAX_RESULTS``) and how many
    found something (after a warm-up)."""
    for request in requests[:50]:  # warm the typo-correction cache like a running bot
        search(index, request, now=NOW, limit=limit)
    timings, found = [], 0
    for request in requests:
        started = time.perf_counter()
        outcome = search(index, request, now=NOW, limit=limit)
        timings.append(time.perf_counter() - started)
        found += bool(outcome.results)
    return timings, found


def run_case(
    label: str, shape: str, docs: list[SessionDoc], queries: list[str], args: argparse.Namespace
) -> None:
    """Index ``docs``, time ``queries`` with search() and the baseline, print a table."""
    table = default_topics()
    rng = random.Random(args.seed)
    gc.collect()
    started = time.perf_counter()
    index = SearchIndex(docs, topics=table)
    build_s = time.perf_counter() - started
    del index
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    index = SearchIndex(docs, topics=table)
    index_mb = (tracemalloc.get_traced_memory()[0] - before) / 1e6
    tracemalloc.stop()
    gc.freeze()  # as the bot's index, loaded inside bot.heap.long_lived (not walked by the GC)
    started = time.perf_counter()
    gaz = default_gazetteer()
    requests = [parse_request(q, now=NOW, tz=PARIS, gazetteer=gaz) for q in queries]
    parse_ms = (time.perf_counter() - started) / len(queries) * 1000
    timings, found = timed_searches(index, requests)
    texts = [f"{d.title} {d.topics.replace(';', ' ')}" for d in docs]
    subset = rng.sample(range(len(requests)), min(args.baseline_queries, len(requests)))
    base_t, fast_t = [], []
    for k in subset:
        started = time.perf_counter()
        naive_search(docs, texts, requests[k])
        base_t.append(time.perf_counter() - started)
        started = time.perf_counter()
        search(index, requests[k], now=NOW)
        fast_t.append(time.perf_counter() - started)
    p50, p95, p99 = percentiles(timings)
    b50, b95, b99 = percentiles(base_t)
    s50, s95, s99 = percentiles(fast_t)
    print(f"\n## {label}\n\nData: {shape}; {len(queries):,} requests "
          f"({found / len(requests):.0%} with results).\n")  # fmt: skip
    print("| what | value |\n|---|---|")
    print(f"| index build (from SessionDocs) | {build_s:.2f} s |")
    print(f"| index memory (tracemalloc: all the index holds) | {index_mb:.1f} MB |")
    print(f"| parse_request, mean | {parse_ms:.2f} ms |")
    print(f"| search() as the bot calls it (best {MAX_RESULTS}) p50 / p95 / p99 / worst, "
          f"{len(requests):,} requests | "
          f"{p50:.2f} / {p95:.2f} / {p99:.2f} / {max(timings) * 1000:.1f} ms |")  # fmt: skip
    print(f"| naive baseline p50 / p95 / p99 / worst, {len(subset)} requests | "
          f"{b50:.1f} / {b95:.1f} / {b99:.1f} / {max(base_t) * 1000:.1f} ms |")  # fmt: skip
    print(f"| search() of every result (no limit) on the same {len(subset)} requests | "
          f"{s50:.2f} / {s95:.2f} / {s99:.2f} / {max(fast_t) * 1000:.1f} ms |")  # fmt: skip
    print(f"| speed-up (p50 / p95) | ×{b50 / s50:.0f} / ×{b95 / s95:.0f} |")


def gazetteer_figures() -> None:
    """Gazetteer load, typo resolution and a very long request."""
    started = time.perf_counter()
    Gazetteer.load()  # uncached: what the bot pays once at start
    gazetteer_s = time.perf_counter() - started
    gaz = default_gazetteer()
    typos = ["ploërmell", "Plörmel", "redonn", "josselyn", "strasbourgg", "Tataouine"]
    started = time.perf_counter()
    for _ in range(20):
        for typo in typos:
            gaz.resolve(typo)
    resolve_ms = (time.perf_counter() - started) / (20 * len(typos)) * 1000
    started = time.perf_counter()
    parse_request("sst " * 1000, now=NOW, tz=PARIS, gazetteer=gaz)  # truncated, not quadratic
    long_parse_ms = (time.perf_counter() - started) * 1000
    print("| what | value |\n|---|---|")
    print(f"| gazetteer load (uncached; target < 1 s) | {gazetteer_s:.2f} s |")
    print(f"| place resolution with typos, mean (target < 5 ms) | {resolve_ms:.2f} ms |")
    print(f"| parse_request, 4,000 characters (target < 500 ms) | {long_parse_ms:.1f} ms |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spaces", type=int, default=1_500)
    parser.add_argument("--sessions", type=int, default=150_000)
    parser.add_argument("--organisations", type=int, default=400)
    parser.add_argument("--courses", type=int, default=93_000)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--baseline-queries", type=int, default=150)
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--no-small", action="store_true", help="skip the old small case")
    parser.add_argument("--no-database", action="store_true", help="skip the database part")
    args = parser.parse_args()
    print(f"# Search benchmark — {datetime.now(UTC):%Y-%m-%d}\n")
    machine = f"{platform.platform()}, {os.cpu_count()} CPUs"
    print(f"Machine: {machine}, Python {platform.python_version()}\n")
    gazetteer_figures()
    offer = realistic_offer(args.seed, spaces=args.spaces, sessions=args.sessions,
                            organisations=args.organisations, courses=args.courses)  # fmt: skip
    queries = offer_requests(random.Random(args.seed), offer, args.queries)
    run_case("Realistic 2030 offer (bench/offer.py)", offer.shape(), offer.docs, queries, args)
    if not args.no_database:
        database_figures(offer)
    del offer
    if not args.no_small:
        rng, table = random.Random(args.seed), default_topics()
        spaces = town_spaces(rng, args.spaces, pvd=False)
        docs = make_sessions(rng, spaces, args.sessions, table)
        courses = len({(d.organisation, d.title) for d in docs})
        shape = (f"{len(spaces):,} spaces, {len(docs):,} sessions, 150 organisations, "
                 f"{courses:,} distinct courses")  # fmt: skip
        queries = make_queries(rng, docs, table, args.queries)
        run_case("Small generated set (the first benchmark's data)", shape, docs, queries, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
