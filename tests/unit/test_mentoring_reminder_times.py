"""Appointment reminders at the right Paris times: across DST, and out of quiet hours."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.mentoring.reminding import reminder_plan
from bot.reminders import send_time
from tests.unit.test_mentoring_ics import appointment

PARIS = ZoneInfo("Europe/Paris")


def _paris(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def _sent_at(view, kind: str, recipient: int, now: datetime) -> datetime:
    [row] = [
        r
        for r in reminder_plan(view, now=now)
        if r["kind"] == kind and r["recipient_id"] == recipient
    ]
    return send_time(
        row["due_at"], now=now, urgent=row["urgent"], deadline_at=row["deadline_at"], tz=PARIS
    ).astimezone(PARIS)


def test_the_day_before_reminder_keeps_the_wall_clock_hour_across_spring_forward() -> None:
    # Monday 29 March 2027, 14:00 in Paris; clocks went forward on Sunday 28 March.
    view = appointment(
        starts_at=_paris(2027, 3, 29, 14).astimezone(UTC),
        ends_at=_paris(2027, 3, 29, 15).astimezone(UTC),
    )
    now = _paris(2027, 3, 20, 10).astimezone(UTC)
    day_before = _sent_at(view, "appointment_24h", view.learner_id, now)
    one_hour = _sent_at(view, "appointment_1h", view.tutor_user_id, now)
    assert day_before == _paris(2027, 3, 28, 14)
    assert one_hour == _paris(2027, 3, 29, 13)


def test_autumn_back_and_quiet_hours() -> None:
    # Monday 1 November 2027, 21:30 in Paris (clocks went back on Sunday 31 October):
    # 24 h before is 21:30 on Sunday, inside the quiet hours: it waits until 08:00 Monday.
    view = appointment(
        starts_at=_paris(2027, 11, 1, 21, 30).astimezone(UTC),
        ends_at=_paris(2027, 11, 1, 22, 15).astimezone(UTC),
    )
    now = _paris(2027, 10, 25, 10).astimezone(UTC)
    assert _sent_at(view, "appointment_24h", view.learner_id, now) == _paris(2027, 11, 1, 8)
    # The 1 h reminder is urgent: it goes at 20:30 whatever the quiet hours.
    assert _sent_at(view, "appointment_1h", view.learner_id, now) == _paris(2027, 11, 1, 20, 30)


def test_the_tutor_is_reminded_once_per_slot_and_the_learner_per_appointment() -> None:
    view = appointment()
    plan = reminder_plan(view, now=view.starts_at - timedelta(days=3))
    keys = {r["dedupe_key"] for r in plan if r["kind"] == "appointment_24h"}
    assert keys == {
        f"appt:{view.id}:appointment_24h:42",
        f"slot:{view.slot_id}:appointment_24h:900",
    }
