"""`python -m bot load`: exit codes 0 / 1 / 2, what the admin reads, what the database holds."""

import argparse
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from bot.config import Settings
from bot.db import make_engine
from bot.gazetteer import default_gazetteer
from bot.importer import cli
from bot.models import Space, TrainingSession

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'cli.sqlite3'}")  # type: ignore[call-arg]


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot")
    cli.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def _run(settings, clock, *argv: str) -> int:
    return cli.run(_parse("load", *argv), settings, clock=clock, gazetteer=default_gazetteer())


def _counts(settings) -> tuple[int, int]:
    engine = make_engine(settings.effective_database_url)
    try:
        with Session(engine) as session:
            spaces = session.exec(select(func.count()).select_from(Space)).one()
            sessions = session.exec(select(func.count()).select_from(TrainingSession)).one()
    finally:
        engine.dispose()
    return spaces, sessions


def test_load_prints_one_line_and_exits_0(settings, clock, capsys) -> None:
    code = _run(settings, clock, str(SAMPLE / "spaces.csv"), str(SAMPLE / "sessions.csv"))
    out, err = capsys.readouterr()
    assert code == 0
    assert out == (
        "Import terminé : 195 sessions créées ; 38 espaces créés ; 10 organismes créés.\n"
    )
    assert err == ""
    assert _counts(settings) == (38, 195)
    assert _run(settings, clock, str(SAMPLE / "spaces.csv"), "--lang", "en") == 0
    assert capsys.readouterr().out == "Import done: 38 spaces unchanged.\n"


def test_warnings_go_to_stderr(settings, clock, capsys) -> None:
    code = _run(
        settings, clock, str(SAMPLE / "spaces.csv"), str(SAMPLE / "bad/unknown_column.csv")
    )
    out, err = capsys.readouterr()
    assert code == 0
    assert out.startswith("Import terminé : 3 sessions créées ; 38 espaces créés")
    assert err.splitlines() == [
        "Avertissements :", "• unknown_column.csv : colonne « couleur » inconnue, ignorée"
    ]  # fmt: skip


def test_problems_exit_1_and_write_nothing(settings, clock, capsys) -> None:
    code = _run(settings, clock, str(SAMPLE / "spaces.csv"), str(SAMPLE / "bad/bad_seats.csv"))
    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == "Rien n'a été importé : 4 problèmes à corriger."
    assert (
        "• bad_seats.csv, ligne 6, colonne « seats » : « douze » n'est pas un nombre de places"
        in lines
    )
    assert _counts(settings) == (0, 0)


def test_dry_run_shows_what_would_change_and_writes_nothing(settings, clock, capsys) -> None:
    code = _run(settings, clock, "--dry-run", str(SAMPLE / "spaces.json"),
                str(SAMPLE / "sessions.json"))  # fmt: skip
    out, _err = capsys.readouterr()
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == (
        "Aperçu de l'import : 20 sessions à créer ; 5 espaces à créer ; 1 organisme à créer."
    )
    assert lines[1].startswith("Sessions à créer : FOC-001, FOC-002,")
    assert lines[1].endswith("… et 10 autres")
    assert _counts(settings) == (0, 0)


def test_dry_run_with_problems_exits_1(settings, clock, capsys) -> None:
    code = _run(settings, clock, "--dry-run", "--lang", "en", str(SAMPLE / "bad/binary.csv"))
    assert code == 1
    assert capsys.readouterr().err.splitlines() == [
        "Nothing was imported: this file has 1 problem to fix.", "", "Problems:",
        "• binary.csv: this is not a text file: send a CSV, XLSX, JSON or XML (LHEO) file",
    ]  # fmt: skip


def test_oversized_file_is_refused_without_reading_it(settings, clock, capsys, tmp_path,
                                                      monkeypatch) -> None:  # fmt: skip
    monkeypatch.setattr(cli, "MAX_FILE_BYTES", 1024 * 1024)
    big = tmp_path / "big.csv"
    big.write_bytes(b"session_id\n" + b"S1\n" * 700_000)
    assert _run(settings, clock, str(big)) == 1
    assert capsys.readouterr().err.splitlines() == [
        "Rien n'a été importé : 1 problème à corriger.",
        "• big.csv : le fichier fait 2 Mo, au-delà de la limite de 1 Mo : découpez-le en "
        "plusieurs fichiers",
    ]


def test_usage_errors_exit_2(settings, clock, capsys, tmp_path) -> None:
    missing = tmp_path / "nope.csv"
    assert _run(settings, clock, str(SAMPLE / "spaces.csv"), str(missing)) == 2
    assert capsys.readouterr().err == f"Fichier introuvable : {missing}\n"
    assert _run(settings, clock, "--lang", "en", str(tmp_path)) == 2
    assert capsys.readouterr().err == f"{tmp_path} is not a file.\n"
    with pytest.raises(SystemExit) as caught:
        _parse("load")  # no file at all: argparse's usage error
    assert caught.value.code == 2


def test_load_tutors(settings, clock, capsys) -> None:
    tutors = str(SAMPLE / "tutors.csv")
    assert _run(settings, clock, "--dry-run", tutors) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "Aperçu de l'import : 8 tuteurs à créer, 2 rôles de tuteur à accorder ; "
        "8 organismes à créer."
    )
    assert "Tuteurs à lier à leur compte Telegram : T01, T02" in lines
    assert _run(settings, clock, tutors, str(SAMPLE / "spaces.csv")) == 0
    assert capsys.readouterr().out == (
        "Import terminé : 38 espaces créés ; 8 tuteurs créés, 2 rôles de tuteur accordés ; "
        "8 organismes créés.\n"
    )
    assert _run(settings, clock, "--lang", "en", tutors) == 0
    assert capsys.readouterr().out == "Import done: 8 tutors unchanged.\n"
