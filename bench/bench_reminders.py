"""Benchmark the reminder engine through the real Application and the offline sandbox.

    .venv/bin/python bench/bench_reminders.py [--count 10000] [--pending 100000]

(a) delivery: the real day-before reminders (`session_day_before`) of `--count` learners
    enrolled in sessions starting tomorrow, all due at 08:00 Paris (`day_before.py` builds the
    data: spaces in real towns, organisations, sessions, enrolments, the rows the enrolment
    path plans). The bot runs on a clock shifted to 07:59:52 that then flows in real time, so
    the quiet hours (21:00-08:00) are over when the wave falls due, whatever the hour of the
    run. They go through the real renderer (`handlers/notices/sessions.py`, its database
    reads included), the real Application, the JobQueue timers and the sweep, and the rate
    limiter (30/s: 10,000 take about 5.5 minutes). Measures the rate from the first to the
    last message, when the last went out (after 08:00), the process's CPU per message and
    peak memory; checks that every learner got exactly one message (sandbox calls,
    transcripts, rows `sent` after one attempt), saying "tomorrow" with the [📍 map] button of
    their own session, and that no pin was sent unasked (no sendVenue/sendLocation).
(b) start-up: `--pending` pending reminders in the database, then `arm_pending` and the start
    of the JobQueue, as `python -m bot run` does: spread over the next 30 days (the usual case),
    all due within the hour (the worst case for the window), and, for comparison, one timer per
    row without a window.

Each scenario runs in its own subprocess on a fresh SQLite file, so its peak memory
(`ru_maxrss`) is its own. Prints a Markdown table for the README.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

BENCH_KIND = "bench_text"
USERS_FOR_STARTUP = 1_000


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _database(directory: Path) -> Any:
    from bot.db import make_engine, upgrade_schema

    engine = make_engine(f"sqlite:///{directory / 'bench.sqlite3'}")
    upgrade_schema(engine)
    return engine


def _insert(engine: Any, users: list[int], due: list[tuple[int, datetime]]) -> None:
    """Users, then (recipient, due_at) reminders of a stand-in kind, in bulk, for the
    start-up scenarios (which only arm timers; nothing is rendered)."""
    from sqlalchemy import insert

    from bot.models import Reminder, User

    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            insert(User),
            [{"id": u, "first_name": f"U{u}", "language": "fr", "is_active": True,
              "created_at": now, "last_seen_at": now} for u in users],
        )  # fmt: skip
        for start in range(0, len(due), 20_000):
            connection.execute(
                insert(Reminder),
                [{"kind": BENCH_KIND, "dedupe_key": f"bench:{start + i}", "recipient_id": r,
                  "due_at": at, "urgent": True, "status": "pending", "attempts": 0}
                 for i, (r, at) in enumerate(due[start:start + 20_000])],
            )  # fmt: skip


class ShiftedClock:
    """The machine's clock moved to `start`: time flows as it really does (the rate limiter
    and the timers run on real time), but the bench can run at any hour and still be at
    08:00 Paris, outside the quiet hours that would hold non-urgent reminders."""

    def __init__(self, start: datetime) -> None:
        self._offset = start - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset


def _application(sandbox: Any, engine: Any, clock: Any = None) -> Any:
    from bot.application import build_application
    from bot.config import Settings
    from handlers import delivery

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_bot_token=sandbox.token,
        telegram_api_base_url=sandbox.base_url,
        telegram_api_base_file_url=sandbox.base_file_url,
        database_url=str(engine.url),
        log_level="WARNING",
    )
    application = build_application(settings, engine=engine, clock=clock)
    delivery.install(application)
    return application


async def _delivery(count: int, directory: Path) -> dict[str, Any]:
    """The real day-before reminders of `count` learners, all due at 08:00 (`day_before`)."""
    from sqlalchemy import func, select

    from bot.models import Enrolment, Reminder
    from bot.reminders.quiet import PARIS
    from bot.sandbox import BotApiSandbox

    # The data is built in a process of its own: the towns come from the gazetteer, whose
    # memory would otherwise count in this process's peak.
    wave = _run_child(["--child", "wave", str(count), str(directory)])
    wave_at = datetime.fromisoformat(wave["due at"])
    engine = _database(directory)
    with engine.connect() as connection:
        session_of = dict(
            connection.execute(select(Enrolment.user_id, Enrolment.session_id)).tuples().all()
        )
    with BotApiSandbox() as sandbox:
        for u in session_of:
            sandbox.user(u, f"Apprenant {u}")
        armed, cpu = await _run_wave(sandbox, engine, wave_at, count)
        sends = sandbox.calls_for("sendMessage")
        pins = len(sandbox.calls_for("sendVenue")) + len(sandbox.calls_for("sendLocation"))
        checks = _seen(sandbox, session_of)
        failed = len(sandbox.failed_calls)
    with engine.connect() as connection:
        rows = Counter(
            connection.execute(select(Reminder.status, Reminder.attempts)).tuples().all()
        )
        last_sent = connection.scalar(select(func.max(Reminder.sent_at)))
    if not sends or last_sent is None:
        raise SystemExit(f"no reminder went out: {dict(rows)}")
    per_chat = Counter(int(params["chat_id"]) for _, params, _ in sends)
    exactly_once = (
        set(per_chat.values()) == {1}
        and len(per_chat) == count
        and checks["one message"] == count
        and rows == Counter({("sent", 1): count})
        and failed == 0
    )
    first, last = sends[0][2], sends[-1][2]
    late = (last_sent - wave_at).total_seconds()
    return {
        "scenario": f"day-before reminders: {count:,} due at 08:00",
        "armed at start": armed,
        "messages": len(sends),
        "seconds": round(last - first, 1),
        "rate /s": round((len(sends) - 1) / (last - first), 1) if len(sends) > 1 else 0,
        "all out by": f"{last_sent.astimezone(PARIS):%H:%M:%S} (+{late / 60:.1f} min)",
        "exactly once": exactly_once,
        "map button, no pin sent": checks["map button"] == count and pins == 0,
        "CPU ms/message": round(cpu * 1000 / len(sends), 1),
        "peak MB": round(_peak_mb()),
        "shape": wave["shape"],
        "details": {**checks, "pins sent": pins, "failed calls": failed,
                    "rows": {f"{s} x{a}": n for (s, a), n in rows.items()}},
    }  # fmt: skip


async def _run_wave(sandbox: Any, engine: Any, wave_at: datetime, count: int) -> tuple[int, float]:
    """Start the bot at 07:59:52 (the wave falls due 8 s later, as for a bot started just
    before 08:00), wait until no reminder is left, stop it. Returns the timers armed at
    start and the CPU seconds the process spent meanwhile."""
    from sqlalchemy import func, select

    from bot.models import Reminder
    from handlers import delivery

    def left() -> int:
        with engine.connect() as connection:
            return connection.scalar(
                select(func.count())
                .select_from(Reminder)
                .where(Reminder.status.in_(["pending", "sending"]))
            )

    application = _application(sandbox, engine, ShiftedClock(wave_at - timedelta(seconds=8)))
    async with application:
        armed = await delivery.arm_pending(application)
        await application.start()
        cpu = time.process_time()
        deadline = time.monotonic() + count / 20 + 180
        while await asyncio.to_thread(left) and time.monotonic() < deadline:
            await asyncio.sleep(1)
        await delivery.dispatcher(application).wait_idle()
        cpu = time.process_time() - cpu
        await application.stop()
    return armed, cpu


def _seen(sandbox: Any, session_of: dict[int, int]) -> Counter[str]:
    """What each learner's chat shows: one message, saying "tomorrow", with one button that
    asks for the map pin of their own session."""
    from handlers import buttons

    seen: Counter[str] = Counter()
    for learner, session_id in session_of.items():
        messages = sandbox.bot_messages(learner)
        if len(messages) != 1:
            continue
        seen["one message"] += 1
        message = messages[0]
        if "demain" in message.plain or "tomorrow" in message.plain:
            seen["says tomorrow"] += 1
        datas = [b.callback_data for row in message.buttons for b in row]
        if datas == [buttons.VENUE_PIN.data(session_id)]:
            seen["map button"] += 1
    return seen


async def _startup(pending: int, spread: str, directory: Path) -> dict[str, Any]:
    from bot.sandbox import BotApiSandbox
    from handlers import delivery

    engine = _database(directory)
    users = list(range(10_000, 10_000 + USERS_FOR_STARTUP))
    now = datetime.now(UTC)
    span = timedelta(hours=1) if spread == "hour" else timedelta(days=30)
    due = [(users[i % len(users)], now + timedelta(minutes=2) + span * i / pending)
           for i in range(pending)]  # fmt: skip
    _insert(engine, users, due)
    before = _peak_mb()
    with BotApiSandbox() as sandbox:
        application = _application(sandbox, engine)
        async with application:
            started = time.perf_counter()
            if spread == "naive":  # one timer per row, no window: what the window avoids
                from bot import reminders

                rows = reminders.upcoming(
                    engine, after=None, until=now + timedelta(days=365), limit=pending
                )
                for reminder_id, due_at in rows:
                    delivery.timers._arm(application.job_queue, reminder_id, due_at, now)
                armed = len(rows)
            else:
                armed = await delivery.arm_pending(application)
            await application.job_queue.start()  # APScheduler files the timers here
            seconds = time.perf_counter() - started
            await application.job_queue.stop(wait=False)
    label = {"spread": "over 30 days", "hour": "all within the hour", "naive": "no window"}
    return {
        "scenario": f"start-up: {pending:,} pending, {label[spread]}",
        "armed at start": armed,
        "seconds": round(seconds, 2),
        "peak MB": round(_peak_mb()),
        "MB before start-up": round(before),
    }


def _run_child(args: list[str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"scenario {args} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}, SQLite"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="reminders for (a)")
    parser.add_argument("--pending", type=int, default=100_000, help="pending rows for (b)")
    parser.add_argument("--skip-delivery", action="store_true", help="only the start-up part")
    parser.add_argument("--child", nargs="+", metavar=("SCENARIO", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child and args.child[0] == "wave":
        import day_before

        wave = day_before.build(_database(Path(args.child[2])), int(args.child[1]))
        print(json.dumps({"shape": wave.shape(), "due at": day_before.WAVE_AT.isoformat()}))
        return 0
    if args.child:
        scenario, n = args.child[0], int(args.child[1])
        with tempfile.TemporaryDirectory() as tmp:
            if scenario == "delivery":
                result = asyncio.run(_delivery(n, Path(tmp)))
            else:
                result = asyncio.run(_startup(n, scenario, Path(tmp)))
        print(json.dumps(result))
        return 0

    results, load = [], os.getloadavg()
    if not args.skip_delivery:
        print(f"(a) delivering {args.count:,} reminders at ~30/s ...", file=sys.stderr)
        results.append(_run_child(["--child", "delivery", str(args.count)]))
    for spread in ("spread", "hour", "naive"):
        print(f"(b) start-up, {spread} ...", file=sys.stderr)
        results.append(_run_child(["--child", spread, str(args.pending)]))
    columns = ["scenario", "armed at start", "seconds", "rate /s", "all out by", "exactly once",
               "map button, no pin sent", "CPU ms/message", "peak MB",
               "MB before start-up"]  # fmt: skip
    print(
        f"Machine: {_machine()}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average "
        f"{load[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end\n"
    )
    for result in results:
        if "shape" in result:
            print(f"Data: {result['shape']}; checks: {result['details']}\n")
    print("| " + " | ".join(columns) + " |")
    print("|" + "|".join("---" for _ in columns) + "|")
    for result in results:
        cells = [result.get(c, "") for c in columns]
        print("| " + " | ".join(f"{c:,}" if isinstance(c, int) and not isinstance(c, bool)
                                else str(c) for c in cells) + " |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
