"""End to end: the bot as a process (`python -m bot ...`) against the sandbox over HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.sandbox import BotApiSandbox

# Settings a developer may have in their shell or .env must not leak into these runs.
SETTING_NAMES = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_BASE_URL",
    "TELEGRAM_API_BASE_FILE_URL",
    "DATABASE_URL",
    "ADMIN_IDS",
    "WEBHOOK_URL",
    "WEBHOOK_SECRET",
    "WEBHOOK_LISTEN",
    "WEBHOOK_PORT",
    "TELEGRAM_POLL_TIMEOUT",
    "LOG_LEVEL",
    "DEFAULT_LANGUAGE",
    "TIMEZONE",
    "LOG_FORMAT",
    "LOG_SALT",
    "HEALTH_PORT",
    "HEALTH_HOST",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_listening(port: int, timeout: float = 30.0) -> bool:
    """True once something accepts connections on the port.

    PTB sets the webhook before its server listens, so "webhook set" alone does not mean
    a request can be delivered yet (Telegram retries; a test's single request does not).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1.0):
                return True
        except OSError:
            time.sleep(0.05)
    return False


@pytest.fixture
def bot_env(sandbox: BotApiSandbox, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
    env.update(
        TELEGRAM_BOT_TOKEN=sandbox.token,
        TELEGRAM_API_BASE_URL=sandbox.base_url,
        TELEGRAM_API_BASE_FILE_URL=sandbox.base_file_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'e2e.sqlite3'}",
        TELEGRAM_POLL_TIMEOUT="1",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    return env


class BotProcess:
    """`python -m bot run` in a subprocess (cwd: a temp dir, so no .env is read)."""

    def __init__(self, env: dict[str, str], cwd: Path, *, name: str = "bot") -> None:
        self.name = name
        self.log = cwd / f"{name}.log"
        self._log_handle = self.log.open("wb")
        env = {**env, "PYTHONPATH": str(PROJECT_ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            cwd=cwd,
            stdout=self._log_handle,
            stderr=subprocess.STDOUT,
        )

    def stop(self, timeout: float = 20.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
            self._log_handle.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def start_bot(bot_env: dict[str, str], tmp_path: Path) -> Iterator:
    started: list[BotProcess] = []

    def start(**extra: str) -> BotProcess:
        process = BotProcess({**bot_env, **extra}, tmp_path)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


def until(predicate: Callable[[], bool], timeout: float) -> bool:
    """Whether predicate() became true within timeout, checked every 0.1 s: for state outside
    the sandbox (the database), which `sandbox.wait_for` would only re-check on its changes."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not predicate():
        if time.monotonic() > deadline:
            return False
        pause.wait(0.1)
    return True
