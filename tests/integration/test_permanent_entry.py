"""Permanent entry (issue 9): a session with `entrées et sorties permanentes` is found, shown
open and joined any day until its end, on SQLite and PostgreSQL; no "tomorrow" reminder is
planned for a start already past."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine

from bot.catalogue import other_dates, session_card
from bot.db import unit_of_work
from bot.enrolment import SessionUnavailable, enrol
from bot.gazetteer import default_gazetteer
from bot.models import Organisation, Space, TrainingSession
from bot.reminders.sessions import schedule_session_day_before
from bot.search.index import SearchIndex
from bot.search.prefilter import prefiltered_index
from bot.search.query import Place, SearchRequest, parse_request
from bot.search.service import search
from tests.factories import add_user

START = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
END = datetime(2027, 6, 30, 15, 0, tzinfo=UTC)
DURING = datetime(2027, 2, 10, 9, 0, tzinfo=UTC)  # five weeks after the start
NEAR = Place.from_point(47.9317, -2.3978, "Ploërmel")


def _seed(engine: Engine) -> dict[str, int]:
    """Two courses started on 4 January: one with permanent entry until 30 June, one not."""
    with unit_of_work(engine) as session:
        org = Organisation(name="GRETA Bretagne Sud")
        space = Space(
            external_id="esp-ploermel", name="Relais de Ploërmel", postcode="56800",
            city="Ploërmel", latitude=47.93262, longitude=-2.39455,
        )  # fmt: skip
        session.add_all([org, space])
        session.flush()
        ids = {}
        for ext, title, permanent in (
            ("PERM", "Remise à niveau en comptabilité", True),
            ("FIXED", "Comptabilité : clôture des comptes", False),
        ):
            training = TrainingSession(
                external_id=ext, title=title, organisation_id=org.id, space_id=space.id,
                starts_at=START, ends_at=END if permanent else START + timedelta(hours=7),
                seats=10, topics="comptabilité;compta", permanent_entry=permanent,
                times_known=False,
            )  # fmt: skip
            session.add(training)
            session.flush()
            assert training.id is not None
            ids[ext] = training.id
    return ids


def _found(index: SearchIndex, now: datetime, **request: object) -> list[str]:
    asked = SearchRequest(text="comptabilité", topic_words=("comptabilite",), **request)
    outcome = search(index, asked.with_place(NEAR), now=now, radius_km=30)
    return [r.session.external_id for r in outcome.results]


@pytest.mark.parametrize("built", [START - timedelta(days=3), DURING])
def test_search_finds_it_after_its_start_until_its_end(engine: Engine, built: datetime) -> None:
    _seed(engine)
    index = SearchIndex.from_engine(engine, now=built)  # before the start, or after it
    assert _found(index, DURING) == ["PERM"]
    assert _found(index, END + timedelta(minutes=1)) == []


def test_the_database_search_finds_it_too(engine: Engine) -> None:
    _seed(engine)
    request = SearchRequest(text="comptabilité", topic_words=("comptabilite",)).with_place(NEAR)
    index = prefiltered_index(engine, request, now=DURING, radius_km=30)
    assert _found(index, DURING) == ["PERM"]


def test_its_card_is_open_and_it_can_be_joined(engine: Engine) -> None:
    ids = _seed(engine)
    card = session_card(engine, session_id=ids["PERM"], now=DURING)
    assert card is not None and not card.past
    fixed = session_card(engine, session_id=ids["FIXED"], now=DURING)
    assert fixed is not None and fixed.past
    add_user(engine, 42)
    taken = enrol(engine, session_id=ids["PERM"], user_id=42, now=DURING)
    assert taken.seats_taken == 1
    with pytest.raises(SessionUnavailable):
        enrol(engine, session_id=ids["FIXED"], user_id=42, now=DURING)
    ended = session_card(engine, session_id=ids["PERM"], now=END)
    assert ended is not None and ended.past
    with pytest.raises(SessionUnavailable):
        enrol(engine, session_id=ids["PERM"], user_id=43, now=END)


def test_no_day_before_reminder_once_it_has_started(engine: Engine) -> None:
    ids = _seed(engine)
    add_user(engine, 42)
    enrol(engine, session_id=ids["PERM"], user_id=42, now=DURING)
    assert schedule_session_day_before(engine, session_id=ids["PERM"], now=DURING) == []
    before = START - timedelta(days=5)
    [planned] = schedule_session_day_before(engine, session_id=ids["PERM"], now=before)
    assert planned.due_at < START


def test_it_is_among_a_course_s_other_dates(engine: Engine) -> None:
    ids = _seed(engine)
    with unit_of_work(engine) as session:
        perm = session.get(TrainingSession, ids["PERM"])
        assert perm is not None
        later = TrainingSession(
            external_id="PERM-2", title=perm.title, organisation_id=perm.organisation_id,
            space_id=perm.space_id, starts_at=DURING + timedelta(days=30),
            ends_at=DURING + timedelta(days=31), seats=5,
        )  # fmt: skip
        session.add(later)
        session.flush()
        later_id = later.id
    others = other_dates(engine, session_id=later_id, now=DURING)
    assert [o.session_id for o in others] == [ids["PERM"]]  # started, still open


def test_a_month_asked_finds_it_when_it_is_open_then(engine: Engine) -> None:
    _seed(engine)
    index = SearchIndex.from_engine(engine, now=DURING)

    def asked(text: str) -> list[str]:
        request = parse_request(
            text, now=DURING, tz=ZoneInfo("Europe/Paris"), gazetteer=default_gazetteer()
        )
        outcome = search(index, request.with_place(NEAR), now=DURING, radius_km=30)
        return [r.session.external_id for r in outcome.results]

    assert asked("comptabilité en mars") == ["PERM"]  # open all spring
    assert asked("comptabilité en septembre") == []  # ended on 30 June
