"""Failover benchmark (issue 14): two `python -m bot run` on PostgreSQL against the sandbox, a
storm of /help from 30 users and 50 reminders falling due, the active process SIGKILLed
`--rounds` times; prints each takeover (SIGKILL → the new active process's first getUpdates)
and what was unanswered, lost or doubled, as Markdown with the machine and the date.

    .venv/bin/python bench/bench_failover.py --database-url postgresql+psycopg://U:P@H/DB

The database is emptied first. It plays tests/e2e/failover.py, the scenario the end-to-end
test asserts on.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL URL (emptied)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--reminders", type=int, default=50)
    args = parser.parse_args()

    from sqlalchemy import text

    from bot.db import make_engine, upgrade_schema
    from bot.sandbox import BotApiSandbox
    from tests.e2e import failover
    from tests.e2e.conftest import SETTING_NAMES

    engine = make_engine(args.database_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade_schema(engine)
    with BotApiSandbox() as sandbox, tempfile.TemporaryDirectory() as directory:
        env = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
        env.update(
            TELEGRAM_BOT_TOKEN=sandbox.token,
            TELEGRAM_API_BASE_URL=sandbox.base_url,
            TELEGRAM_API_BASE_FILE_URL=sandbox.base_file_url,
            DATABASE_URL=args.database_url,
            TELEGRAM_POLL_TIMEOUT="1",
            PYTHONUNBUFFERED="1",
        )
        outcome = failover.run(
            sandbox,
            engine,
            env,
            Path(directory),
            rounds=args.rounds,
            users=args.users,
            learners=args.reminders,
            log=lambda line: print(line, file=sys.stderr),
        )
    engine.dispose()
    takeovers = outcome.takeovers
    print(
        f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, "
        f"Python {platform.python_version()}, {args.rounds} kills\n"
    )
    print("| takeover (SIGKILL → polling) | median | worst | each |")
    print("|---|---|---|---|")
    each = ", ".join(f"{t:.1f}" for t in takeovers)
    print(f"| seconds | {statistics.median(takeovers):.1f} | {max(takeovers):.1f} | {each} |\n")
    print("| messages sent | unanswered | answered twice | updates taken over |")
    print("|---|---|---|---|")
    print(
        f"| {outcome.sent} | {outcome.unanswered} | {outcome.doubled_answers} "
        f"| {outcome.rehandled} |\n"
    )
    print("| reminders | lost | sent twice | claims of dead holders released |")
    print("|---|---|---|---|")
    print(
        f"| {len(outcome.reminders_sent)} | {outcome.reminders_lost} "
        f"| {outcome.reminders_doubled} | {outcome.released} |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
