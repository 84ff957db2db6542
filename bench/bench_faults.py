"""Every person writing gets exactly one answer, whatever Telegram does: measured.

    .venv/bin/python bench/bench_faults.py [--users 300] [--without-retry]

The real Application, polling the offline sandbox like in production (getUpdates, the
per-chat update processor, the rate limiter), over the sample data. In each scenario
`--users` people each write the same search at once, under one kind of injected fault:

- none: no fault;
- 429 burst: the next 150 sendMessage calls answer 429 retry_after=2, then 30 people's
  answers meet 429 retry_after=5 once more;
- 502 at a rate: a burst of 30 502s, then one person in five meets 1 to 3 more 502s;
- timeouts: one person in ten gets an answer 6 s late (beyond PTB's 5 s read timeout: the
  message is delivered but the bot sees a timeout), one in ten 2 s late;
- flood model: the sandbox's Telegram limits (30 messages/s per bot, 1/s per chat).

For each: answers delivered once, lost (none), duplicated (more than one message), "something
went wrong" shown, and the p50 / p95 / worst time from the person's message to the arrival of
the answer (the sendMessage that took effect). `--without-retry` turns off the reply retry
(handlers/retrying.py), to compare with what the rate limiter alone does. Each scenario runs in a
fresh process over a fresh SQLite database with the sample data. Prints a Markdown table,
and on stderr the bot's warnings and errors of each scenario, counted (why answers were lost).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.sandbox import BotApiSandbox  # noqa: E402 (after the path fix)

ASK = "une formation excel près de Ploërmel"
WAIT_FOR_ANSWERS = 180.0


class Tally(logging.Handler):
    """Counts the bot's warnings and errors by logger and message (the reasons behind an
    answer lost), printed after each scenario."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.seen[f"{record.levelname} {record.name}: {record.getMessage()[:120]}"] += 1

    def report(self) -> None:
        for line, count in self.seen.most_common(10):
            print(f"    {count} × {line}", file=sys.stderr)
        self.seen.clear()


WARNINGS = Tally()


class TimedSandbox(BotApiSandbox):
    """The sandbox, noting when each message the bot sent took effect."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: dict[int, float] = {}

    def handle_api(self, token: str, method: str, values: Any, files: Any) -> Any:
        arrival = time.monotonic()  # the message exists from the call on, even if answered late
        status, body = super().handle_api(token, method, values, files)
        if status == 200 and method.lower() == "sendmessage":
            self.arrived.setdefault(int(values["chat_id"]), arrival)
        return status, body


def _burst_429(sandbox: BotApiSandbox, people: list[int]) -> None:
    sandbox.inject_fault("sendMessage", "retry_after", times=150, retry_after=2)
    for person in people[::10]:
        sandbox.inject_fault("sendMessage", "retry_after", chat_id=person, retry_after=5)


def _rate_502(sandbox: BotApiSandbox, people: list[int]) -> None:
    sandbox.inject_fault("sendMessage", "server_error", times=30, status=502)
    for i, person in enumerate(people[::5]):
        sandbox.inject_fault(
            "sendMessage", "server_error", chat_id=person, times=1 + i % 3, status=502
        )


def _timeouts(sandbox: BotApiSandbox, people: list[int]) -> None:
    for person in people[::10]:
        sandbox.inject_fault("sendMessage", "timeout", chat_id=person, delay=6.0)
    for person in people[5::10]:
        sandbox.inject_fault("sendMessage", "timeout", chat_id=person, delay=2.0)


def _flood(sandbox: BotApiSandbox, people: list[int]) -> None:
    sandbox.enable_flood_control()


SCENARIOS: dict[str, Callable[[BotApiSandbox, list[int]], None]] = {
    "none": lambda sandbox, people: None,
    "429 burst (retry_after 2 s, then 5 s)": _burst_429,
    "502 at a rate (30 at once, then 1 in 5 people 1–3 times)": _rate_502,
    "timeouts (1 in 10 answered 6 s late, 1 in 10 2 s late)": _timeouts,
    "flood model (30/s per bot, 1/s per chat)": _flood,
}


def _database(directory: Path) -> Any:
    from bot.db import make_engine, upgrade_schema
    from bot.gazetteer import default_gazetteer
    from bot.importer.service import Actor, apply_import

    engine = make_engine(f"sqlite:///{directory / 'bench.sqlite3'}")
    upgrade_schema(engine)
    sample = ROOT / "data" / "sample"
    files = [(n, (sample / n).read_bytes()) for n in ("spaces.csv", "sessions.csv")]
    result = apply_import(
        engine, files, gazetteer=default_gazetteer(), actor=Actor(), now=datetime.now(UTC)
    )
    assert result.applied, "the sample data did not load"
    return engine


def _application(sandbox: BotApiSandbox, engine: Any) -> Any:
    from bot.application import build_application
    from bot.config import Settings

    settings = Settings(_env_file=None, database_url=str(engine.url))  # type: ignore[call-arg]
    endpoints = {
        "telegram_bot_token": sandbox.token,
        "telegram_api_base_url": sandbox.base_url,
        "telegram_api_base_file_url": sandbox.base_file_url,
    }
    return build_application(settings.model_copy(update=endpoints), engine=engine)


async def _settled(application: Any, sandbox: TimedSandbox, people: list[int]) -> None:
    """Until the bot has nothing left in hand and everyone has an answer, or nothing more
    happens (answers lost)."""
    start = time.monotonic()
    while time.monotonic() - start < WAIT_FOR_ANSWERS:
        idle = (
            application.update_queue.empty()
            and application.update_processor.current_concurrent_updates == 0
            and sandbox.pending_update_count() == 0
        )
        answered = len(sandbox.arrived) >= len(people)
        if idle and (answered or (time.monotonic() - start > 5 and _quiet(sandbox))):
            return
        await asyncio.sleep(0.2)


def _quiet(sandbox: TimedSandbox, seconds: float = 3.0) -> bool:
    """No call but polling for `seconds`."""
    calls = [call for call in sandbox.calls if call[0] != "getUpdates"]
    return not calls or time.monotonic() - calls[-1][2] > seconds


async def _scenario(name: str, engine: Any, first_id: int, users: int) -> dict[str, Any]:
    from bot.application import post_init
    from bot.i18n import translator

    people = list(range(first_id, first_id + users))
    generic = translator("fr")("error.generic")
    with TimedSandbox() as sandbox:
        for person in people:
            sandbox.user(person, f"P{person}", language_code="fr")
        application = _application(sandbox, engine)
        async with application:
            await post_init(application)
            await application.start()
            await application.updater.start_polling(poll_interval=0, timeout=1)
            SCENARIOS[name](sandbox, people)
            wrote = time.monotonic()
            for person in people:
                sandbox.send_text(person, ASK)
            await _settled(application, sandbox, people)
            await application.updater.stop()
            await application.stop()
        texts = [[m.plain for m in sandbox.bot_messages(p)] for p in people]
    latencies = sorted(sandbox.arrived[p] - wrote for p in people if p in sandbox.arrived)
    return {"fault": name, **_outcomes(texts, generic), **_percentiles(latencies)}


def _outcomes(texts: list[list[str]], generic: str) -> dict[str, int]:
    return {
        "once": sum(1 for t in texts if len(t) == 1 and t[0] != generic),
        "lost": sum(1 for t in texts if not t),
        "duplicated": sum(1 for t in texts if len(t) > 1),
        "error shown": sum(1 for t in texts if generic in t),
    }


def _percentiles(latencies: list[float]) -> dict[str, float]:
    if not latencies:
        return {"p50": 0.0, "p95": 0.0, "worst": 0.0}
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    return {"p50": statistics.median(latencies), "p95": p95, "worst": latencies[-1]}


async def _run(name: str, users: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = await asyncio.to_thread(_database, Path(tmp))
        result = await _scenario(name, engine, 100_000, users)
        engine.dispose()
    return result


def _in_child(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """One scenario in a fresh process: nothing (threads, sockets) left by the previous."""
    print(f"{name} ...", file=sys.stderr)
    command = [sys.executable, __file__, "--child", name, "--users", str(args.users)]
    done = subprocess.run(
        command + (["--without-retry"] if args.without_retry else []),
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _machine() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    models = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    cpu = models[0] if models else platform.machine()
    load, python = os.getloadavg()[0], platform.python_version()
    return f"{cpu}, {os.cpu_count()} CPUs, load average {load:.1f}, Python {python}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--only", help="run the scenarios whose name starts with this")
    parser.add_argument("--without-retry", action="store_true", help="rate limiter alone")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        logging.basicConfig(level=logging.WARNING, handlers=[WARNINGS])
        if args.without_retry:
            from handlers import retrying

            retrying._is_reply = lambda data: False  # type: ignore[assignment]
        print(json.dumps(asyncio.run(_run(args.child, args.users))))
        WARNINGS.report()
        return 0
    names = [n for n in SCENARIOS if not args.only or n.startswith(args.only)]
    results = [_in_child(name, args) for name in names]
    retry = "without the reply retry" if args.without_retry else "with the reply retry"
    print(f"{_machine()}; {datetime.now(UTC):%Y-%m-%d}; {args.users} people at once, {retry}\n")
    columns = ["fault", "once", "lost", "duplicated", "error shown", "p50", "p95", "worst"]
    print("| " + " | ".join(columns) + " |")
    print("|" + "|".join("---" for _ in columns) + "|")
    for result in results:
        cells = [
            f"{result[c]:.1f} s" if isinstance(result[c], float) else str(result[c])
            for c in columns
        ]
        print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
