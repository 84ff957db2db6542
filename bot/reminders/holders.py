"""Who holds a claim: a process id per run, so a restart takes over its dead claims at once.

A worker id is `host:pid:token`, the token new for each run. At start-up, `release_dead`
puts back to `pending` every `sending` row claimed on this host by a process that is gone:
one with our own pid (a previous run: containers restart as pid 1) or a pid that no longer
runs. Those rows are then re-armed and sent at once (at-least-once, as a lease takeover),
instead of waiting for `LEASE`. Claims of other hosts, and of live processes here (another
bot sharing the database), are left to the lease.

On PostgreSQL with leadership (`bot.leadership`), every bot process keeps a session named after
its worker id: a holder with no such session is known dead on any host, and its claims are
released at once too. This applies only when our own session is there (`python -m bot run`),
so tests and tools without leadership keep the rules above.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Callable

from sqlalchemy import select, text, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from bot.db import rowcount, unit_of_work
from bot.leadership import APP_NAME_PREFIX, session_name
from bot.models import Reminder, ReminderStatus

logger = logging.getLogger(__name__)


def new_worker_id(host: str | None = None, pid: int | None = None) -> str:
    """This run's id in claims: host, pid and a token of its own."""
    host = host or socket.gethostname()
    pid = os.getpid() if pid is None else pid
    return f"{host[:80]}:{pid}:{secrets.token_hex(3)}"


def _host_and_pid(worker: str) -> tuple[str, int] | None:
    parts = worker.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return None  # not one of ours (an older format): left to the lease
    return parts[0], int(parts[1])


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else
        return True
    return True


def _dead(holder: str, me: str, alive: Callable[[int], bool]) -> bool:
    ours, theirs = _host_and_pid(me), _host_and_pid(holder)
    if holder == me or ours is None or theirs is None or theirs[0] != ours[0]:
        return False
    return theirs[1] == ours[1] or not alive(theirs[1])


def _live_sessions(session: Session) -> set[str]:
    """application_name of the live Proxi sessions (PostgreSQL; none elsewhere)."""
    if session.get_bind().dialect.name != "postgresql":
        return set()
    names = session.execute(
        text("SELECT application_name FROM pg_stat_activity WHERE application_name LIKE :p"),
        {"p": APP_NAME_PREFIX + "%"},
    ).scalars()
    return set(names)


def release_dead(engine: Engine, *, worker: str, alive: Callable[[int], bool] = pid_alive) -> int:
    """Back to `pending` the claims of dead processes (this host's, or any host's when
    leadership sessions tell who lives); returns how many."""
    with unit_of_work(engine) as session:
        holders = session.scalars(
            select(col(Reminder.claimed_by))
            .where(col(Reminder.status) == ReminderStatus.SENDING)
            .distinct()
        )
        live = _live_sessions(session)
        named = session_name(worker) in live  # we run with leadership: sessions tell who lives
        dead = [
            h
            for h in holders
            if h is not None
            and h != worker
            and (_dead(h, worker, alive) or (named and session_name(h) not in live))
        ]
        if not dead:
            return 0
        released = rowcount(
            session.execute(
                update(Reminder)
                .where(
                    col(Reminder.status) == ReminderStatus.SENDING,
                    col(Reminder.claimed_by).in_(dead),
                )
                .values(status=ReminderStatus.PENDING, claimed_by=None, claimed_at=None)
            )
        )
    logger.warning(
        "%s reminders claimed by processes that died (%s) are pending again: they may have "
        "been sent",
        released,
        ", ".join(dead),
    )
    return released
