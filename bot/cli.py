"""Command line: `python -m bot run | demo | migrate | doctor` (later issues add theirs:
`load`, `search`, `reminders`, `demand`, `impact`).

Exit codes: 0 success, 1 the data or the run had problems, 2 usage or configuration errors
(`run` on a SQLite file another process uses), 3 `run` lost its leadership lock connection
(bot/leadership.py: restart it, it comes back as a standby).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings
from bot.observability.logs import configure_logging

logger = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="Proxi: training and mentoring close to home."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = commands.add_parser(
        "run", help="run the bot (polling, or webhook when WEBHOOK_URL is set)"
    )
    run.add_argument(
        "--or-demo",
        action="store_true",
        help="without TELEGRAM_BOT_TOKEN, run the offline demo instead (what `make run` does)",
    )
    demo = commands.add_parser(
        "demo", help="chat with the bot offline: sandbox Bot API, sample data, fresh SQLite"
    )
    demo.add_argument(
        "--data", nargs="+", type=Path, metavar="FILE", help="data files instead of the sample"
    )
    commands.add_parser(
        "migrate",
        help="upgrade the database schema (additive: safe while the older version runs)",
    )
    commands.add_parser(
        "doctor",
        help="check the settings, database, schema, token and webhook; say what is wrong",
    )
    from bot.importer.cli import add_parser as add_load_parser

    add_load_parser(commands)
    from bot.search.cli import add_parser as add_search_parser

    add_search_parser(commands)
    from bot.reminders.cli import add_parser as add_reminders_parser

    add_reminders_parser(commands)
    from bot.demand.cli import add_parser as add_demand_parser

    add_demand_parser(commands)

    from bot.impact.cli import add_parser as add_impact_parser

    add_impact_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run one command; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if args.command == "doctor":  # settings errors are among what it reports
        from bot.doctor import run as run_doctor

        configure_logging("WARNING")
        return run_doctor(load_settings)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    running_bot = args.command == "run" and bool(settings.telegram_bot_token)
    # Only the running bot logs at INFO by default; the demo's terminal is the chat and the
    # other commands print their own report, so they show warnings unless asked for more.
    quiet = not running_bot and settings.log_level == "INFO"
    configure_logging(
        "WARNING" if quiet else settings.log_level,
        settings.log_format,
        salt=settings.log_salt or settings.telegram_bot_token or "",
    )
    if args.command == "migrate":
        return _migrate(settings)
    if args.command == "run":
        if not settings.telegram_bot_token:
            if args.or_demo:
                return _demo(settings, None)
            print(
                "TELEGRAM_BOT_TOKEN is not set: set it, or try `python -m bot demo`.",
                file=sys.stderr,
            )
            return 2
        return _run(settings)
    if args.command == "demo":
        return _demo(settings, args.data)
    if args.command == "reminders":
        from bot.reminders.cli import run as run_reminders

        return run_reminders(args, settings)
    if args.command == "search":
        from bot.search.cli import run as run_search

        return run_search(args, settings)
    if args.command == "demand":
        from bot.demand.cli import run as run_demand

        return run_demand(args, settings)

    if args.command == "impact":
        from bot.impact.cli import run as run_impact

        return run_impact(args, settings)
    if args.command == "load":
        from bot.importer.cli import run as run_load

        return run_load(args, settings)
    parser.print_help()
    return 2


def _migrate(settings: Settings) -> int:
    """Upgrade to head. Migrations are additive (bot/schema_changes.py), so this is safe while
    the older version runs; a revision that is not says so before it is applied."""
    from bot.db import make_engine, upgrade_schema
    from bot.schema_changes import pending_warnings

    engine = make_engine(settings.effective_database_url)
    for warning in pending_warnings(engine):
        print(warning, file=sys.stderr)
    upgrade_schema(engine)
    print("Database schema is up to date.")
    return 0


def _run(settings: Settings) -> int:
    from bot.runner import run_bot

    return run_bot(settings)


def _demo(settings: Settings, data: list[Path] | None) -> int:
    from bot.demo import run_demo

    return run_demo(settings, data_files=data)
