"""A reminder claimed by a process that died is pending again at the next start, at once."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from bot import reminders
from bot.models import Reminder
from tests.factories import add_user

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _dead_pid() -> int:
    """The id of a process that ran here and ended."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def _claimed(engine, user_id: int, worker: str) -> int:
    view = reminders.schedule(
        engine,
        kind="test",
        recipient_id=user_id,
        due_at=NOW - timedelta(minutes=1),
        dedupe_key=f"holder:{worker}",
        now=NOW,
        urgent=True,
    )
    assert view is not None
    result = reminders.claim(engine, reminder_id=view.id, worker=worker, now=NOW)
    assert result.outcome == reminders.ClaimOutcome.CLAIMED
    return view.id


def test_claims_of_dead_runs_on_this_host_are_released(engine) -> None:
    add_user(engine, 42)
    me = reminders.new_worker_id(host="proxi-1")
    host, pid, _ = me.rsplit(":", 2)
    holders = {
        "dead pid": f"{host}:{_dead_pid()}:aaaaaa",
        "previous run, same pid": f"{host}:{pid}:bbbbbb",
        "live process": f"{host}:{os.getppid()}:cccccc",
        "other host": f"proxi-2:{_dead_pid()}:dddddd",
        "this run": me,
        "older format": "somewhere",
    }
    ids = {name: _claimed(engine, 42, worker) for name, worker in holders.items()}

    assert reminders.release_dead(engine, worker=me) == 2

    with Session(engine) as session:
        status = {name: session.get(Reminder, i).status for name, i in ids.items()}
    assert status == {
        "dead pid": "pending",
        "previous run, same pid": "pending",
        "live process": "sending",
        "other host": "sending",
        "this run": "sending",
        "older format": "sending",
    }
    # Released rows are due: the next claim takes them at once, not after the lease.
    again = reminders.claim(engine, reminder_id=ids["dead pid"], worker=me, now=NOW)
    assert again.outcome == reminders.ClaimOutcome.CLAIMED
