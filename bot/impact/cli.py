"""`python -m bot impact [--organisation NAME] [--quarter 2026Q4] [--json | --xlsx FILE]`.

A quarter's travel saved for one organisation or all (the CLI reads the whole database, as
a super-admin would). Exit codes: 0 success, 1 the database could not be read, 2 usage
errors (a quarter not like 2026Q4, an unknown organisation).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.db import make_engine
from bot.i18n import translator
from bot.impact.quarters import Quarter, recent_quarters
from bot.impact.service import (
    ImpactReport,
    QuarterImpact,
    UnknownOrganisation,
    impact_report,
    method_of,
)
from bot.impact.workbook import impact_workbook, method_lines

logger = logging.getLogger(__name__)

HISTORY = 4  # quarters in the workbook: the one asked and the three before


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `impact` command to `python -m bot`."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "impact", help="travel saved by learners in a quarter (km and kg CO2e avoided)"
    )
    parser.add_argument("--organisation", metavar="NAME", help="one organisation (default: all)")
    parser.add_argument("--quarter", metavar="YYYYQN", help="e.g. 2026Q4 (default: the current)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the figures as JSON")
    output.add_argument(
        "--xlsx", type=Path, metavar="FILE", help="write the workbook (this quarter, 3 before)"
    )
    return parser


def run(
    args: argparse.Namespace,
    settings: Settings,
    *,
    out: TextIO | None = None,
    now: datetime | None = None,
) -> int:
    """Run `impact` with parsed `args`; returns the exit code."""
    out = out or sys.stdout
    try:
        quarter = (
            Quarter.parse(args.quarter)
            if args.quarter
            else Quarter.of(now or datetime.now(UTC), settings.tz)
        )
    except ValueError as exc:
        print(f"--quarter: {exc}", file=sys.stderr)
        return 2
    quarters = recent_quarters(quarter, HISTORY) if args.xlsx else [quarter]
    engine = make_engine(settings.effective_database_url)
    try:
        report = impact_report(
            engine,
            super_admin=True,
            admin_of=frozenset(),
            quarters=quarters,
            tz=settings.tz,
            method=method_of(settings),
            name=args.organisation,
        )
    except UnknownOrganisation:
        print(f"--organisation: no organisation named {args.organisation!r}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(
            f"Cannot read the enrolments ({exc.__class__.__name__}); "
            "is the database migrated (`python -m bot migrate`)?",
            file=sys.stderr,
        )
        return 1
    finally:
        engine.dispose()
    return _output(args, settings, report, out)


def _output(
    args: argparse.Namespace, settings: Settings, report: ImpactReport, out: TextIO
) -> int:
    t = translator(settings.default_language, settings.timezone)
    method = method_of(settings)
    scope = report.scope.label or t("impact.scope_all")
    if args.xlsx:
        args.xlsx.write_bytes(
            impact_workbook(report.quarters, method=method, t=t, scope_label=scope)
        )
        print(f"Wrote {args.xlsx}", file=sys.stderr)
        return 0
    if args.json:
        document = {
            "scope": scope,
            "method": {
                "co2_kg_per_km": method.co2_kg_per_km,
                "centre_min_population": method.min_population,
                "text": method_lines(method, t, scope_label=scope),
            },
            **_as_json(report.quarters[0], settings),
        }
        json.dump(document, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return 0
    shown = report.quarters[0]
    summary = t(
        "impact.cli.summary",
        quarter=shown.quarter,
        scope=scope,
        learners=t("impact.learners", count=shown.learners),
        days=t("impact.days", count=shown.days),
        km=t.number(round(shown.km)),
        kg=t.number(round(shown.kg_co2e)),
    )
    print(summary, file=out)
    if shown.unknown_town:
        print(t("impact.unknown_town", count=shown.unknown_town), file=out)
    for line in method_lines(method, t, scope_label=scope)[1:]:
        print(f"  {line}", file=out)
    return 0


def _as_json(shown: QuarterImpact, settings: Settings) -> dict[str, Any]:
    return {
        "quarter": str(shown.quarter),
        "learners": shown.learners,
        "places": shown.places,
        "days": shown.days,
        "km": round(shown.km, 1),
        "kg_co2e": round(shown.kg_co2e, 1),
        "unknown_town": shown.unknown_town,
        "sessions": [
            {
                "title": s.title,
                "date": s.starts_at.astimezone(settings.tz).date().isoformat(),
                "space": s.space,
                "city": s.city,
                "learners": s.learners,
                "days": s.days,
                "km": round(s.km, 1),
                "kg_co2e": round(s.km * settings.co2_kg_per_km, 1),
            }
            for s in shown.sessions
        ],
    }
