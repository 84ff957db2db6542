"""Quiet hours: non-urgent reminders wait from 21:00 until 08:00, Paris wall time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
QUIET_HOURS = (21, 8)  # non-urgent reminders wait from 21:00 until 08:00 local time


def _quiet(hour: int, quiet_hours: tuple[int, int]) -> bool:
    start, end = quiet_hours
    return hour >= start or hour < end if start > end else start <= hour < end


def quiet_hours_shift(
    moment: datetime, *, tz: ZoneInfo = PARIS, quiet_hours: tuple[int, int] = QUIET_HOURS
) -> datetime:
    """`moment`, or the end of the quiet hours it falls in (local wall time, DST-correct)."""
    local = moment.astimezone(tz)
    if not _quiet(local.hour, quiet_hours):
        return moment
    start, end = quiet_hours
    day = local.date() + timedelta(days=1) if local.hour >= start else local.date()
    return datetime.combine(day, time(end), tzinfo=tz).astimezone(UTC)


def send_time(
    due_at: datetime,
    *,
    now: datetime,
    urgent: bool,
    deadline_at: datetime | None,
    tz: ZoneInfo = PARIS,
    quiet_hours: tuple[int, int] | None = QUIET_HOURS,
) -> datetime:
    """When a reminder should go: non-urgent ones wait for the end of the quiet hours, unless
    that would pass their deadline (then they keep their time)."""
    if urgent or quiet_hours is None:
        return due_at
    moved = quiet_hours_shift(max(due_at, now), tz=tz, quiet_hours=quiet_hours)
    if moved == max(due_at, now) or (deadline_at is not None and moved >= deadline_at):
        return due_at
    return moved
