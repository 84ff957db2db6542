"""`python -m bot reminders [--json]`: the reminders not delivered yet, soonest first."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot import reminders
from bot.config import Settings
from bot.db import make_engine
from bot.i18n import translator

logger = logging.getLogger(__name__)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `reminders` command to `python -m bot`."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "reminders", help="list pending reminders (due time in Paris, kind, recipient)"
    )
    parser.add_argument("--json", action="store_true", help="one JSON array, for scripts")
    parser.add_argument("--limit", type=int, default=None, metavar="N", help="the first N only")
    return parser


def run(args: argparse.Namespace, settings: Settings) -> int:
    """List pending reminders; 0 on success, 1 when the database cannot be read."""
    engine = make_engine(settings.effective_database_url)
    try:
        rows = reminders.pending(engine, limit=args.limit)
    except SQLAlchemyError as exc:
        print(
            f"Cannot read the reminders ({exc.__class__.__name__}): "
            "is the database migrated (`python -m bot migrate`)?",
            file=sys.stderr,
        )
        return 1
    finally:
        engine.dispose()
    tz = settings.tz
    if args.json:
        json.dump([_as_json(row, tz) for row in rows], sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    t = translator(settings.default_language, settings.timezone)
    if not rows:
        print(t("reminder.cli.none"))
        return 0
    print(t("reminder.cli.header"))
    for row in rows:
        due = row.due_at.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")
        print(f"{due:<26} {row.kind:<21} {row.recipient_id:<13} {row.status:<9} {row.id}")
    print(t("reminder.cli.count", count=len(rows)))
    return 0


def _as_json(row: reminders.ReminderView, tz: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "recipient_id": row.recipient_id,
        "due_at": row.due_at.isoformat(),
        "due_local": row.due_at.astimezone(tz).isoformat(),
        "deadline_at": row.deadline_at.isoformat() if row.deadline_at else None,
        "urgent": row.urgent,
        "status": row.status,
        "attempts": row.attempts,
        "appointment_id": row.appointment_id,
        "session_id": row.session_id,
    }
