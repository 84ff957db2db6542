"""`python -m bot load --skip-invalid / --report FILE.csv / --json`: what the admin reads and
what the database holds."""

import csv
import json

import pytest

from tests.integration.test_importer_cli import SAMPLE, _counts, _parse, _run, settings

__all__ = ["settings"]  # the fixture, shared with test_importer_cli

SPACES, BAD_SEATS = str(SAMPLE / "spaces.csv"), str(SAMPLE / "bad/bad_seats.csv")


def test_skip_invalid_writes_the_valid_rows_and_lists_the_skipped_ones(
    settings, clock, capsys
) -> None:
    code = _run(settings, clock, SPACES, BAD_SEATS, "--skip-invalid")
    _out, err = capsys.readouterr()
    assert code == 1  # rows were skipped
    lines = err.splitlines()
    assert lines[0] == "Import terminé : 1 session créée ; 38 espaces créés ; 1 organisme créé."
    assert "Lignes ignorées :" in lines
    assert next(line for line in lines if line.startswith("• ")).startswith(
        "• bad_seats.csv, ligne 3, colonne « seats »"
    )
    assert _counts(settings) == (38, 1)


def test_a_session_whose_space_is_skipped_is_skipped_too(
    settings, clock, capsys, tmp_path
) -> None:
    sessions = tmp_path / "sessions.csv"
    rows = (SAMPLE / "bad/bad_seats.csv").read_text(encoding="utf-8").splitlines()[:2]
    sessions.write_text(
        "\n".join([rows[0], rows[1].replace("esp-ploermel", "esp-tataouine")]) + "\n",
        encoding="utf-8",
    )
    spaces = str(SAMPLE / "bad/unknown_city.csv")
    code = _run(settings, clock, spaces, str(sessions), "--skip-invalid", "--lang", "en")
    err = capsys.readouterr().err
    assert code == 1
    assert "• sessions.csv, line 2, column “space_id”: space “esp-tataouine” of this load " in err
    assert _counts(settings) == (0, 0)


def test_without_skip_invalid_nothing_is_written(settings, clock, capsys) -> None:
    assert _run(settings, clock, SPACES, BAD_SEATS) == 1
    assert _counts(settings) == (0, 0)


def test_report_writes_every_problem_as_csv(settings, clock, capsys, tmp_path) -> None:
    report = tmp_path / "problems.csv"
    code = _run(settings, clock, SPACES, str(SAMPLE / "bad/unknown_space.csv"), "--report",
                str(report))  # fmt: skip
    assert code == 1
    assert capsys.readouterr().err.splitlines()[0] == "2 problèmes écrits dans " + str(report)
    with report.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "file", "row", "column", "value", "problem", "suggestion", "severity"
    ]  # fmt: skip
    assert rows[1] == {
        "file": "unknown_space.csv",
        "row": "ligne 4",
        "column": "space_id",
        "value": "",
        "problem": "espace « esp-ploermell » inconnu : vouliez-vous dire « esp-ploermel » ?",
        "suggestion": "esp-ploermel",
        "severity": "error",
    }
    assert _counts(settings) == (0, 0)


def test_json_prints_counts_per_kind_problems_and_warnings(settings, clock, capsys) -> None:
    unknown_column = str(SAMPLE / "bad/unknown_column.csv")
    assert _run(settings, clock, SPACES, unknown_column, "--json") == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["applied"] is True
    assert summary["counts"]["spaces"] == {"created": 38, "updated": 0, "unchanged": 0}
    assert summary["counts"]["sessions"]["created"] == 3
    assert (summary["problem_count"], summary["warning_count"]) == (0, 1)
    assert summary["warnings"][0]["problem"] == "colonne « couleur » inconnue, ignorée"


def test_json_after_a_refusal(settings, clock, capsys) -> None:
    assert _run(settings, clock, SPACES, BAD_SEATS, "--json", "--dry-run") == 1
    summary = json.loads(capsys.readouterr().out)
    assert summary["applied"] is False
    assert summary["problem_count"] == 4
    assert [p["row"] for p in summary["problems"]] == ["ligne 3", "ligne 4", "ligne 5", "ligne 6"]


def test_help_documents_the_options(capsys) -> None:
    with pytest.raises(SystemExit):
        _parse("load", "--help")
    shown = " ".join(capsys.readouterr().out.split())
    for option in ("--skip-invalid", "--report FILE.csv", "--json", "Exit codes: 0 loaded"):
        assert option in shown
