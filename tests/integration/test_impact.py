"""Travel saved read from the database (SQLite and PostgreSQL), and `python -m bot impact`."""

from __future__ import annotations

import argparse
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.gazetteer import default_gazetteer
from bot.impact import cli as impact_cli
from bot.impact.distances import Point, avoided_one_way_km
from bot.impact.quarters import Quarter
from bot.impact.service import (
    Method,
    NotAllowed,
    UnknownOrganisation,
    centres_of,
    impact_report,
)
from bot.models import Enrolment, TrainingSession, User
from tests.factories import add_session, add_space, add_user

PARIS = ZoneInfo("Europe/Paris")
METHOD = Method(co2_kg_per_km=0.2, min_population=50_000)
Q4 = Quarter(2026, 4)
# Ploërmel's relais; Augan (56006) is 9 km away, its centre Vannes about 60 km.
SPACE = Point(47.932, -2.398)
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _avoided_from(insee: str, days: int) -> float:
    commune = default_gazetteer().by_insee(insee)
    assert commune is not None
    home = Point(commune.latitude, commune.longitude)
    centre_km = centres_of(default_gazetteer(), 50_000).nearest(home)[1]
    return 2 * days * avoided_one_way_km(home=home, space=SPACE, centre_km=centre_km)


def _enrol(engine: Engine, session_id: int, user_id: int, home: str | None, status="enrolled"):
    add_user(engine, user_id)
    with Session(engine) as db:
        user = db.get(User, user_id)
        assert user is not None
        user.home_insee = home
        db.add(Enrolment(session_id=session_id, user_id=user_id, status=status))
        db.commit()


def _report(engine: Engine, quarter: Quarter = Q4, **scope):
    scope = {"super_admin": True, "admin_of": frozenset(), **scope}
    return impact_report(engine, quarters=[quarter], tz=PARIS, method=METHOD, **scope)


def test_each_enrolled_place_counts_its_round_trips(engine) -> None:
    space = add_space(engine, latitude=SPACE.latitude, longitude=SPACE.longitude)
    one_day = add_session(engine, now=NOW, space_id=space, title="Excel")
    _enrol(engine, one_day, 1, "56006")  # Augan
    _enrol(engine, one_day, 2, None)  # no home town: counted apart
    _enrol(engine, one_day, 3, "56260")  # Vannes: the space is farther than its centre
    _enrol(engine, one_day, 4, "56006", status="cancelled")
    _enrol(engine, one_day, 5, "56006", status="waiting")
    [q4] = _report(engine).quarters
    assert (q4.learners, q4.places, q4.days, q4.unknown_town) == (3, 3, 3, 1)
    assert q4.km == pytest.approx(_avoided_from("56006", 1))
    assert 80 < q4.km < 110
    assert q4.kg_co2e == pytest.approx(q4.km * 0.2)
    [session] = q4.sessions
    assert (session.title, session.learners, session.unknown_town) == ("Excel", 3, 1)


def test_a_multi_day_session_counts_each_day(engine) -> None:
    space = add_space(engine, latitude=SPACE.latitude, longitude=SPACE.longitude)
    sid = add_session(engine, now=NOW, space_id=space)
    with Session(engine) as db:  # three days, Tuesday to Thursday
        training = db.get(TrainingSession, sid)
        assert training is not None
        training.ends_at = training.starts_at + timedelta(days=2)
        db.commit()
    _enrol(engine, sid, 1, "56006")
    [q4] = _report(engine).quarters
    assert q4.days == 3
    assert q4.km == pytest.approx(_avoided_from("56006", 3))


def test_the_quarter_is_the_paris_date_of_the_start(engine) -> None:
    new_year = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January in Paris
    last_evening = datetime(2026, 12, 31, 22, 30, tzinfo=UTC)  # 23:30 on 31 December
    space = add_space(engine, latitude=SPACE.latitude, longitude=SPACE.longitude)
    in_q1 = add_session(engine, now=new_year, starts_in=timedelta(0), space_id=space)
    in_q4 = add_session(engine, now=last_evening, starts_in=timedelta(0), space_id=space)
    _enrol(engine, in_q1, 1, "56006")
    _enrol(engine, in_q4, 2, "56006")
    _enrol(engine, in_q4, 3, "56006")
    assert _report(engine).quarters[0].places == 2
    assert _report(engine, Quarter(2027, 1)).quarters[0].places == 1


def test_organisation_admins_see_only_their_own(engine) -> None:
    space = add_space(engine, latitude=SPACE.latitude, longitude=SPACE.longitude)
    ours = add_session(engine, now=NOW, space_id=space, organisation="Ours")
    theirs = add_session(engine, now=NOW, space_id=space, organisation="Theirs")
    _enrol(engine, ours, 1, "56006")
    _enrol(engine, theirs, 2, "56006")
    _enrol(engine, theirs, 3, "56006")
    admin = {"super_admin": False, "admin_of": frozenset({"Ours"})}
    assert _report(engine, **admin).quarters[0].places == 1
    assert _report(engine, **admin, name="ours").scope.label == "Ours"
    with pytest.raises(UnknownOrganisation):
        _report(engine, **admin, name="Theirs")
    with pytest.raises(NotAllowed):
        _report(engine, super_admin=False, admin_of=frozenset())
    assert _report(engine).quarters[0].places == 3  # a super-admin: every organisation
    assert _report(engine, name="Theirs").quarters[0].places == 2


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    impact_cli.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["impact", *argv])


def _settings(settings, engine: Engine):
    return settings.model_copy(
        update={"database_url": engine.url.render_as_string(hide_password=False)}
    )


def test_cli_json_and_xlsx(engine, settings, tmp_path: Path) -> None:
    space = add_space(engine, latitude=SPACE.latitude, longitude=SPACE.longitude)
    sid = add_session(engine, now=NOW, space_id=space, title="=HYPERLINK(1)")
    _enrol(engine, sid, 1, "56006")
    out = io.StringIO()
    args = _args("--quarter", "2026Q4", "--json", "--organisation", "Bureautique & Vous")
    assert impact_cli.run(args, _settings(settings, engine), out=out) == 0
    document = json.loads(out.getvalue())
    assert (document["quarter"], document["learners"], document["days"]) == ("2026Q4", 1, 1)
    assert document["km"] == pytest.approx(_avoided_from("56006", 1), abs=0.1)
    assert document["sessions"][0]["learners"] == 1
    assert "learner" not in json.dumps(document["sessions"]).replace("learners", "")

    path = tmp_path / "impact.xlsx"
    assert impact_cli.run(_args("--xlsx", str(path)), _settings(settings, engine), now=NOW) == 0
    book = load_workbook(path)
    assert book.sheetnames == ["Trimestres", "Sessions", "Méthode"]
    rows = list(book["Trimestres"].values)
    assert rows[0][:2] == ("Trimestre", "Apprenants")
    assert [row[0] for row in rows[1:]] == ["2026Q4", "2026Q3", "2026Q2", "2026Q1"]
    assert rows[1][1] == 1
    title = book["Sessions"]["B2"]
    assert (title.value, title.data_type) == ("=HYPERLINK(1)", "s")  # text, never a formula
    assert "ADEME" in " ".join(str(row[0]) for row in book["Méthode"].values)


def test_cli_usage_errors(engine, settings, capsys) -> None:
    assert impact_cli.run(_args("--quarter", "Q9"), _settings(settings, engine)) == 2
    assert impact_cli.run(_args("--organisation", "Nobody"), _settings(settings, engine)) == 2
    assert "Nobody" in capsys.readouterr().err


def test_cli_text(engine, settings) -> None:
    space = add_space(engine, latitude=SPACE.latitude, longitude=SPACE.longitude)
    _enrol(engine, add_session(engine, now=NOW, space_id=space), 1, None)
    out = io.StringIO()
    assert impact_cli.run(_args("--quarter", "2026Q4"), _settings(settings, engine), out=out) == 0
    first, unknown, *method = out.getvalue().splitlines()
    assert first == (
        "2026Q4 – tous les organismes : 1 apprenant, 1 jour de formation, "
        "0 km et 0 kg CO2e évités."
    )
    assert unknown == "1 place sans commune connue (comptée, sans km)."
    assert any("ADEME" in line for line in method)
