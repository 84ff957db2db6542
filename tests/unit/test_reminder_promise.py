"""What an enrolment's confirmation promises, read from the reminder rows planned."""

from datetime import UTC, datetime, timedelta

from bot.reminders import SESSION_DAY_BEFORE, Promise, ReminderView, reminder_promise

NOW = datetime(2026, 11, 25, 21, 0, tzinfo=UTC)


def _row(due_at: datetime, kind: str = SESSION_DAY_BEFORE) -> ReminderView:
    return ReminderView(
        id=1,
        kind=kind,
        dedupe_key="k",
        recipient_id=42,
        due_at=due_at,
        deadline_at=None,
        appointment_id=None,
        session_id=7,
        urgent=False,
        status="pending",
        attempts=0,
        sent_at=None,
        last_error=None,
    )


def test_the_planned_time_is_promised() -> None:
    due = NOW + timedelta(hours=10)
    assert reminder_promise([_row(due)], now=NOW) == Promise("at", due)


def test_a_row_already_due_goes_out_now() -> None:
    assert reminder_promise([_row(NOW - timedelta(hours=1))], now=NOW) == Promise("now")


def test_no_row_no_promise() -> None:
    assert reminder_promise([], now=NOW) == Promise("none")
    assert reminder_promise([_row(NOW, kind="other")], now=NOW) == Promise("none")
