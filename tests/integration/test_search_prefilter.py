"""The prefiltered search (CLI, bot while its index builds) ranks as the full index does.

Every request of the evaluation set (tests/search_eval), over the sample stored in the
database, on SQLite and PostgreSQL: same results, scores, distances, other dates and flags.
"""

from __future__ import annotations

import tomllib
from datetime import UTC

from sqlalchemy.engine import Engine

from bot.db import unit_of_work
from bot.gazetteer import default_gazetteer
from bot.models import Organisation, Space, TrainingSession
from bot.search.index import SearchIndex
from bot.search.live import LiveIndex
from bot.search.prefilter import DatabaseSource, prefiltered_index, topic_patterns
from bot.search.query import parse_request
from bot.search.service import SearchOutcome, search
from tests.search_eval.evaluate import HELD_OUT, REQUESTS
from tests.search_eval.sample import PARIS, SAMPLE_NOW, sample_sessions

NOW = SAMPLE_NOW.astimezone(UTC)


def store_sample(engine: Engine) -> None:
    """The evaluation sample as database rows."""
    with unit_of_work(engine) as session:
        orgs: dict[str, Organisation] = {}
        spaces: dict[int, Space] = {}
        for doc in sample_sessions():
            org = orgs.get(doc.organisation)
            if org is None:
                org = orgs[doc.organisation] = Organisation(name=doc.organisation)
            sp = doc.space
            if sp.id not in spaces:
                spaces[sp.id] = Space(
                    external_id=sp.external_id, name=sp.name, postcode=sp.postcode,
                    city=sp.city, latitude=sp.latitude, longitude=sp.longitude,
                    accessible=sp.accessible,
                )  # fmt: skip
        session.add_all([*orgs.values(), *spaces.values()])
        session.flush()
        for doc in sample_sessions():
            session.add(
                TrainingSession(
                    external_id=doc.external_id,
                    title=doc.title,
                    organisation_id=orgs[doc.organisation].id,
                    space_id=spaces[doc.space.id].id,
                    starts_at=doc.starts_at,
                    ends_at=doc.ends_at,
                    seats=doc.seats,
                    seats_taken=doc.seats_taken,
                    topics=doc.topics,
                    description=doc.description,
                    modality=doc.modality,
                    format=doc.format,
                    price_eur=doc.price_eur,
                    cpf=doc.cpf,
                    status=doc.status,
                    url=doc.url,
                )
            )


def _texts() -> list[str]:
    texts = []
    for path in (REQUESTS, HELD_OUT):
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        texts += [case["text"] for case in data.get("request", []) + data.get("off_topic", [])]
    return texts


def _summary(outcome: SearchOutcome) -> tuple[object, ...]:
    results = [(r.session, r.score, r.distance_km, r.other_dates) for r in outcome.results]
    return (
        results, outcome.total, outcome.radius_km, outcome.widened, outcome.no_topic_match,
        outcome.needs_place, outcome.corrections, outcome.concepts,
    )  # fmt: skip


def test_prefiltered_search_ranks_like_the_full_index(engine: Engine) -> None:
    store_sample(engine)
    full = SearchIndex.from_engine(engine, now=NOW)
    gaz = default_gazetteer()
    texts = _texts()
    assert len(texts) > 100
    narrowed = 0
    for text in texts:
        request = parse_request(text, now=NOW, tz=PARIS, gazetteer=gaz)
        small = prefiltered_index(engine, request, now=NOW)
        narrowed += len(small) < len(full)
        for limit in (None, 5):
            expected = search(full, request, now=NOW, limit=limit)
            assert _summary(search(small, request, now=NOW, limit=limit)) == _summary(expected), (
                text
            )
    assert narrowed > len(texts) // 2  # the database did narrow most requests


def test_the_bot_searches_the_database_until_its_index_is_ready(engine: Engine) -> None:
    store_sample(engine)
    live = LiveIndex()
    live.rebuild_in_background(engine, now=NOW)
    request = parse_request("excel ploërmel", now=NOW, tz=PARIS, gazetteer=default_gazetteer())
    during = search(DatabaseSource(engine), request, now=NOW)
    assert during.results
    assert live.wait(timeout=60)
    assert live.ready and isinstance(live.current, SearchIndex)
    after = search(live.current, request, now=NOW)
    assert _summary(after) == _summary(during)


def test_topic_patterns_hide_the_letters_an_accent_may_change() -> None:
    full = SearchIndex(sample_sessions())
    request = parse_request("comptabilité", now=NOW, tz=PARIS, gazetteer=default_gazetteer())
    patterns = topic_patterns(full.compile(request.topic_words), full.topics)
    assert patterns is not None and "__mpt_b_l_t_" in patterns
    assert topic_patterns(full.compile([]), full.topics) is None  # no topic: no narrowing
