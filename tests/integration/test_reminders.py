"""Reminders as rows: idempotent planning, quiet hours across DST, one claim per row under
concurrency, expiry, retries, cancellation. On SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from bot import reminders
from bot.db import make_engine
from bot.models import Appointment, AvailabilitySlot, Enrolment, Reminder, Tutor
from bot.reminders import ClaimOutcome
from tests.factories import add_session, add_user

PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def plan(engine, now, *, key="k1", due_at=None, user_id=42, **kwargs):
    add_user(engine, user_id)
    return reminders.schedule(
        engine,
        kind=kwargs.pop("kind", "test"),
        recipient_id=user_id,
        due_at=due_at or now + timedelta(hours=2),
        dedupe_key=key,
        now=now,
        **kwargs,
    )


def row(engine, reminder_id) -> Reminder:
    with Session(engine) as session:
        return session.get(Reminder, reminder_id)


def add_appointment(engine, *, learner_id: int, starts_at: datetime) -> int:
    with Session(engine) as session:
        tutor = Tutor(name="Tutor")
        session.add(tutor)
        session.flush()
        slot = AvailabilitySlot(
            tutor_id=tutor.id, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=45)
        )
        session.add(slot)
        session.flush()
        appointment = Appointment(
            slot_id=slot.id,
            learner_id=learner_id,
            tutor_id=tutor.id,
            status="confirmed",
            ics_uid=f"uid-{slot.id}",
        )
        session.add(appointment)
        session.commit()
        return appointment.id


# -- planning ------------------------------------------------------------------------------


def test_planning_twice_keeps_one_row_and_moves_a_pending_one(engine, clock) -> None:
    now = clock.now()  # 10:00 in Paris
    first = plan(engine, now, due_at=now + timedelta(hours=2))
    again = plan(engine, now, due_at=now + timedelta(hours=2))
    moved = plan(engine, now, due_at=now + timedelta(hours=3))
    assert first.id == again.id == moved.id
    assert moved.due_at == now + timedelta(hours=3)
    assert [r.id for r in reminders.pending(engine)] == [first.id]


def test_a_sent_reminder_is_left_alone_when_planned_again(engine, clock) -> None:
    now = clock.now()
    view = plan(engine, now, due_at=now)
    assert reminders.claim(engine, reminder_id=view.id, worker="w", now=now).outcome == "claimed"
    assert reminders.mark_sent(engine, reminder_id=view.id, now=now, worker="w")
    again = plan(engine, now, due_at=now + timedelta(hours=5))
    assert (again.status, again.due_at) == ("sent", now)
    assert reminders.pending(engine) == []


def test_planning_again_revives_a_cancelled_reminder(engine, clock) -> None:
    now = clock.now()
    add_user(engine, 42)
    appointment_id = add_appointment(engine, learner_id=42, starts_at=now + timedelta(days=2))
    view = plan(engine, now, appointment_id=appointment_id)
    assert reminders.cancel_for(engine, appointment_id=appointment_id) == [view.id]
    revived = plan(engine, now, appointment_id=appointment_id, due_at=now + timedelta(days=1))
    assert (revived.id, revived.status, revived.attempts) == (view.id, "pending", 0)


def test_nothing_is_planned_once_the_deadline_passed(engine, clock) -> None:
    now = clock.now()
    assert plan(engine, now, due_at=now - timedelta(hours=2), deadline_at=now) is None
    assert reminders.pending(engine) == []


def test_a_late_but_useful_reminder_is_due_at_once(engine, clock) -> None:
    now = clock.now()
    view = plan(engine, now, due_at=now - timedelta(minutes=30), deadline_at=now + timedelta(1))
    assert reminders.due_pending(engine, now=now, limit=10) == [view.id]


# -- quiet hours, in Paris, across daylight saving -------------------------------------------


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (paris(2026, 11, 25, 20, 59), paris(2026, 11, 25, 20, 59)),
        (paris(2026, 11, 25, 21, 0), paris(2026, 11, 26, 8, 0)),
        (paris(2026, 11, 25, 23, 30), paris(2026, 11, 26, 8, 0)),
        (paris(2026, 11, 26, 6, 15), paris(2026, 11, 26, 8, 0)),
        (paris(2026, 11, 26, 8, 0), paris(2026, 11, 26, 8, 0)),
        # Saturday 27 March 2027, 22:00 CET: the night the clocks go forward; 08:00 is CEST.
        (paris(2027, 3, 27, 22, 0), datetime(2027, 3, 28, 6, 0, tzinfo=UTC)),
        (datetime(2027, 3, 28, 1, 30, tzinfo=UTC), datetime(2027, 3, 28, 6, 0, tzinfo=UTC)),
        # Saturday 30 October 2027, 22:00 CEST: the night the clocks go back; 08:00 is CET.
        (paris(2027, 10, 30, 22, 0), datetime(2027, 10, 31, 7, 0, tzinfo=UTC)),
        (datetime(2027, 10, 31, 1, 30, tzinfo=UTC), datetime(2027, 10, 31, 7, 0, tzinfo=UTC)),
    ],
)
def test_non_urgent_reminders_wait_for_8_in_paris(engine, due, expected) -> None:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    view = plan(engine, now, due_at=due)
    assert view.due_at == expected
    urgent = plan(engine, now, key="urgent", due_at=due, urgent=True)
    assert urgent.due_at == due


def test_quiet_hours_never_push_a_reminder_past_its_deadline(engine) -> None:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    # An appointment at 07:30: its 1-hour reminder (06:30) cannot wait for 08:00.
    due, deadline = paris(2026, 11, 26, 6, 30), paris(2026, 11, 26, 7, 30)
    assert plan(engine, now, due_at=due, deadline_at=deadline).due_at == due


def test_a_late_reminder_planned_at_night_waits_for_the_morning(engine) -> None:
    now = paris(2026, 11, 25, 23, 0)
    view = plan(engine, now, due_at=now - timedelta(hours=1), deadline_at=now + timedelta(2))
    assert view.due_at == paris(2026, 11, 26, 8, 0)


def test_due_during_the_quiet_hours_is_postponed_at_claim_time(engine) -> None:
    planned_at = paris(2026, 11, 25, 20, 0)
    retry = plan(engine, planned_at, key="retry", due_at=paris(2026, 11, 25, 20, 30))
    urgent = plan(engine, planned_at, key="u", due_at=planned_at, urgent=True)
    tight = plan(
        engine, planned_at, key="t", due_at=planned_at, deadline_at=paris(2026, 11, 26, 7, 0)
    )
    night = paris(2026, 11, 25, 21, 40)  # e.g. the bot was down from 20:25 to 21:40
    result = reminders.claim(engine, reminder_id=retry.id, worker="w", now=night)
    assert result.outcome is ClaimOutcome.POSTPONED
    assert result.reminder.due_at == paris(2026, 11, 26, 8, 0)
    assert row(engine, retry.id).status == "pending"
    assert reminders.claim(engine, reminder_id=urgent.id, worker="w", now=night).outcome == (
        "claimed"
    )
    assert reminders.claim(engine, reminder_id=tight.id, worker="w", now=night).outcome == (
        "claimed"
    )
    morning = paris(2026, 11, 26, 8, 0)
    assert reminders.claim(engine, reminder_id=retry.id, worker="w", now=morning).outcome == (
        "claimed"
    )


# -- claiming ----------------------------------------------------------------------------------


def test_twenty_threads_claiming_one_reminder_one_wins(engine, clock) -> None:
    now = clock.now()
    view = plan(engine, now, due_at=now)
    barrier = threading.Barrier(20)

    def attempt(worker: int) -> str:
        barrier.wait()
        return reminders.claim(engine, reminder_id=view.id, worker=f"w{worker}", now=now).outcome

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = Counter(pool.map(attempt, range(20)))
    assert outcomes == {"claimed": 1, "skipped": 19}
    stored = row(engine, view.id)
    assert (stored.status, stored.attempts) == ("sending", 1)


def test_two_processes_sweeping_500_due_reminders_claim_each_once(engine, clock) -> None:
    now = clock.now()
    add_user(engine, 42)
    with Session(engine) as session:
        session.add_all(
            Reminder(kind="test", dedupe_key=f"bulk:{i}", recipient_id=42, due_at=now)
            for i in range(500)
        )
        session.commit()
    # A second engine on the same database, as a second bot process would have.
    other = make_engine(engine.url.render_as_string(hide_password=False))
    claimed: dict[str, list[int]] = {"a": [], "b": []}

    def worker(name: str, db) -> None:
        while ids := reminders.due_pending(db, now=now, limit=50):
            for reminder_id in ids:
                result = reminders.claim(db, reminder_id=reminder_id, worker=name, now=now)
                if result.outcome is ClaimOutcome.CLAIMED:
                    claimed[name].append(reminder_id)
                    reminders.mark_sent(db, reminder_id=reminder_id, now=now, worker=name)

    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(worker, ["a", "b"], [engine, other]))
    finally:
        other.dispose()
    everything = claimed["a"] + claimed["b"]
    assert len(everything) == 500
    assert len(set(everything)) == 500
    assert claimed["a"] and claimed["b"], "both workers should have taken a share"


def test_not_due_yet_is_not_claimed(engine, clock) -> None:
    now = clock.now()
    view = plan(engine, now, due_at=now + timedelta(minutes=1))
    assert reminders.claim(engine, reminder_id=view.id, worker="w", now=now).outcome == "skipped"


def test_past_its_deadline_it_expires_instead_of_being_sent(engine, clock) -> None:
    now = clock.now()
    start = now + timedelta(hours=1)
    view = plan(engine, now, due_at=now, deadline_at=start)
    later = start + timedelta(minutes=1)  # the bot was down until after the appointment began
    result = reminders.claim(engine, reminder_id=view.id, worker="w", now=later)
    assert result.outcome is ClaimOutcome.EXPIRED
    assert row(engine, view.id).status == "expired"


def test_expire_overdue_marks_only_useless_pending_ones(engine, clock) -> None:
    now = clock.now()
    useless = plan(engine, now, key="a", due_at=now, deadline_at=now + timedelta(minutes=5))
    useful = plan(engine, now, key="b", due_at=now, deadline_at=now + timedelta(hours=5))
    open_ended = plan(engine, now, key="c", due_at=now)
    assert reminders.expire_overdue(engine, now=now + timedelta(hours=1)) == 1
    statuses = {v.id: row(engine, v.id).status for v in (useless, useful, open_ended)}
    assert statuses == {useless.id: "expired", useful.id: "pending", open_ended.id: "pending"}


def test_a_claim_left_by_a_dead_process_is_taken_over_after_the_lease(engine, clock) -> None:
    now = clock.now()
    view = plan(engine, now, due_at=now)
    assert (
        reminders.claim(engine, reminder_id=view.id, worker="dead", now=now).outcome == "claimed"
    )
    soon = now + reminders.LEASE - timedelta(seconds=1)
    assert reminders.due_pending(engine, now=soon, limit=10) == []
    assert (
        reminders.claim(engine, reminder_id=view.id, worker="new", now=soon).outcome == "skipped"
    )
    after = now + reminders.LEASE
    assert reminders.due_pending(engine, now=after, limit=10) == [view.id]
    result = reminders.claim(engine, reminder_id=view.id, worker="new", now=after)
    assert result.outcome is ClaimOutcome.CLAIMED
    assert result.reminder.attempts == 2
    # The dead process cannot book it any more; the new owner can.
    assert not reminders.mark_sent(engine, reminder_id=view.id, now=after, worker="dead")
    assert reminders.mark_sent(engine, reminder_id=view.id, now=after, worker="new")


def test_claim_tells_the_recipient_language_and_whether_they_blocked_the_bot(
    engine, clock
) -> None:
    now = clock.now()
    add_user(engine, 7, language="en")
    view = plan(engine, now, user_id=7, due_at=now)
    result = reminders.claim(engine, reminder_id=view.id, worker="w", now=now)
    assert (result.language, result.recipient_active) == ("en", True)


# -- retries and failures ---------------------------------------------------------------------


def test_transient_errors_retry_with_backoff_then_fail(engine, clock) -> None:
    now = clock.now()
    view = plan(engine, now, due_at=now)
    moment = now
    for attempt in range(1, reminders.MAX_ATTEMPTS):
        result = reminders.claim(engine, reminder_id=view.id, worker="w", now=moment)
        assert (result.outcome, result.reminder.attempts) == ("claimed", attempt)
        delay = reminders.retry_delay(attempt)
        assert delay == reminders.BACKOFF[attempt - 1]
        released = reminders.release_for_retry(
            engine, reminder_id=view.id, retry_at=moment + delay, error="timed out", worker="w"
        )
        assert (released.status, released.due_at) == ("pending", moment + delay)
        assert reminders.claim(engine, reminder_id=view.id, worker="w", now=moment).outcome == (
            "skipped"
        )
        moment += delay
    assert reminders.claim(engine, reminder_id=view.id, worker="w", now=moment).outcome == (
        "claimed"
    )
    assert reminders.retry_delay(reminders.MAX_ATTEMPTS) is None
    gone = reminders.release_for_retry(
        engine, reminder_id=view.id, retry_at=moment, error="timed out", worker="w"
    )
    assert gone is None
    stored = row(engine, view.id)
    assert (stored.status, stored.attempts, stored.last_error) == (
        "failed",
        reminders.MAX_ATTEMPTS,
        "timed out",
    )


def test_mark_failed_is_final(engine, clock) -> None:
    now = clock.now()
    view = plan(engine, now, due_at=now)
    reminders.claim(engine, reminder_id=view.id, worker="w", now=now)
    assert reminders.mark_failed(engine, reminder_id=view.id, error="bad request", worker="w")
    assert reminders.due_pending(engine, now=now + timedelta(days=1), limit=10) == []


# -- cancelling ------------------------------------------------------------------------------


def test_cancel_for_an_appointment_or_a_session(engine, clock) -> None:
    now = clock.now()
    add_user(engine, 42)
    add_user(engine, 43)
    appointment_id = add_appointment(engine, learner_id=42, starts_at=now + timedelta(days=2))
    session_id = add_session(engine, now=now)
    day = plan(engine, now, key="a24", kind="appointment_24h", appointment_id=appointment_id)
    hour = plan(engine, now, key="a1", kind="appointment_1h", appointment_id=appointment_id)
    sent = plan(engine, now, key="a0", due_at=now, appointment_id=appointment_id)
    reminders.claim(engine, reminder_id=sent.id, worker="w", now=now)
    reminders.mark_sent(engine, reminder_id=sent.id, now=now, worker="w")
    anne = plan(engine, now, key="s42", session_id=session_id)
    bob = plan(engine, now, key="s43", user_id=43, session_id=session_id)

    only_hour = reminders.cancel_for(
        engine, appointment_id=appointment_id, kinds=["appointment_1h"]
    )
    assert only_hour == [hour.id]
    assert reminders.cancel_for(engine, appointment_id=appointment_id) == [day.id]
    assert reminders.cancel_for(engine, session_id=session_id, recipient_id=43) == [bob.id]
    assert [r.id for r in reminders.pending(engine)] == [anne.id]
    assert row(engine, sent.id).status == "sent"
    with pytest.raises(ValueError):
        reminders.cancel_for(engine)


# -- the day before a training session -----------------------------------------------------


def _enrol(engine, session_id: int, user_id: int, status: str = "enrolled") -> None:
    add_user(engine, user_id)
    with Session(engine) as session:
        session.add(Enrolment(session_id=session_id, user_id=user_id, status=status))
        session.commit()


def test_session_day_before_goes_to_enrolled_learners_24_hours_before(engine, clock) -> None:
    now = clock.now()
    session_id = add_session(engine, now=now, starts_in=timedelta(days=3))
    _enrol(engine, session_id, 42)
    _enrol(engine, session_id, 43)
    _enrol(engine, session_id, 44, status="waiting")
    planned = reminders.schedule_session_day_before(engine, session_id=session_id, now=now)
    assert sorted(v.recipient_id for v in planned) == [42, 43]
    starts_at = now + timedelta(days=3)
    assert {(v.due_at, v.deadline_at, v.kind) for v in planned} == {
        (starts_at - timedelta(hours=24), starts_at, "session_day_before")
    }
    # Planning again (a new enrolment, a moved session) does not duplicate anything.
    reminders.schedule_session_day_before(engine, session_id=session_id, now=now)
    assert len(reminders.pending(engine)) == 2


def test_session_day_before_across_the_spring_clock_change(engine) -> None:
    now = datetime(2027, 3, 1, tzinfo=UTC)
    # Sunday 28 March 2027, 10:00 CEST; 24 hours earlier is Saturday 09:00 CET.
    starts_at = paris(2027, 3, 28, 10, 0)
    session_id = add_session(engine, now=now, starts_in=starts_at - now)
    _enrol(engine, session_id, 42)
    [view] = reminders.schedule_session_day_before(engine, session_id=session_id, now=now)
    assert view.due_at.astimezone(PARIS) == paris(2027, 3, 27, 9, 0)
    # Sunday 31 October 2027, 07:30 CET: 24 hours earlier is 08:30 CEST, not in quiet hours.
    early = paris(2027, 10, 31, 7, 30)
    autumn = add_session(engine, now=now, starts_in=early - now)
    _enrol(engine, autumn, 43)
    [view] = reminders.schedule_session_day_before(engine, session_id=autumn, now=now)
    assert view.due_at.astimezone(PARIS) == paris(2027, 10, 30, 8, 30)


def test_session_day_before_for_an_evening_session_waits_for_the_morning(engine) -> None:
    now = datetime(2027, 3, 1, tzinfo=UTC)
    starts_at = paris(2027, 3, 29, 21, 30)
    session_id = add_session(engine, now=now, starts_in=starts_at - now)
    _enrol(engine, session_id, 42)
    [view] = reminders.schedule_session_day_before(engine, session_id=session_id, now=now)
    assert view.due_at.astimezone(PARIS) == paris(2027, 3, 29, 8, 0)
