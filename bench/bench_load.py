"""What one running bot sustains: `python -m bot run` as a process, N people at once.

    .venv/bin/python bench/bench_load.py [--sessions 150000] [--users 1,50,200,1000]

The realistic 2030 offer (:func:`offer.realistic_offer`: 1,500 spaces in Petites Villes de
Demain, 400 organisations, ~93,000 distinct courses, 150,000 sessions over a year) is loaded
into a fresh SQLite file; the bot runs as its own process (`python -m bot run`, long polling)
against the offline sandbox, which runs here with its flood model off, so the figures are the
bot's own. For each N, N people write a request at the same moment (the benchmark's varied
requests: towns, postcodes, départements, long sentences, broad topics, no place, off-topic),
then each one with results opens the first result's card. Reported per step: the time from the
person's update to the bot's first message or edit in that chat (p50 / p95 / worst), updates
handled per second over the step, the bot process's CPU time per update (from /proc), and
people left without an answer. Also: the time from the process's start to its first answer
(the index builds in the background; the bot answers meanwhile).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_cards import load  # noqa: E402 (after the path fix)
from offer import realistic_offer, requests  # noqa: E402

from bot.db import make_engine, upgrade_schema  # noqa: E402
from bot.sandbox import BotApiSandbox  # noqa: E402

ANSWERS = {"sendmessage", "editmessagetext", "editmessagereplymarkup", "sendvenue", "sendphoto"}
WAIT = 300.0  # seconds a step may take before the people still waiting count as unanswered
SETTINGS = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "TELEGRAM_API_BASE_FILE_URL",
            "DATABASE_URL", "WEBHOOK_URL", "WEBHOOK_SECRET", "ADMIN_IDS")  # fmt: skip


class TimedSandbox(BotApiSandbox):
    """The sandbox, noting how long each waiting chat waited for the bot's first answer."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.waiting: dict[int, float] = {}
        self.latency: dict[int, float] = {}
        self.first_answer: float | None = None

    def wait_for_answer(self, chat: int) -> None:
        with self.lock:
            self.latency.pop(chat, None)
            self.waiting[chat] = time.monotonic()

    def handle_api(self, token: str, method: str, values: Any, files: Any) -> Any:
        arrival = time.monotonic()
        status, body = super().handle_api(token, method, values, files)
        if status == 200 and method.lower() in ANSWERS and "chat_id" in values:
            chat = int(values["chat_id"])
            with self.lock:
                self.first_answer = self.first_answer or arrival
                if chat in self.waiting:
                    self.latency[chat] = arrival - self.waiting.pop(chat)
        return status, body


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _start_bot(sandbox: TimedSandbox, database_url: str, workdir: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    env.update(
        TELEGRAM_BOT_TOKEN=sandbox.token,
        TELEGRAM_API_BASE_URL=sandbox.base_url,
        TELEGRAM_API_BASE_FILE_URL=sandbox.base_file_url,
        DATABASE_URL=database_url,
        TELEGRAM_POLL_TIMEOUT="1",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    log = (workdir / "bot.log").open("wb")
    command = [sys.executable, "-m", "bot", "run"]
    return subprocess.Popen(command, env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)


def _children(pid: int) -> list[str]:
    found: list[str] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += (task / "children").read_text().split()
    return found


def _idle(pid: int, timeout: float = 180.0) -> float:
    """When the bot's start-up work is over: no child process (the index is built in one at
    this scale) and its own CPU time no longer growing (under 5 % over 1 s), so the rounds
    measure answering from the index, not the build or the database fallback beside it."""
    deadline = time.monotonic() + timeout
    quiet = 0  # consecutive idle seconds: the parent loads the child's index after it exits
    while time.monotonic() < deadline and quiet < 3:
        before = _cpu_seconds(pid)
        time.sleep(1.0)
        idle = not _children(pid) and _cpu_seconds(pid) - before < 0.05
        quiet = quiet + 1 if idle else 0
    return time.monotonic() - 3.0


def _settle(sandbox: TimedSandbox, chats: list[int]) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        with sandbox.lock:
            if all(chat in sandbox.latency for chat in chats):
                return
        time.sleep(0.01)


def _card_button(sandbox: TimedSandbox, chat: int) -> tuple[int, str] | None:
    """(message id, callback data) of the first result's card button, if results came."""
    entry = sandbox.last_bot_message(chat)
    if entry is None:
        return None
    for row in entry.buttons:
        for button in row:
            if (button.callback_data or "").startswith("card"):
                return entry.message_id, button.callback_data
    return None


def _step(sandbox: TimedSandbox, pid: int, chats: list[int], act: Any) -> dict[str, float | int]:
    cpu, start = _cpu_seconds(pid), time.monotonic()
    for chat in chats:
        sandbox.wait_for_answer(chat)
        act(chat)
    _settle(sandbox, chats)
    with sandbox.lock:
        times = sorted(sandbox.latency[c] for c in chats if c in sandbox.latency)
        sandbox.waiting.clear()
    elapsed = max(times) if times else time.monotonic() - start
    updates = len(chats)
    return {
        "updates": updates,
        "p50": statistics.median(times) if times else 0.0,
        "p95": times[int(0.95 * (len(times) - 1))] if times else 0.0,
        "worst": times[-1] if times else 0.0,
        "per_s": updates / elapsed if elapsed else 0.0,
        "cpu_ms": 1000 * (_cpu_seconds(pid) - cpu) / updates,
        "lost": updates - len(times),
    }


def _round(
    sandbox: TimedSandbox, pid: int, people: list[int], asks: list[str]
) -> list[tuple[str, dict[str, float | int]]]:
    for person in people:
        sandbox.user(person, f"P{person}", language_code="fr")
    said = dict(zip(people, asks, strict=False))
    search = _step(sandbox, pid, people, lambda chat: sandbox.send_text(chat, said[chat]))
    cards = {chat: button for chat in people if (button := _card_button(sandbox, chat))}

    def open_card(chat: int) -> None:
        message_id, data = cards[chat]
        sandbox.press(chat, message_id=message_id, data=data)

    rows = [("search", search)]
    if cards:
        rows.append(("open a result", _step(sandbox, pid, list(cards), open_card)))
    return rows


def _machine() -> str:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    models = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    load_now, python = os.getloadavg()[0], platform.python_version()
    cpu = models[0] if models else platform.machine()
    return f"{cpu}, {os.cpu_count()} CPUs, load average {load_now:.1f}, Python {python}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=150_000)
    parser.add_argument("--users", default="1,50,200,1000")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    counts = [int(n) for n in args.users.split(",")]
    rng = random.Random(args.seed)
    courses = min(93_000, max(1, args.sessions * 62 // 100))
    offer = realistic_offer(sessions=args.sessions, courses=courses)
    asks = requests(rng, offer, sum(counts))
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/load.sqlite3"
        engine = make_engine(url)
        upgrade_schema(engine)
        load(engine, offer)
        engine.dispose()
        print(f"# {datetime.now(UTC):%Y-%m-%d}, {_machine()}")
        print(f"# data: {offer.shape()}; SQLite\n")
        with TimedSandbox() as sandbox:
            bot = _start_bot(sandbox, url, Path(tmp))
            started = time.monotonic()
            try:
                probe = 1
                sandbox.user(probe, "Probe", language_code="fr")
                sandbox.wait_for_answer(probe)
                sandbox.send_text(probe, "bonjour")
                _settle(sandbox, [probe])
                first = (sandbox.first_answer or time.monotonic()) - started
                settled = _idle(bot.pid) - started
                print(
                    f"first answer {first:.1f} s after the process started; start-up work "
                    f"(index build or snapshot load) done after {settled:.1f} s\n"
                )
                print("| people at once | step | p50 / p95 / worst | updates/s | "
                      "CPU per update | unanswered |")  # fmt: skip
                print("|---|---|---|---|---|---|")
                first_id, offset = 10_000, 0
                for n in counts:
                    people = list(range(first_id, first_id + n))
                    rows = _round(sandbox, bot.pid, people, asks[offset : offset + n])
                    first_id, offset = first_id + n, offset + n
                    for step, r in rows:
                        print(
                            f"| {n} | {step} | {r['p50'] * 1000:.0f} / {r['p95'] * 1000:.0f} / "
                            f"{r['worst'] * 1000:.0f} ms | {r['per_s']:.0f} | "
                            f"{r['cpu_ms']:.1f} ms | {r['lost']} |",
                            flush=True,
                        )
            finally:
                bot.terminate()
                bot.wait(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
