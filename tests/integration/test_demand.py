"""Demand by territory: what `build_demand` counts, hides and ranks (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.demand.aggregation import build_demand, unmet_score
from bot.demand.recorder import SearchRecorder
from bot.demand.recording import person_hash, purge_records
from bot.demand.tables import SearchRecord
from bot.gazetteer import default_gazetteer
from bot.models import Organisation, Space
from bot.search.query import Place, SearchRequest
from bot.search.service import SearchOutcome
from tests.demand_helpers import add_searches
from tests.factories import add_session, add_space

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
ORG = "Bureautique & Vous"
PLOERMEL, JOSSELIN, VANNES, BREST = "56165", "56091", "56260", "29019"


def _org_id(engine: Engine, name: str = ORG) -> int:
    with Session(engine) as session:
        found = session.execute(select(Organisation.id).where(Organisation.name == name))
        return int(found.scalar_one())


def _set_insee(engine: Engine, space_id: int, insee: str) -> None:
    with Session(engine) as session:
        space = session.get(Space, space_id)
        assert space is not None
        space.insee = insee
        session.add(space)
        session.commit()


@pytest.fixture
def ploermel(engine: Engine) -> Engine:
    """An organisation teaching Excel in Ploërmel."""
    space = add_space(engine)
    _set_insee(engine, space, PLOERMEL)
    add_session(engine, now=NOW, title="Excel initiation", organisation=ORG, space_id=space)
    return engine


def _report(engine: Engine, **kwargs: object) -> object:
    options: dict[str, object] = {"organisation_id": None, "departement": None, "days": 90}
    options.update(kwargs)
    return build_demand(engine, now=NOW, **options)  # type: ignore[arg-type]


def test_a_cell_needs_five_people(ploermel: Engine) -> None:
    yesterday = NOW - timedelta(days=1)
    add_searches(ploermel, people=range(1, 5), concepts="anglais", insee=JOSSELIN,
                 departement="56", at=yesterday)  # fmt: skip
    add_searches(ploermel, people=range(11, 16), concepts="sst", insee=JOSSELIN,
                 departement="56", at=yesterday, times=2)  # fmt: skip
    report = build_demand(
        ploermel, organisation_id=_org_id(ploermel), departement=None, days=30, now=NOW
    )
    assert [(r.topic, r.commune_name, r.searches, r.people) for r in report.rows] == [
        ("sst", "Ploërmel", 10, 5)
    ]
    assert report.hidden_cells == 1
    assert report.k == 5
    assert report.spaces == [("Relais d'Entreprises de Ploërmel", 47.932, -2.398)]


def test_unmet_demand_comes_first_and_taught_topics_are_marked(ploermel: Engine) -> None:
    yesterday = NOW - timedelta(days=1)
    add_searches(ploermel, people=range(1, 9), concepts="excel", insee=PLOERMEL,
                 departement="56", at=yesterday, alert_saved=True)  # fmt: skip
    add_searches(ploermel, people=range(20, 26), concepts="sst", insee=JOSSELIN,
                 departement="56", at=yesterday)  # fmt: skip
    report = build_demand(
        ploermel, organisation_id=_org_id(ploermel), departement=None, days=30, now=NOW
    )
    sst, excel = report.rows
    assert (sst.topic, sst.nearest_session_km, sst.taught, sst.unmet) == ("sst", None, False, 6)
    assert (excel.topic, excel.nearest_session_km, excel.taught) == ("excel", 0.0, True)
    assert (excel.people, excel.alerts_pending, excel.unmet) == (8, 8, 0.0)
    assert excel.topic_label == "Excel"
    assert report.total_searches == 14


def test_the_scope_is_the_organisation_reach_or_the_departement(ploermel: Engine) -> None:
    yesterday = NOW - timedelta(days=1)
    add_searches(ploermel, people=range(1, 6), concepts="sst", insee=BREST,
                 departement="29", at=yesterday)  # fmt: skip
    add_searches(ploermel, people=range(1, 6), concepts="word", insee=VANNES,
                 departement="56", at=yesterday)  # fmt: skip
    org = _org_id(ploermel)
    around = build_demand(ploermel, organisation_id=org, departement=None, days=30, now=NOW)
    assert [(r.topic, r.commune_name) for r in around.rows] == [("word", "Ploërmel")]
    finistere = build_demand(ploermel, organisation_id=None, departement="29", days=30, now=NOW)
    assert [(r.topic, r.commune_name) for r in finistere.rows] == [("sst", "Brest")]
    assert finistere.scope == "Finistère (29)"


def test_the_period_counts(ploermel: Engine) -> None:
    add_searches(ploermel, people=range(1, 6), concepts="sst", insee=JOSSELIN,
                 departement="56", at=NOW - timedelta(days=60))  # fmt: skip
    org = _org_id(ploermel)
    assert build_demand(ploermel, organisation_id=org, departement=None, days=30,
                        now=NOW).rows == []  # fmt: skip
    assert len(build_demand(ploermel, organisation_id=org, departement=None, days=90,
                            now=NOW).rows) == 1  # fmt: skip


def test_one_person_in_two_months_counts_as_two(ploermel: Engine) -> None:
    """The documented approximation: the monthly key cannot link months."""
    for day in (NOW - timedelta(days=40), NOW - timedelta(days=1)):
        add_searches(ploermel, people=[1, 2, 3], concepts="sst", insee=JOSSELIN,
                     departement="56", at=day)  # fmt: skip
    report = build_demand(ploermel, organisation_id=None, departement="56", days=90, now=NOW)
    assert [(r.searches, r.people) for r in report.rows] == [(6, 6)]


def test_purge(engine: Engine) -> None:
    old = NOW - timedelta(days=31 * 13 + 1)
    add_searches(engine, people=[1], concepts="sst", insee=JOSSELIN, departement="56", at=old)
    add_searches(engine, people=[2], concepts="sst", insee=JOSSELIN, departement="56", at=NOW)
    assert purge_records(engine, now=NOW, months=13) == 1
    with Session(engine) as session:
        assert [r.at for r in session.execute(select(SearchRecord)).scalars()] == [NOW]


def test_the_person_hash_changes_every_month() -> None:
    december = datetime(2026, 12, 3, tzinfo=UTC)
    same_month = person_hash(42, secret="s", now=december + timedelta(days=20))
    assert person_hash(42, secret="s", now=december) == same_month
    assert person_hash(42, secret="s", now=december + timedelta(days=30)) != same_month
    assert person_hash(42, secret="other", now=december) != same_month
    assert "42" not in same_month and len(same_month) == 16


def test_unmet_score() -> None:
    assert unmet_score(10, None) == 10
    assert unmet_score(10, 80) == 10
    assert unmet_score(10, 25) == 5
    assert unmet_score(10, 0) == 0


def _outcome(concepts: tuple[str, ...]) -> SearchOutcome:
    near_josselin = Place.from_point(47.955, -2.55, "ma position")
    return SearchOutcome(
        SearchRequest(text="x"), place=near_josselin, radius_km=30.0, concept_ids=concepts
    )


def _stored(engine: Engine) -> list[SearchRecord]:
    with Session(engine) as session:
        return list(session.execute(select(SearchRecord).order_by(SearchRecord.id)).scalars())


def test_the_recorder_keeps_topic_place_and_no_user(engine: Engine) -> None:
    recorder = SearchRecorder(engine, secret="s", gazetteer=default_gazetteer())
    first = recorder.add(_outcome(("sst",)), user_id=42, now=NOW)
    assert recorder.add(_outcome(()), user_id=42, now=NOW) is None  # not understood: not kept
    second = recorder.add(_outcome(("excel", "word")), user_id=43, now=NOW)
    assert first is not None and second is not None
    recorder.mark_alert(first)  # still queued
    assert _stored(engine) == []
    assert recorder.flush() == 2
    recorder.mark_alert(second)  # already written
    one, two = _stored(engine)
    assert (one.concepts, one.insee, one.departement, one.radius_km) == ("sst", JOSSELIN, "56", 30)
    assert (one.person, one.alert_saved) == (person_hash(42, secret="s", now=NOW), True)
    assert (two.concepts, two.alert_saved) == ("excel word", True)


def test_a_failed_write_is_logged_and_dropped(sqlite_engine: Engine, caplog) -> None:
    engine = sqlite_engine  # the table is dropped: not the shared PostgreSQL database
    recorder = SearchRecorder(engine, secret="s", gazetteer=default_gazetteer())
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE search_record"))
    recorder.add(_outcome(("sst",)), user_id=42, now=NOW)
    assert recorder.flush() == 0
    assert recorder.pending == 0
    assert "could not write 1 search records" in caplog.text


def test_an_organisation_without_spaces_sees_nothing(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Organisation(name="Nouvel organisme"))
        session.commit()
    add_searches(engine, people=range(1, 6), concepts="sst", insee=JOSSELIN, departement="56",
                 at=NOW - timedelta(days=1))  # fmt: skip
    report = build_demand(
        engine, organisation_id=_org_id(engine, "Nouvel organisme"), departement=None,
        days=30, now=NOW,
    )  # fmt: skip
    assert (report.rows, report.hidden_cells, report.spaces) == ([], 0, [])
