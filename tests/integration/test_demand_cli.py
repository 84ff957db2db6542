"""`python -m bot demand`: the /demande report as a table, JSON, XLSX or CSV."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta

from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from bot.demand import cli as demand_cli
from tests.demand_helpers import add_searches
from tests.factories import add_session, add_space

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    demand_cli.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["demand", "--now", NOW.isoformat(), *argv])


def _settings(settings, engine: Engine):
    return settings.model_copy(
        update={"database_url": engine.url.render_as_string(hide_password=False)}
    )


def _seed(engine: Engine) -> None:
    space = add_space(engine)
    add_session(engine, now=NOW, title="Excel initiation", organisation="Bureautique & Vous",
                space_id=space)  # fmt: skip
    yesterday = NOW - timedelta(days=1)
    add_searches(engine, people=range(1, 7), concepts="sst", insee="56091",
                 departement="56", at=yesterday)  # fmt: skip
    add_searches(engine, people=range(1, 3), concepts="excel", insee="56165",
                 departement="56", at=yesterday)  # fmt: skip


def test_json_for_an_organisation(engine, settings, capsys) -> None:
    _seed(engine)
    args = _args("--organisation", "Bureautique & Vous", "--days", "30", "--json")
    assert demand_cli.run(args, _settings(settings, engine)) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["days"], data["k"], data["hidden_cells"]) == (30, 5, 1)
    [row] = data["rows"]
    assert (row["topic"], row["people"], row["taught"]) == ("sst", 6, False)
    assert data["spaces"][0]["name"] == "Relais d'Entreprises de Ploërmel"


def test_xlsx_and_csv_for_a_departement(engine, settings, tmp_path, capsys) -> None:
    _seed(engine)
    path = tmp_path / "demande.xlsx"
    assert demand_cli.run(_args("--departement", "56", "--xlsx", str(path)),
                          _settings(settings, engine)) == 0  # fmt: skip
    sheet = load_workbook(path)["demande"]
    header, first = list(sheet.iter_rows(values_only=True))[:2]
    assert header[:3] == ("topic", "topic_label", "commune_insee")
    assert first[0] == "sst" and first[header.index("people")] == 6
    csv_path = tmp_path / "demande.csv"
    assert demand_cli.run(_args("--departement", "56", "--csv", str(csv_path)),
                          _settings(settings, engine)) == 0  # fmt: skip
    lines = csv_path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("topic;topic_label;") and lines[1].startswith("sst;SST")


def test_table_and_usage_errors(sqlite_engine, settings, capsys) -> None:
    _seed(sqlite_engine)
    configured = _settings(settings, sqlite_engine)
    assert demand_cli.run(_args("--departement", "56"), configured) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Morbihan (56), 90 j"
    assert out[2].startswith("SST (Sauveteur Secouriste du Travail);")
    assert demand_cli.run(_args("--departement", "100"), configured) == 2
    assert demand_cli.run(_args("--organisation", "Personne"), configured) == 2
    assert demand_cli.run(_args(), configured) == 2  # a scope is needed


def test_pictures_for_an_organisation(sqlite_engine, settings, tmp_path, capsys) -> None:
    _seed(sqlite_engine)
    topics, area = tmp_path / "topics.png", tmp_path / "map.png"
    args = _args("--organisation", "Bureautique & Vous", "--png", str(topics), "--map", str(area))
    assert demand_cli.run(args, _settings(settings, sqlite_engine)) == 0
    for picture in (topics, area):
        assert picture.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    nothing = tmp_path / "nothing.png"
    later = (NOW + timedelta(days=10)).isoformat()  # the last --now wins: nothing that week
    args = _args("--organisation", "Bureautique & Vous", "--days", "7", "--now", later,
                 "--png", str(nothing))  # fmt: skip
    assert demand_cli.run(args, _settings(settings, sqlite_engine)) == 0
    assert not nothing.exists()
    assert "Aucune image : aucune cellule d'au moins 5 personnes." in capsys.readouterr().err
