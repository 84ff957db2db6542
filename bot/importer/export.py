"""Import outcomes as data for other programs: every problem as CSV rows (`load --report`,
the chat's document), and the summary as JSON (`load --json`).

Values come from the admin's files: CSV cells pass through `spreadsheet_safe()` so that a
spreadsheet opening the report never runs them.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import asdict, replace
from typing import Any

from bot.i18n import translator
from bot.importer.problems import Problem
from bot.importer.report import describe, where
from bot.importer.service import ImportOutcome, ImportResult
from bot.importer.values import spreadsheet_safe

logger = logging.getLogger(__name__)

REPORT_COLUMNS = ("file", "row", "column", "value", "problem", "suggestion", "severity")
_KINDS = ("spaces", "sessions", "tutors", "organisations")


def problem_rows(
    outcome: ImportOutcome, language: str = "fr", *, warnings: bool = True
) -> list[dict[str, str]]:
    """One row per error, then per warning (unless `warnings` is False), in the admin's
    language."""
    t = translator(language)
    rows = []
    kinds = [("error", outcome.problems), ("warning", outcome.warnings if warnings else [])]
    for severity, problems in kinds:
        for problem in problems:
            row = problem.row
            place = "" if row is None else where(problem, t)
            message = describe(replace(problem, file="", row=None, column=None), t)
            rows.append(
                {
                    "file": problem.file,
                    "row": place,
                    "column": problem.column or "",
                    "value": _param(problem, "value"),
                    "problem": message,
                    "suggestion": _param(problem, "suggestion"),
                    "severity": severity,
                }
            )
    return rows


def _param(problem: Problem, name: str) -> str:
    value = problem.params.get(name)
    return "" if value is None else str(value)


def problems_csv(outcome: ImportOutcome, language: str = "fr", *, warnings: bool = True) -> bytes:
    """Every problem as CSV (UTF-8 with BOM, which Excel opens with the accents right); after
    a partial import, `warnings=False` gives the rows skipped and why."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, REPORT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in problem_rows(outcome, language, warnings=warnings):
        writer.writerow({key: spreadsheet_safe(text) for key, text in row.items()})
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def summary_json(outcome: ImportOutcome, language: str = "fr") -> dict[str, Any]:
    """Counts per kind (created / updated / unchanged...), problems and warnings."""
    counts: dict[str, dict[str, int]] = {kind: {} for kind in _KINDS}
    for name, value in asdict(outcome.counts).items():
        kind, _, what = name.partition("_")
        counts["tutors" if kind == "tutor" else kind][what] = value
    rows = problem_rows(outcome, language)
    return {
        "applied": isinstance(outcome, ImportResult) and outcome.applied,
        "files": list(outcome.file_names),
        "counts": counts,
        "problem_count": outcome.problem_count,
        "warning_count": outcome.warning_count,
        "problems": [row for row in rows if row["severity"] == "error"],
        "warnings": [row for row in rows if row["severity"] == "warning"],
    }
