"""Two `python -m bot run` on one database: on PostgreSQL a standby makes no Bot API call until
it holds the lock; on SQLite the second process is refused with one sentence."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
import pytest
from sqlalchemy import text

from bot.config import PROJECT_ROOT
from bot.leadership import EXIT_LOST_LEADERSHIP, PostgresLock
from tests.conftest import POSTGRES_URL, _empty_postgres
from tests.e2e.conftest import free_port, until
from tests.e2e.failover import sessions

WAIT = 30.0  # generous: a cold interpreter start on a busy CI machine


def test_a_second_process_on_the_same_sqlite_file_is_refused(
    sandbox, start_bot, bot_env, tmp_path
):
    first = start_bot()
    assert sandbox.wait_for(lambda: bool(sandbox.calls_for("getUpdates")), WAIT), first.output()
    second = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        env={**bot_env, "PYTHONPATH": str(PROJECT_ROOT)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    database = (tmp_path / "e2e.sqlite3").resolve()
    assert second.returncode == 2
    assert second.stderr.strip().splitlines()[-1] == (
        f"Another Proxi process is already using {database} (pid {first.process.pid}); "
        "on SQLite only one may run. Use PostgreSQL for two instances."
    )
    assert "Traceback" not in second.stderr
    assert first.stop() == 0


@pytest.mark.postgres
def test_a_standby_never_calls_the_bot_api_until_it_holds_the_lock(
    sandbox, start_bot, postgres_engine
) -> None:
    _empty_postgres(postgres_engine)
    holder = PostgresLock(POSTGRES_URL, "test-holder:1:aaaaaa")  # plays the active process
    assert holder.try_acquire()
    port = free_port()
    readyz = f"http://127.0.0.1:{port}/readyz"

    def role() -> str | None:
        try:
            return str(httpx.get(readyz, timeout=2, trust_env=False).json()["role"])
        except httpx.HTTPError:
            return None

    try:
        bot = start_bot(DATABASE_URL=POSTGRES_URL, HEALTH_PORT=str(port))
        assert until(lambda: len(sessions(postgres_engine)) == 2, WAIT), bot.output()
        # A standby retries every second: a few rounds of waiting, and not one call.
        time.sleep(3)
        assert sandbox.calls == []
        assert "waiting to be the active process" in bot.output()
        assert role() == "standby"  # its health endpoint says so while it waits
    finally:
        holder.release()
    started = time.monotonic()
    assert sandbox.wait_for(lambda: bool(sandbox.calls_for("getUpdates")), WAIT), bot.output()
    assert time.monotonic() - started < 15
    assert until(lambda: role() == "active", WAIT), bot.output()
    sandbox.send_text(sandbox.user(42, "Anne"), "/help")
    assert sandbox.wait_for(lambda: len(sandbox.bot_messages(42)) == 1, WAIT), bot.output()
    assert bot.stop() == 0, bot.output()
    assert "Traceback" not in bot.output()


@pytest.mark.postgres
def test_the_active_process_exits_at_once_when_its_lock_connection_is_lost(
    sandbox, start_bot, postgres_engine
) -> None:
    _empty_postgres(postgres_engine)
    bot = start_bot(DATABASE_URL=POSTGRES_URL)
    assert sandbox.wait_for(lambda: bool(sandbox.calls_for("getUpdates")), WAIT), bot.output()
    with postgres_engine.connect() as connection:  # a network cut, a failover of PostgreSQL
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name LIKE 'proxi:%'"
            )
        )
    assert bot.process.wait(WAIT) == EXIT_LOST_LEADERSHIP, bot.output()
    assert "lost the leadership lock connection" in bot.output()
