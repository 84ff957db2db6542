"""Issue 9: `--report` and `--json` hold every problem, not the first 1,000; the text report
and the chat message stay short (the chat sends the whole list as a CSV document)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests.integration.test_importer_cli import SAMPLE, _counts, _run, settings

__all__ = ["bad_sessions", "settings"]

BAD_ROWS = 2500


def bad_sessions(path: Path, count: int = BAD_ROWS) -> Path:
    """`count` session rows, each with a bad `seats` ("douze")."""
    header, row = (SAMPLE / "bad" / "bad_seats.csv").read_text(encoding="utf-8").splitlines()[:2]
    rows = [
        row.replace("SEATS-001", f"LONG-{i:04d}").replace(",8,", ",douze,") for i in range(count)
    ]
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_report_and_json_hold_every_problem(settings, clock, capsys, tmp_path) -> None:
    sessions = bad_sessions(tmp_path / "sessions.csv")
    report = tmp_path / "problems.csv"
    spaces = str(SAMPLE / "spaces.csv")
    code = _run(settings, clock, spaces, str(sessions), "--report", str(report), "--json")
    out, err = capsys.readouterr()
    assert code == 1
    with report.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    errors = [r for r in rows if r["severity"] == "error"]
    assert len(errors) == BAD_ROWS
    assert {r["row"] for r in errors} == {f"ligne {n}" for n in range(2, BAD_ROWS + 2)}
    summary = json.loads(out)
    assert summary["problem_count"] == len(summary["problems"]) == BAD_ROWS
    assert str(report) in err.splitlines()[0]
    assert _counts(settings) == (0, 0)


def test_the_text_report_stays_short(settings, clock, capsys, tmp_path) -> None:
    sessions = bad_sessions(tmp_path / "sessions.csv")
    assert _run(settings, clock, str(SAMPLE / "spaces.csv"), str(sessions)) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) < 60
    assert "LONG-2499" not in err
