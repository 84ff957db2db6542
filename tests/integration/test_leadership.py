"""Leadership: one advisory lock holder among the processes sharing a PostgreSQL database,
the SQLite file lock, and claims released at once when their holder no longer has a session."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from bot import reminders
from bot.leadership import (
    AlreadyRunning,
    Leadership,
    PostgresLock,
    SqliteFileLock,
    session_name,
    sqlite_file,
    wait_until_active,
    watch,
)
from bot.models import Reminder
from tests.conftest import POSTGRES_URL, _empty_postgres
from tests.factories import add_user

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
def pg(postgres_engine):
    locks: list[PostgresLock] = []

    def lock(worker: str) -> PostgresLock:
        made = PostgresLock(POSTGRES_URL, worker)
        locks.append(made)
        return made

    yield lock
    for made in locks:
        made.release()


@pytest.mark.postgres
def test_one_holder_at_a_time_and_the_next_takes_over_when_it_goes(pg) -> None:
    first, second = pg("host-a:1:aaaaaa"), pg("host-b:2:bbbbbb")
    assert first.try_acquire() is True
    assert second.try_acquire() is False
    assert second.try_acquire() is False  # retrying does not steal it
    assert first.alive() is True

    first.release()  # its session ends, as with a SIGKILL: PostgreSQL releases the lock

    assert _eventually(second.try_acquire)  # the server ends the session a moment later
    assert first.alive() is False


@pytest.mark.postgres
def test_a_standby_waits_then_becomes_active(pg) -> None:
    holder, waiting = pg("host-a:1:aaaaaa"), pg("host-b:2:bbbbbb")
    assert holder.try_acquire()
    leadership = Leadership("host-b:2:bbbbbb")
    assert leadership.state == "starting"
    stop = threading.Event()
    result: list[bool] = []
    thread = threading.Thread(
        target=lambda: result.append(wait_until_active(waiting, leadership, stop, retry=0.05))
    )
    thread.start()
    assert _eventually(lambda: leadership.state == "standby")
    holder.release()
    thread.join(5)
    assert (result, leadership.state) == ([True], "active")


@pytest.mark.postgres
def test_a_stopped_standby_gives_up_waiting(pg) -> None:
    holder, waiting = pg("host-a:1:aaaaaa"), pg("host-b:2:bbbbbb")
    assert holder.try_acquire()
    stop = threading.Event()
    stop.set()
    assert wait_until_active(waiting, Leadership("b"), stop) is False


@pytest.mark.postgres
def test_the_lock_connection_is_named_after_the_worker(pg, postgres_engine) -> None:
    worker = reminders.new_worker_id(host="proxi-1")
    assert pg(worker).try_acquire()
    with postgres_engine.connect() as connection:
        names = connection.execute(text("SELECT application_name FROM pg_stat_activity"))
        assert session_name(worker) in set(names.scalars())


def _claim(engine, worker: str) -> int:
    view = reminders.schedule(
        engine,
        kind="test",
        recipient_id=42,
        due_at=NOW - timedelta(minutes=1),
        dedupe_key=f"leader:{worker}",
        now=NOW,
        urgent=True,
    )
    assert view is not None
    claimed = reminders.claim(engine, reminder_id=view.id, worker=worker, now=NOW)
    assert claimed.outcome == reminders.ClaimOutcome.CLAIMED
    return view.id


@pytest.mark.postgres
def test_claims_of_a_holder_without_a_session_are_released_on_any_host(
    pg, postgres_engine
) -> None:
    engine = postgres_engine
    _empty_postgres(engine)
    add_user(engine, 42)
    me, standby = "proxi-1:10:aaaaaa", "proxi-2:20:bbbbbb"
    dead_elsewhere = "proxi-3:30:cccccc"  # the killed active process, on another machine
    assert pg(me).try_acquire()
    assert not pg(standby).try_acquire()  # a live standby: it has a session
    ids = {w: _claim(engine, w) for w in (me, standby, dead_elsewhere)}

    assert reminders.release_dead(engine, worker=me) == 1

    with Session(engine) as session:
        status = {w: session.get(Reminder, i).status for w, i in ids.items()}
    assert status == {me: "sending", standby: "sending", dead_elsewhere: "pending"}


@pytest.mark.postgres
def test_without_a_session_of_our_own_other_hosts_are_left_to_the_lease(postgres_engine) -> None:
    _empty_postgres(postgres_engine)
    add_user(postgres_engine, 42)
    _claim(postgres_engine, "proxi-3:30:cccccc")
    assert reminders.release_dead(postgres_engine, worker="proxi-1:10:aaaaaa") == 0


def test_a_second_process_on_a_sqlite_file_is_refused_with_one_sentence(tmp_path: Path) -> None:
    database = tmp_path / "proxi.sqlite3"
    first = SqliteFileLock(database)
    first.acquire()
    with pytest.raises(AlreadyRunning) as refused:
        SqliteFileLock(database).acquire()
    assert str(refused.value) == (
        f"Another Proxi process is already using {database} (pid {os.getpid()}); "
        "on SQLite only one may run. Use PostgreSQL for two instances."
    )
    first.release()
    SqliteFileLock(database).acquire()  # free again once the first one is gone


def test_only_sqlite_files_get_a_file_lock(tmp_path: Path) -> None:
    assert sqlite_file(f"sqlite:///{tmp_path}/a.db") == (tmp_path / "a.db").resolve()
    assert sqlite_file("sqlite://") is None
    assert sqlite_file("sqlite:///:memory:") is None
    assert sqlite_file("postgresql+psycopg://u:p@h/db") is None


def _eventually(predicate, timeout: float = 5.0) -> bool:
    done = threading.Event()
    for _ in range(int(timeout / 0.02)):
        if predicate():
            return True
        done.wait(0.02)
    return predicate()


@pytest.mark.postgres
def test_the_watch_reports_a_lost_lock_connection(pg, postgres_engine) -> None:
    worker = "proxi-1:10:aaaaaa"
    lock = pg(worker)
    assert lock.try_acquire()
    lost, stop = threading.Event(), threading.Event()
    watch(lock, lost.set, stop, interval=0.05)
    assert not lost.wait(0.3)  # a working connection is not reported

    with postgres_engine.connect() as connection:  # what a network cut or a DBA does
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = :n"
            ),
            {"n": session_name(worker)},
        )

    assert lost.wait(5)
    stop.set()
