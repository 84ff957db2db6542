"""The pictures and the table of a demand report, built from the database (SQLite and
PostgreSQL): only cells of at least k people reach them; the company requests line."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.companies.tables import CompanyRequest, CompanyRoute
from bot.demand.aggregation import build_demand
from bot.demand.chart import has_map, map_chart, place_points, topic_bars, topics_chart
from bot.demand.export import write_xlsx
from bot.demand.model import DemandReport, DemandRow
from bot.demand.requests import open_requests_line
from bot.gazetteer import default_gazetteer
from bot.i18n import translator
from bot.models import Organisation
from tests.demand_helpers import add_searches
from tests.factories import add_session, add_space, add_user

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
ORG = "Bureautique & Vous"
JOSSELIN, MALESTROIT = "56091", "56124"
FR, EN = translator("fr"), translator("en")


@pytest.fixture
def organisation(engine: Engine) -> int:
    """An organisation teaching Excel in Ploërmel; its id."""
    space = add_space(engine)
    add_session(engine, now=NOW, title="Excel initiation", organisation=ORG, space_id=space)
    with Session(engine) as session:
        return int(session.execute(select(Organisation.id)).scalar_one())


def _report(engine: Engine, organisation_id: int) -> DemandReport:
    return build_demand(
        engine, organisation_id=organisation_id, departement=None, days=90, now=NOW
    )


@pytest.mark.parametrize(("people", "shown"), [(4, False), (5, True)])
def test_a_cell_reaches_the_table_and_pictures_from_five_people(
    engine: Engine, organisation: int, people: int, shown: bool
) -> None:
    yesterday = NOW - timedelta(days=1)
    add_searches(engine, people=range(1, people + 1), concepts="caces", insee=JOSSELIN,
                 departement="56", at=yesterday)  # fmt: skip
    add_searches(engine, people=range(50, 56), concepts="excel", insee=MALESTROIT,
                 departement="56", at=yesterday)  # fmt: skip
    report = _report(engine, organisation)
    buffer = io.BytesIO()
    write_xlsx(report, buffer)
    sheet = load_workbook(io.BytesIO(buffer.getvalue()))["demande"]
    topics = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert ("caces" in topics) is shown
    assert "excel" in topics
    labels = [bar.label for bar in topic_bars(report.rows)]
    assert any(label.startswith("CACES") for label in labels) is shown
    for picture in (
        topics_chart(report, FR),
        map_chart(report, EN, gazetteer=default_gazetteer()),
    ):
        assert picture.startswith(b"\x89PNG\r\n\x1a\n")
        assert Image.open(io.BytesIO(picture)).size == (1080, 1350)


def test_the_company_requests_line(engine: Engine, organisation: int) -> None:
    assert open_requests_line(engine, organisation_id=organisation, language="fr") is None
    add_user(engine, 88, name="Claire")
    with Session(engine) as session:
        for head_count in (6, 3):
            request = CompanyRequest(
                requester_id=88, concept_id="sst", head_count=head_count,
                place_label="Mauron (56)", latitude=48.08, longitude=-2.28,
            )  # fmt: skip
            session.add(request)
            session.flush()
            assert request.id is not None
            session.add(CompanyRoute(request_id=request.id, organisation_id=organisation))
        session.commit()
    assert open_requests_line(engine, organisation_id=organisation, language="fr") == (
        "2 demandes d'entreprises près de vos espaces"
    )
    assert open_requests_line(engine, organisation_id=organisation, language="en") == (
        "2 requests from companies near your spaces"
    )


def _row(topic: str, insee: str, people: int, unmet: float, **kwargs: object) -> DemandRow:
    values: dict[str, object] = {
        "topic": topic, "topic_label": topic.title(), "commune_insee": insee,
        "commune_name": insee, "latitude": 47.9, "longitude": -2.4, "searches": people,
        "people": people, "alerts_pending": 0, "nearest_session_km": None, "taught": False,
        "unmet": unmet,
    }  # fmt: skip
    values.update(kwargs)
    return DemandRow(**values)  # type: ignore[arg-type]


def test_bars_sum_a_topic_over_its_places_and_points_sum_a_place_over_topics() -> None:
    rows = [
        _row("sst", "A", 6, 6.0),
        _row("sst", "B", 5, 2.5, nearest_session_km=25.0, taught=True),
        _row("excel", "A", 9, 0.0, nearest_session_km=0.0),
        _row("ia", "C", 5, 5.0, latitude=None, longitude=None),
    ]
    sst, ia, excel = topic_bars(rows)
    assert (sst.label, sst.people, sst.unmet, sst.nearest_km, sst.taught) == (
        "Sst",
        11,
        8.5,
        25.0,
        True,
    )
    assert (ia.label, excel.label) == ("Ia", "Excel")
    a, b = place_points(rows)  # C has no point: not on the map
    assert (a.name, a.people, a.gap) == ("A", 15, 0.4)
    assert (b.name, b.gap) == ("B", 0.5)
    empty = DemandReport(days=90, scope="x", rows=[], hidden_cells=0, k=5, spaces=[])
    assert not has_map(empty)


def test_pictures_drawn_at_once_in_threads_are_the_same() -> None:
    """The chat draws in worker threads: two admins at once must not mix their figures."""
    rows = [_row("sst", "A", 6, 6.0), _row("excel", "B", 9, 0.0, latitude=48.1)]
    report = DemandReport(days=90, scope="x", rows=rows, hidden_cells=2, k=5, spaces=[])
    with ThreadPoolExecutor(max_workers=4) as pool:
        drawn = list(pool.map(lambda _: topics_chart(report, FR), range(4)))
        maps = list(pool.map(lambda _: map_chart(report, FR), range(4)))
    assert len(set(drawn)) == 1 and len(set(maps)) == 1
