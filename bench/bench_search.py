"""Search benchmark: 1,500 spaces, 150,000 upcoming sessions, ~2,000 requests.

    .venv/bin/python bench/bench_search.py [--sessions N] [--spaces N] [--queries N]
        [--baseline-queries N] [--seed N]

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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz, process

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.gazetteer import Commune, Gazetteer, default_gazetteer
from bot.geo import haversine_km
from bot.search.index import SearchIndex, SessionDoc, SpaceDoc
from bot.search.query import SearchRequest, parse_request
from bot.search.service import search
from bot.search.topics import TopicTable, default_topics, words

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


def make_spaces(rng: random.Random, n: int) -> list[SpaceDoc]:
    """Spaces in real towns of 1,500 to 20,000 inhabitants, across France."""
    towns = [c for c in default_gazetteer().communes if 1_500 <= c.population <= 20_000]
    picked = rng.sample(towns, n)
    return [
        SpaceDoc(
            i,
            f"Tiers-lieu de {c.name}",
            c.name,
            c.postcodes[0],
            c.latitude,
            c.longitude,
            rng.random() < 0.7,
            f"esp-{c.insee}",
        )
        for i, c in enumerate(picked, 1)
    ]


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
    modalities = ("presentiel",) * 8 + ("blended", "distanciel")
    for i in range(1, n + 1):
        name, area, courses = rng.choice(organisations)
        title, topics, description = rng.choice(courses)
        space = rng.choice(area)
        day = NOW + timedelta(days=rng.randint(1, HORIZON_DAYS))
        start = day.astimezone(PARIS).replace(hour=rng.choice((9, 9, 14, 18)), minute=0)
        seats = rng.randint(4, 16)
        docs.append(
            SessionDoc(
                id=i,
                external_id=f"S{i:06}",
                title=title,
                organisation=name,
                topics=topics,
                description=description,
                starts_at=start.astimezone(UTC),
                ends_at=(start + timedelta(hours=3)).astimezone(UTC),
                seats=seats,
                seats_taken=rng.randint(0, seats),
                modality=rng.choice(modalities),
                format="formation",
                price_eur=rng.choice((0.0, 150.0, 390.0)),
                cpf=rng.random() < 0.3,
                status="scheduled",
                space=space,
            )
        )
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
        roll = rng.random()
        if roll < 0.55:
            place = f" près de {local.space.city}"
        elif roll < 0.70:
            place = f" {rng.choice(towns).name}"
        elif roll < 0.80:
            place = f" {local.space.postcode}"
        elif roll < 0.90:
            place = f" dans le {local.space.postcode[:2]}"
        else:
            place = ""
        queries.append(f"{rng.choice(FILLERS)}{topic.strip()}{place}{rng.choice(TIMES)}")
    return queries


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spaces", type=int, default=1_500)
    parser.add_argument("--sessions", type=int, default=150_000)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--baseline-queries", type=int, default=150)
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    table = default_topics()
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

    spaces = make_spaces(rng, args.spaces)
    tracemalloc.start()
    docs = make_sessions(rng, spaces, args.sessions, table)
    docs_mb = tracemalloc.get_traced_memory()[0] / 1e6
    tracemalloc.stop()
    queries = make_queries(rng, docs, table, args.queries)

    gc.collect()
    started = time.perf_counter()
    index = SearchIndex(docs, topics=table)
    build_s = time.perf_counter() - started
    courses = len({(d.organisation, d.title) for d in docs})
    del index
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    index = SearchIndex(docs, topics=table)
    index_mb = (tracemalloc.get_traced_memory()[0] - before) / 1e6
    tracemalloc.stop()

    started = time.perf_counter()
    requests = [
        parse_request(q, now=NOW, tz=PARIS, gazetteer=default_gazetteer()) for q in queries
    ]
    parse_ms = (time.perf_counter() - started) / len(queries) * 1000

    for request in requests[:50]:  # warm the typo-correction cache like a running bot
        search(index, request, now=NOW)
    timings, found = [], 0
    for request in requests:
        started = time.perf_counter()
        outcome = search(index, request, now=NOW)
        timings.append(time.perf_counter() - started)
        found += bool(outcome.results)

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
    print(f"# Search benchmark — {datetime.now(UTC):%Y-%m-%d}\n")
    machine = f"{platform.platform()}, {os.cpu_count()} CPUs"
    print(f"Machine: {machine}, Python {platform.python_version()}")
    print(
        f"Data: {len(spaces):,} spaces, {len(docs):,} upcoming sessions ({courses:,} distinct "
        f"courses by 150 organisations), {len(queries):,} requests "
        f"({found / len(requests):.0%} with results).\n"
    )
    print("| what | value |\n|---|---|")
    print(f"| index build | {build_s:.2f} s |")
    print(f"| index memory (tracemalloc, excluding the SessionDocs) | {index_mb:.1f} MB |")
    print(f"| the {len(docs):,} SessionDocs it holds (tracemalloc) | {docs_mb:.1f} MB |")
    print(f"| gazetteer load (uncached; target < 1 s) | {gazetteer_s:.2f} s |")
    print(f"| place resolution with typos, mean (target < 5 ms) | {resolve_ms:.2f} ms |")
    print(f"| parse_request, mean | {parse_ms:.2f} ms |")
    print(f"| parse_request, 4,000 characters (target < 500 ms) | {long_parse_ms:.1f} ms |")
    print(f"| search() p50 / p95 / p99, {len(requests):,} requests | "
          f"{p50:.2f} / {p95:.2f} / {p99:.2f} ms |")  # fmt: skip
    print(f"| naive baseline p50 / p95 / p99, {len(subset)} requests | "
          f"{b50:.1f} / {b95:.1f} / {b99:.1f} ms |")  # fmt: skip
    print(f"| search() on the same {len(subset)} requests | "
          f"{s50:.2f} / {s95:.2f} / {s99:.2f} ms |")  # fmt: skip
    print(f"| speed-up (p50 / p95) | ×{b50 / s50:.0f} / ×{b95 / s95:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
