"""The bot process is SIGKILLed with reminders pending, one falls due while it is down; after a
restart every reminder is delivered exactly once (counted in the sandbox transcript).

The process uses the real clock, so the reminders are due a few seconds ahead of real time.
"""

from __future__ import annotations

import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from bot import reminders
from bot.db import make_engine, upgrade_schema
from bot.models import Enrolment, Reminder
from tests.factories import add_session, add_user

WAIT = 30.0  # generous: a cold interpreter start on a busy CI machine


def _texts(sandbox, chat_id: int, kind: str = "text") -> int:
    return sum(1 for entry in sandbox.bot_messages(chat_id) if entry.kind == kind)


def _plan(engine, session_id: int, user_id: int, due_at: datetime, starts_at: datetime) -> int:
    view = reminders.schedule(
        engine,
        kind=reminders.SESSION_DAY_BEFORE,
        recipient_id=user_id,
        due_at=due_at,
        deadline_at=starts_at,
        session_id=session_id,
        dedupe_key=f"restart:{user_id}",
        now=datetime.now(UTC),
        urgent=True,  # quiet hours would hold it until 08:00 when the test runs at night
    )
    assert view is not None
    return view.id


def test_killed_with_reminders_pending_then_restarted_delivers_each_once(
    sandbox, start_bot, bot_env
) -> None:
    engine = make_engine(bot_env["DATABASE_URL"])
    upgrade_schema(engine)
    before, during, after = 42, 43, 44
    now = datetime.now(UTC)
    starts_at = now + timedelta(days=1)
    session_id = add_session(engine, now=now, starts_in=starts_at - now)
    for user_id in (before, during, after):
        sandbox.user(user_id, f"Learner {user_id}")
        add_user(engine, user_id)
    with Session(engine) as session:
        session.add_all(
            Enrolment(session_id=session_id, user_id=u, status="enrolled")
            for u in (before, during, after)
        )
        session.commit()
    t0 = time.time()
    due = {before: 2.0, during: 10.0, after: 16.0}  # seconds after t0
    ids = {
        user_id: _plan(engine, session_id, user_id, now + timedelta(seconds=s), starts_at)
        for user_id, s in due.items()
    }

    first = start_bot()

    # Killed between two reminders: the first delivered and recorded as sent. (Killed between
    # Telegram's answer and that record, a reminder goes again: the next test's case.)
    def first_recorded() -> bool:
        with Session(engine) as session:
            row = session.get(Reminder, ids[before])
            return row is not None and row.status == "sent"

    done = sandbox.wait_for(lambda: _texts(sandbox, before) == 1 and first_recorded(), WAIT)
    assert done, first.output()
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(WAIT)
    killed_at = time.time() - t0
    assert killed_at < due[during] - 1, f"the bot took {killed_at:.1f} s to start: too slow"
    assert (_texts(sandbox, during), _texts(sandbox, after)) == (0, 0)

    # Wall-clock time must pass for the second reminder to fall due while the bot is down.
    time.sleep(max(0.0, t0 + due[during] + 0.5 - time.time()))
    second = start_bot()
    delivered = sandbox.wait_for(
        lambda: _texts(sandbox, during) >= 1 and _texts(sandbox, after) >= 1, WAIT
    )
    assert delivered, second.output()
    assert second.stop() == 0, second.output()

    assert [_texts(sandbox, u) for u in (before, during, after)] == [1, 1, 1]
    with Session(engine) as session:
        rows = [session.get(Reminder, ids[u]) for u in (before, during, after)]
        assert [(r.status, r.attempts) for r in rows] == [("sent", 1)] * 3
    engine.dispose()
    assert "Traceback" not in first.output() + second.output()


def test_a_claim_held_by_a_process_that_died_is_sent_at_the_next_start(
    sandbox, start_bot, bot_env
) -> None:
    """Killed between the claim and Telegram's answer: the row stays `sending`. The next start
    on this host knows its holder is gone and sends it at once, not after the 5-minute lease."""
    engine = make_engine(bot_env["DATABASE_URL"])
    upgrade_schema(engine)
    now = datetime.now(UTC)
    session_id = add_session(engine, now=now, starts_in=timedelta(days=1))
    sandbox.user(42, "Learner 42")
    add_user(engine, 42)
    with Session(engine) as session:
        session.add(Enrolment(session_id=session_id, user_id=42, status="enrolled"))
        session.commit()
    reminder_id = _plan(engine, session_id, 42, now, now + timedelta(days=1))
    gone = subprocess.Popen(["true"])
    gone.wait()
    holder = reminders.new_worker_id(pid=gone.pid)
    claimed = reminders.claim(engine, reminder_id=reminder_id, worker=holder, now=now)
    assert claimed.outcome == reminders.ClaimOutcome.CLAIMED

    bot = start_bot()
    started = time.monotonic()
    assert sandbox.wait_for(lambda: _texts(sandbox, 42) == 1, WAIT), bot.output()
    assert time.monotonic() - started < reminders.LEASE.total_seconds()
    assert bot.stop() == 0, bot.output()
    with Session(engine) as session:
        row = session.get(Reminder, reminder_id)
        assert (row.status, row.attempts) == ("sent", 2)
    engine.dispose()
    assert "claimed by processes that died" in bot.output()
