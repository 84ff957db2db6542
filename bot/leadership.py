"""Active and standby: which of the `python -m bot run` processes sharing a database works.

Exactly one process is active: it polls (or serves the webhook), runs the JobQueue and sends
reminders. On PostgreSQL the others wait as standbys: the active one holds a session-level
advisory lock on a dedicated connection (not from the pool, with TCP keepalives both ways so a
dead peer is noticed); a standby retries every `RETRY` seconds. When the active process dies,
PostgreSQL ends its session and releases the lock at once, so a standby takes over within
`RETRY` (plus its start-up). The active process checks its lock connection every `CHECK`
seconds; if it is lost, the lock may already be someone else's, so the process stops at once
with `EXIT_LOST_LEADERSHIP` (a supervisor restarts it, as a standby).

The lock connection is named after the process's worker id (`application_name`), the id its
reminder claims carry: a claim whose holder has no such session is known dead on any host
(`bot.reminders.holders`).

On SQLite only one process may use a database file: an exclusive lock on `<file>.lock`, held
for the life of the process, refuses a second one with one sentence.

`Leadership.state` ("starting", "standby", "active", "stopped") is readable from any thread
(the health endpoint's "active or standby").
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Literal

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import NullPool

logger = logging.getLogger(__name__)

State = Literal["starting", "standby", "active", "stopped"]

ADVISORY_KEY = 0x50524F5849  # "PROXI": the one lock every Proxi process of a database contends
RETRY = 1.0  # seconds between a standby's attempts to take the lock (one tiny query)
CHECK = 2.0  # seconds between the active process's checks of its lock connection
EXIT_LOST_LEADERSHIP = 3  # `python -m bot run` exit code: the lock connection was lost
APP_NAME_PREFIX = "proxi:"
_PG_NAME_MAX = 63  # PostgreSQL truncates application_name to NAMEDATALEN - 1 bytes
# libpq keepalives (the client notices a dead server) and the server's (it notices a dead
# client, e.g. a machine that lost power, and releases its lock): about 5 + 3 × 2 s.
_KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,
    "connect_timeout": 5,
    "options": "-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 "
    "-c tcp_keepalives_count=3 -c statement_timeout=5000",
}


class AlreadyRunning(Exception):
    """Another process already uses this SQLite database file."""


def session_name(worker: str) -> str:
    """The application_name of a worker's lock connection, as PostgreSQL stores it."""
    return (APP_NAME_PREFIX + worker)[:_PG_NAME_MAX]


class Leadership:
    """This process's role, readable from any thread."""

    def __init__(self, worker: str) -> None:
        self.worker = worker
        self._state: State = "starting"
        self._lock = threading.Lock()

    @property
    def state(self) -> State:
        with self._lock:
            return self._state

    def set(self, state: State) -> None:
        with self._lock:
            if state != self._state:
                logger.info("leadership: %s → %s (%s)", self._state, state, self.worker)
            self._state = state


class PostgresLock:
    """The advisory lock on a connection of its own."""

    def __init__(self, url: str, worker: str, *, key: int = ADVISORY_KEY) -> None:
        self._engine = create_engine(
            url,
            poolclass=NullPool,
            connect_args={**_KEEPALIVES, "application_name": session_name(worker)},
        )
        self._key = key
        self._connection: Connection | None = None

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; False if someone does or the database is away."""
        try:
            if self._connection is None:
                self._connection = self._engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT"
                )
            taken = self._connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
            ).scalar_one()
        except Exception as exc:  # the database is down or unreachable: try again later
            logger.warning("leadership: cannot reach the database (%s)", exc)
            self._drop()
            return False
        return bool(taken)

    def alive(self) -> bool:
        """Whether the lock connection still works (then this session still holds the lock)."""
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
        except Exception as exc:
            logger.error("leadership: the lock connection was lost (%s)", exc)
            return False
        return True

    def release(self) -> None:
        """Give the lock back (closing the session releases it too)."""
        self._drop()
        self._engine.dispose()

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.close()
            self._connection = None


class SqliteFileLock:
    """An exclusive lock on `<database>.lock`, held for the life of the process."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".lock")
        self.database = database
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock, or raise AlreadyRunning with the sentence to show."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            handle.close()
            raise AlreadyRunning(
                f"Another Proxi process is already using {self.database} (pid {holder}); "
                "on SQLite only one may run. Use PostgreSQL for two instances."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the file releases the lock
            self._handle = None


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL; None for PostgreSQL or an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    return None if database in ("", ":memory:") else Path(database).expanduser().resolve()


def wait_until_active(
    lock: PostgresLock, leadership: Leadership, stop: threading.Event, *, retry: float = RETRY
) -> bool:
    """Stay standby until the lock is ours (True) or `stop` is set (False)."""
    while not stop.is_set():
        if lock.try_acquire():
            leadership.set("active")
            return True
        leadership.set("standby")
        stop.wait(retry)
    return False


def watch(
    lock: PostgresLock,
    on_lost: Callable[[], None],
    stop: threading.Event,
    *,
    interval: float = CHECK,
) -> threading.Thread:
    """Check the lock connection every `interval` s in a daemon thread; `on_lost` if it fails."""

    def run() -> None:
        while not stop.wait(interval):
            # A failure once `stop` is set is our own release at a clean stop, not a loss.
            if not lock.alive() and not stop.is_set():
                on_lost()
                return

    thread = threading.Thread(target=run, name="leadership-watch", daemon=True)
    thread.start()
    return thread
