"""`python -m bot demand [--departement 56] [--organisation NAME] [--days 90]
[--json | --xlsx FILE | --csv FILE] [--png FILE] [--map FILE]`: the /demande report from
the command line; `--png` and `--map` also write the chat's pictures (the least served
topics, the map of the area), matplotlib being imported only then.

Exit codes: 0 success, 1 the database could not be read, 2 usage errors (unknown
organisation or département, no scope).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col

from bot.config import Settings
from bot.db import make_engine, reading
from bot.demand.aggregation import K_ANONYMITY, build_demand
from bot.demand.export import as_json, write_csv, write_xlsx
from bot.demand.model import DemandReport
from bot.demand.scope import DEPARTEMENT_NAMES
from bot.gazetteer import default_gazetteer
from bot.i18n import translator
from bot.models import Organisation

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `demand` command to `python -m bot`."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "demand",
        help="topics most searched and least served, by territory (what /demande shows)",
    )
    parser.add_argument("--departement", metavar="CODE", help="a département, e.g. 56")
    parser.add_argument("--organisation", metavar="NAME", help="around this organisation's spaces")
    parser.add_argument("--days", type=int, default=90, help="the period (default 90)")
    parser.add_argument("--now", help=argparse.SUPPRESS)  # ISO time, for tests
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="the report as JSON on stdout")
    output.add_argument("--xlsx", metavar="FILE", help="write the rows to an XLSX file")
    output.add_argument("--csv", metavar="FILE", help="write the rows to a CSV file")
    parser.add_argument("--png", metavar="FILE", help="also draw the least served topics (PNG)")
    parser.add_argument("--map", metavar="FILE", help="also draw the map of the area (PNG)")
    return parser


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Build and print (or write) the report."""
    t = translator(settings.default_language, settings.timezone)
    departement = (args.departement or "").upper() or None
    if (problem := _usage_problem(args, departement)) is not None:
        print(problem, file=sys.stderr)
        return 2
    now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC)
    engine = make_engine(settings.effective_database_url)
    try:
        organisation_id = _organisation_id(engine, args.organisation)
        if args.organisation and organisation_id is None:
            print(t("demand.cli.unknown_organisation", name=args.organisation), file=sys.stderr)
            return 2
        report = build_demand(
            engine,
            organisation_id=organisation_id,
            departement=departement,
            days=args.days,
            now=now,
            language=settings.default_language,
        )
    except SQLAlchemyError as exc:
        print(
            f"Cannot read the search records ({exc.__class__.__name__}): "
            "is the database migrated (`python -m bot migrate`)?",
            file=sys.stderr,
        )
        return 1
    finally:
        engine.dispose()
    return _output(args, report, t)


def _usage_problem(args: argparse.Namespace, departement: str | None) -> str | None:
    """What is wrong with the command line, if anything."""
    if departement is not None and departement not in DEPARTEMENT_NAMES:
        return f"Unknown département: {args.departement}"
    if departement is None and not args.organisation:
        return "Name a scope: --departement CODE or --organisation NAME"
    if args.days < 1:
        return "--days must be at least 1"
    return None


def _organisation_id(engine: Any, name: str | None) -> int | None:
    if not name:
        return None
    with reading(engine) as session:
        found = session.execute(
            select(col(Organisation.id)).where(col(Organisation.name) == name)
        ).first()
    return None if found is None else int(found[0])


def _pictures(args: argparse.Namespace, report: DemandReport, t: Any) -> None:
    """The chat's pictures, when asked for and there is something to draw."""
    if not (args.png or args.map):
        return
    from bot.demand import chart  # matplotlib: only for the pictures

    if not chart.has_pictures(report):
        print(t("demand.cli.no_picture", k=report.k), file=sys.stderr)
        return
    if args.png:
        Path(args.png).write_bytes(chart.topics_chart(report, t))
    if args.map and chart.has_map(report):
        Path(args.map).write_bytes(chart.map_chart(report, t, gazetteer=default_gazetteer()))


def _output(args: argparse.Namespace, report: DemandReport, t: Any) -> int:
    _pictures(args, report, t)
    if args.json:
        json.dump(as_json(report), sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    if args.xlsx:
        write_xlsx(report, args.xlsx)
    elif args.csv:
        write_csv(report, args.csv)
    else:
        _print_table(report, t)
    print(t("demand.cli.hidden", hidden=report.hidden_cells, k=report.k), file=sys.stderr)
    return 0


def _print_table(report: DemandReport, t: Any) -> None:
    print(f"{report.scope}, {report.days} j")
    if not report.rows:
        print(t("demand.cli.none", k=K_ANONYMITY))
        return
    print(t("demand.cli.header"))
    for row in report.rows:
        km = "" if row.nearest_session_km is None else f"{row.nearest_session_km:g}"
        place = row.commune_name or "-"
        print(
            f"{row.topic_label};{place};{row.searches};{row.people};{row.alerts_pending};"
            f"{km};{'oui' if row.taught else 'non'}"
        )
