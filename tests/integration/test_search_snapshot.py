"""The search index saved on disk: the same ranking as a fresh build, never used once stale.

Every request of the evaluation set (tests/search_eval) over the sample stored in the
database, on SQLite and PostgreSQL: the index loaded from the file, and what the cold CLI
searches (``bot.search.cli.search_index``: the saved index without a place, the database
around the place with one), give the bot's results, scores, distances and flags.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col

from bot.gazetteer import default_gazetteer
from bot.models import TrainingSession, utcnow
from bot.search import snapshot
from bot.search.cli import search_index
from bot.search.index import SearchIndex
from bot.search.live import LiveIndex
from bot.search.query import parse_request
from bot.search.service import search
from tests.integration.test_search_prefilter import NOW, _summary, _texts, store_sample
from tests.search_eval.sample import PARIS


@pytest.fixture
def saved(engine: Engine, tmp_path: Path) -> Path:
    """The sample in the database and the index the bot saved after building it."""
    store_sample(engine)
    path = tmp_path / "search-index"
    LiveIndex(path).rebuild(engine, now=NOW)
    assert path.exists()
    return path


def test_the_saved_index_ranks_like_a_fresh_build(engine: Engine, saved: Path) -> None:
    loaded = snapshot.load(saved, engine, now=NOW)
    assert loaded is not None
    full = SearchIndex.from_engine(engine, now=NOW)
    gaz = default_gazetteer()
    for text in _texts():
        request = parse_request(text, now=NOW, tz=PARIS, gazetteer=gaz)
        for limit in (None, 5):
            expected = _summary(search(full, request, now=NOW, limit=limit))
            assert _summary(search(loaded, request, now=NOW, limit=limit)) == expected, text


def test_the_cold_cli_ranks_like_the_bot(engine: Engine, saved: Path) -> None:
    full = SearchIndex.from_engine(engine, now=NOW)
    gaz = default_gazetteer()
    from_file = 0
    for text in _texts():
        request = parse_request(text, now=NOW, tz=PARIS, gazetteer=gaz)
        index = search_index(engine, request, now=NOW, snapshot_path=saved)
        from_file += len(index) == len(full)
        expected = _summary(search(full, request, now=NOW, limit=10))
        assert _summary(search(index, request, now=NOW, limit=10)) == expected, text
    assert from_file  # requests without a place did read the saved index


def test_the_bot_starts_from_the_saved_index(
    engine: Engine, saved: Path, caplog: pytest.LogCaptureFixture
) -> None:
    live = LiveIndex(saved)
    with caplog.at_level(logging.INFO, logger="bot.search.snapshot"):
        live.rebuild_in_background(engine, now=NOW + timedelta(hours=1))
        assert live.wait(timeout=60)
    assert live.ready and len(live.current) == len(SearchIndex.from_engine(engine, now=NOW))
    assert any("loaded from" in r.getMessage() for r in caplog.records)


def _first_session(engine: Engine) -> int:
    full = SearchIndex.from_engine(engine, now=NOW)
    return full.doc(full.all_rows[0]).id


def test_a_changed_session_makes_it_stale(engine: Engine, saved: Path) -> None:
    session_id = _first_session(engine)
    with engine.begin() as connection:  # as the importer writes a change: stamped
        connection.execute(
            update(TrainingSession)
            .where(col(TrainingSession.id) == session_id)
            .values(title="Soudure à l'arc", updated_at=max(NOW, utcnow()) + timedelta(minutes=5))
        )
    assert snapshot.load(saved, engine, now=NOW) is None


def test_seat_counts_are_read_afresh(engine: Engine, saved: Path) -> None:
    session_id = _first_session(engine)
    with engine.begin() as connection:  # as an enrolment does: not stamped
        connection.execute(
            update(TrainingSession)
            .where(col(TrainingSession.id) == session_id)
            .values(seats_taken=TrainingSession.seats)
        )
    loaded = snapshot.load(saved, engine, now=NOW)
    assert loaded is not None
    doc = loaded.get(session_id)
    assert doc is not None and doc.full


def test_too_old_too_young_other_code_or_garbage_is_not_used(
    engine: Engine, saved: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert snapshot.load(saved, engine, now=NOW - timedelta(minutes=1)) is None
    assert snapshot.load(saved, engine, now=NOW + snapshot.MAX_AGE) is None
    monkeypatch.setattr(snapshot, "FORMAT", snapshot.FORMAT + 1)
    assert snapshot.load(saved, engine, now=NOW) is None
    monkeypatch.undo()
    assert snapshot.load(saved, engine, now=NOW) is not None
    saved.write_bytes(saved.read_bytes()[:1000])  # cut short, as by a full disk
    assert snapshot.load(saved, engine, now=NOW) is None
    assert snapshot.load(saved.with_name("missing"), engine, now=NOW) is None


def test_a_large_offer_is_built_in_a_child_process(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store_sample(engine)
    path = tmp_path / "search-index"
    live = LiveIndex(path)
    live.child_build_min = 0  # the sample is small: as if it were the 2030 offer
    with caplog.at_level(logging.INFO, logger="bot.search"):
        assert live.rebuild(engine, now=NOW) == len(SearchIndex.from_engine(engine, now=NOW))
    logged = [r.getMessage() for r in caplog.records]
    assert any("loaded from" in m for m in logged), logged  # built there, loaded here
    assert not any("search snapshot written" in m for m in logged), logged
    assert path.exists() and snapshot.load(path, engine, now=NOW) is not None
    request = parse_request("excel ploërmel", now=NOW, tz=PARIS, gazetteer=default_gazetteer())
    expected = search(SearchIndex.from_engine(engine, now=NOW), request, now=NOW)
    assert _summary(search(live.current, request, now=NOW)) == _summary(expected)


def test_the_import_command_leaves_a_current_saved_index(tmp_path: Path) -> None:
    from bot.db import make_engine, upgrade_schema

    engine = make_engine(f"sqlite:///{tmp_path / 'proxi.sqlite3'}")
    upgrade_schema(engine)
    store_sample(engine)
    path = tmp_path / "search-index"
    snapshot.refresh_in_background(engine, path, now=NOW)  # what `bot import` starts
    deadline = time.monotonic() + 60
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.1)  # a real child process: no clock to move
    assert snapshot.load(path, engine, now=NOW) is not None
    engine.dispose()
