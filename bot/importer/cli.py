"""`python -m bot load FILE... [--dry-run] [--skip-invalid] [--report FILE.csv] [--json]
[--lang fr|en]`: load spaces, sessions and tutors.

Exit codes: 0 loaded (or, with --dry-run, loadable), 1 the data has problems (the report goes
to stderr and nothing is written; with --skip-invalid the valid rows are written and the
skipped ones listed), 2 usage errors (a file that does not exist...).
`bot/cli.py` wires it: `add_parser(commands)` and, for the "load" command, `run(args, settings)`.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.i18n import LANGUAGES, Translator, translator
from bot.importer.problems import Problem
from bot.importer.reader import MAX_FILE_BYTES

if TYPE_CHECKING:
    from bot.importer.service import ImportOutcome
    from bot.importer.validation import Places

logger = logging.getLogger(__name__)


def add_parser(subparsers: Any) -> None:
    """Add the `load` command to the `python -m bot` sub-commands."""
    parser = subparsers.add_parser(
        "load",
        help="load spaces, sessions and tutors from CSV, XLSX, JSON or LHEO XML files",
        description="Load spaces, sessions and tutors (in this order, whatever the order of "
        "the files). Every row is written, or none: a file with problems is reported and "
        "nothing changes (unless --skip-invalid). Exit codes: 0 loaded, 1 problems, 2 usage.",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="data files")
    parser.add_argument(
        "--dry-run", action="store_true", help="show what would change, write nothing"
    )
    parser.add_argument(
        "--skip-invalid",
        action="store_true",
        help="write the valid rows and list the skipped ones (a session whose space is skipped "
        "is skipped too); exit code 1 when rows were skipped",
    )
    parser.add_argument(
        "--report",
        type=Path,
        metavar="FILE.csv",
        help="write every problem and warning to this CSV file (file, row, column, value, "
        "problem, suggestion, severity)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the summary as JSON on stdout (counts per kind, problems, warnings)",
    )
    parser.add_argument(
        "--lang", choices=LANGUAGES, default=None, help="report language (DEFAULT_LANGUAGE)"
    )


def run(
    args: argparse.Namespace,
    settings: Settings,
    *,
    clock: Clock | None = None,
    gazetteer: Places | None = None,
) -> int:
    """Run `load`; returns the exit code."""
    from bot.importer.report import problem_lines

    language = args.lang or settings.default_language
    t = translator(language)
    read = _read_files(args.files, t)
    if read is None:
        return 2
    files, too_large = read
    if too_large:
        names = [path.name for path in args.files]
        lines = problem_lines(too_large, len(too_large), language, files=names)
        summary = t("importer.summary.failed", count=len(too_large))
        print(summary, *lines, sep="\n", file=sys.stderr)
        return 1
    if gazetteer is None:
        from bot.gazetteer import default_gazetteer

        gazetteer = default_gazetteer()
    now = (clock or SystemClock()).now()
    outcome = _load(args, settings, files, gazetteer=gazetteer, now=now)
    return _show(args, outcome, language, t)


def _read_files(
    paths: list[Path], t: Translator
) -> tuple[list[tuple[str, bytes]], list[Problem]] | None:
    """The files' (name, bytes) and a problem for each one too large to read; None (after
    saying why on stderr) when a path is missing, not a file or unreadable."""
    files: list[tuple[str, bytes]] = []
    too_large: list[Problem] = []
    for path in paths:
        if not path.exists():
            print(t("importer.cli.missing_file", path=path), file=sys.stderr)
            return None
        if not path.is_file():
            print(t("importer.cli.not_a_file", path=path), file=sys.stderr)
            return None
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:  # refused before reading, let alone parsing
                too_large.append(_too_large(path, size))
                continue
            files.append((path.name, path.read_bytes()))
        except OSError as exc:
            print(t("importer.cli.unreadable", path=path, error=exc.strerror), file=sys.stderr)
            return None
    return files, too_large


def _too_large(path: Path, size: int) -> Problem:
    params = {"size_mb": round(size / 1_048_576, 1), "max_mb": MAX_FILE_BYTES // 1_048_576}
    return Problem(path.name, None, None, "too_large", params)


def _load(
    args: argparse.Namespace,
    settings: Settings,
    files: list[tuple[str, bytes]],
    *,
    gazetteer: Places,
    now: datetime,
) -> ImportOutcome:
    """Preview (dry run) or apply the import."""
    from bot.db import make_engine, upgrade_schema
    from bot.importer.service import Actor, apply_import, preview_import

    engine = make_engine(settings.effective_database_url)
    try:
        upgrade_schema(engine)
        if args.dry_run:
            return preview_import(engine, files, gazetteer=gazetteer, actor=Actor(), now=now)
        # apply_import validates as a preview would, and writes nothing when there are
        # problems (unless skip_invalid: then the valid rows only).
        outcome = apply_import(
            engine,
            files,
            gazetteer=gazetteer,
            actor=Actor(),
            now=now,
            skip_invalid=args.skip_invalid,
        )
        if outcome.applied and settings.search_snapshot_path is not None:
            from bot.search.snapshot import refresh_in_background

            # The bot's saved search index, rebuilt by a child left running.
            refresh_in_background(engine, settings.search_snapshot_path, now=now)
        return outcome
    finally:
        engine.dispose()


def _show(args: argparse.Namespace, outcome: ImportOutcome, language: str, t: Translator) -> int:
    """Print the report (text or JSON), write the CSV report; the exit code."""
    from bot.importer.export import problems_csv, summary_json
    from bot.importer.report import render_report, summary_line, warning_lines

    if args.report is not None:
        args.report.write_bytes(problems_csv(outcome, language))
        count = outcome.problem_count + outcome.warning_count
        print(t("importer.cli.report_written", count=count, path=args.report), file=sys.stderr)
    if args.json:
        print(json.dumps(summary_json(outcome, language), ensure_ascii=False, indent=2))
    elif args.dry_run or not outcome.ok:
        out = sys.stdout if outcome.ok else sys.stderr
        print(render_report(outcome, language, with_changes=args.dry_run), file=out)
    else:
        print(summary_line(outcome, language))
        if outcome.warning_count:
            print(*warning_lines(outcome, language), sep="\n", file=sys.stderr)
    return 0 if outcome.ok else 1
