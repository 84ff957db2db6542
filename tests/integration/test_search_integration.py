"""The search index built from a real database (SQLite and PostgreSQL), and the CLI on top.

These use the `engine` fixture, so they run on both databases like tests/integration.
"""

from __future__ import annotations

import argparse
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.db import unit_of_work
from bot.models import Organisation, Space, TrainingSession
from bot.search import cli
from bot.search.index import SearchIndex
from bot.search.query import Place, SearchRequest
from bot.search.service import search

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def seed(engine: Engine) -> None:
    """Two spaces, two organisations, five sessions (one past, one cancelled, one full)."""
    with unit_of_work(engine) as session:
        bev = Organisation(name="Bureautique & Vous")
        sfb = Organisation(name="Secours Formation Bretagne")
        ploermel = Space(
            external_id="esp-ploermel", name="Relais de Ploërmel", postcode="56800",
            city="Ploërmel", insee="56165", latitude=47.93262, longitude=-2.39455,
            accessible=True,
        )  # fmt: skip
        redon = Space(
            external_id="esp-redon", name="Tiers-lieu de Redon", postcode="35600", city="Redon",
            insee="35236", latitude=47.64958, longitude=-2.08213, accessible=False,
        )  # fmt: skip
        session.add_all([bev, sfb, ploermel, redon])
        session.flush()

        def add(
            ext: str, title: str, org: Organisation, space: Space, days: int, **kw: object
        ) -> None:
            start = NOW + timedelta(days=days)
            session.add(
                TrainingSession(
                    external_id=ext,
                    title=title,
                    organisation_id=org.id,
                    space_id=space.id,
                    starts_at=start,
                    ends_at=start + timedelta(hours=7),
                    seats=8,
                    topics=kw.pop("topics", ""),
                    **kw,
                )
            )

        add("BEV-1", "Excel initiation", bev, ploermel, 5, topics="excel;tableur;bureautique")
        add("BEV-2", "Excel initiation", bev, redon, 12, topics="excel;tableur;bureautique")
        add("BEV-3", "Excel initiation", bev, ploermel, -3, topics="excel;tableur")  # past
        add("BEV-4", "Word débutant", bev, ploermel, 8, topics="word", status="cancelled")
        add("SFB-1", "SST – Sauveteur Secouriste du Travail", sfb, redon, 20, topics="sst",
            seats_taken=8, cpf=True)  # fmt: skip


def test_from_engine_loads_upcoming_scheduled_sessions(engine: Engine) -> None:
    seed(engine)
    index = SearchIndex.from_engine(engine, now=NOW)
    assert sorted(d.external_id for d in (index.get(i) for i in range(1, 10)) if d) == [
        "BEV-1",
        "BEV-2",
        "SFB-1",
    ]
    doc = next(d for d in (index.get(i) for i in range(1, 10)) if d and d.external_id == "SFB-1")
    assert (doc.organisation, doc.space.city, doc.full, doc.cpf) == (
        "Secours Formation Bretagne",
        "Redon",
        True,
        True,
    )
    assert doc.starts_at == NOW + timedelta(days=20)
    assert doc.starts_at.tzinfo is not None


def test_search_over_the_database(engine: Engine) -> None:
    seed(engine)
    index = SearchIndex.from_engine(engine, now=NOW)
    near_ploermel = Place.from_point(47.9317, -2.3978, "Ploërmel")
    request = SearchRequest(text="excel", topic_words=("excel",)).with_place(near_ploermel)
    outcome = search(index, request, now=NOW, radius_km=50)
    (result,) = outcome.results  # Ploërmel and Redon (39 km) collapse into one line
    assert (result.session.external_id, result.other_dates) == ("BEV-1", 1)
    sst = search(index, SearchRequest(text="secourisme", topic_words=("secourisme",)), now=NOW)
    assert [(r.session.external_id, r.full) for r in sst.results] == [("SFB-1", True)]


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["search", *argv])


@pytest.fixture
def db_settings(engine: Engine) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=engine.url.render_as_string(hide_password=False),
    )


def test_cli_json(engine: Engine, db_settings: Settings) -> None:
    seed(engine)
    out = io.StringIO()
    code = cli.run(
        _args("formation excel pas loin de Redon", "--now", "2026-11-25T10:00", "--json"),
        db_settings,
        out=out,
    )
    assert code == 0
    (first,) = json.loads(out.getvalue())
    assert first["session_id"] == "BEV-2"
    assert (first["title"], first["city"]) == ("Excel initiation", "Redon")
    assert first["distance_km"] == 0.2  # the space is 200 m from the town hall
    assert first["start"] == "2026-12-07T10:00:00+01:00"
    assert 0 < first["score"] <= 1


def test_cli_near_and_text_output(engine: Engine, db_settings: Settings) -> None:
    seed(engine)
    out = io.StringIO()
    argv = ("sst", "--near", "Josselin", "--radius-km", "60", "--now", "2026-11-25T10:00")
    assert cli.run(_args(*argv), db_settings, out=out) == 0
    text = out.getvalue()
    assert "SST – Sauveteur Secouriste du Travail [SFB-1]" in text
    assert "full (waitlist)" in text


@pytest.mark.parametrize("near", ["Josslin", "Bretagne", "Ruffec"])
def test_cli_near_as_people_type_it(engine: Engine, db_settings: Settings, near: str) -> None:
    """A typo, a region, homonyms (Ruffec, Charente or Indre: the offer or the size decides)."""
    seed(engine)
    out = io.StringIO()
    argv = ("sst", "--near", near, "--now", "2026-11-25T10:00")
    assert cli.run(_args(*argv), db_settings, out=out) == 0
    if near != "Ruffec":  # nothing around Ruffec in the seed: an empty list, not an error
        assert "SST – Sauveteur Secouriste du Travail [SFB-1]" in out.getvalue()


def test_cli_nothing_is_an_empty_list(engine: Engine, db_settings: Settings) -> None:
    seed(engine)
    out = io.StringIO()
    assert (
        cli.run(
            _args("plongée sous-marine", "--json", "--now", "2026-11-25"), db_settings, out=out
        )
        == 0
    )
    assert json.loads(out.getvalue()) == []


@pytest.mark.parametrize(
    "argv",
    [
        ("excel", "--near", "Tataouine"),
        ("excel", "--lat", "47.9"),
        ("excel", "--now", "demain"),
    ],
)
def test_cli_usage_errors(
    argv: tuple[str, ...], settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.run(_args(*argv), settings, out=io.StringIO()) == 2
    assert capsys.readouterr().err.strip()
