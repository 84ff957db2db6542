"""Wall-clock arithmetic for availability: local (Europe/Paris) times to UTC, across DST.

Pure functions. A weekly slot is defined in wall time ("Tuesdays 14:00"), so each occurrence is
converted on its own date: the UTC time shifts by an hour at the end of March and October
while the Paris time stays put.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta, tzinfo

logger = logging.getLogger(__name__)


def local_to_utc(day: date, at: time, tz: tzinfo) -> datetime:
    """The UTC instant of wall time `at` on `day` in `tz`.

    A wall time skipped by the spring change (02:30 on the last Sunday of March) resolves to
    the instant an hour later in summer time, like a wall clock moved forward.
    """
    local = datetime.combine(day, at, tzinfo=tz)
    instant = local.astimezone(UTC)
    back = instant.astimezone(tz)
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):  # a non-existent wall time
        instant = (local + timedelta(hours=1)).astimezone(UTC)
    return instant


def local_date(moment: datetime, tz: tzinfo) -> date:
    return moment.astimezone(tz).date()


def next_weekday(weekday: int, at: time, *, now: datetime, tz: tzinfo) -> date:
    """The next date falling on `weekday` (0 = Monday) whose `at` is still ahead of `now`:
    today when it is that day and the time has not come, otherwise the coming week."""
    today = local_date(now, tz)
    ahead = (weekday - today.weekday()) % 7
    day = today + timedelta(days=ahead)
    if local_to_utc(day, at, tz) <= now:
        day += timedelta(days=7)
    return day


def split_range(
    day: date, start: time, end: time, minutes: int, tz: tzinfo
) -> list[tuple[datetime, datetime]]:
    """Consecutive appointments of `minutes` from `start` to `end` (wall times) on `day`, in
    UTC; a remainder shorter than `minutes` is dropped (14:00–17:00 by 45 → 4 slots)."""
    if minutes <= 0:
        raise ValueError("appointment length must be positive")
    first = datetime.combine(day, start)
    last = datetime.combine(day, end)
    step = timedelta(minutes=minutes)
    slots = []
    cursor = first
    while cursor + step <= last:
        slots.append(
            (
                local_to_utc(day, cursor.time(), tz),
                local_to_utc(day, (cursor + step).time(), tz),
            )
        )
        cursor += step
    return slots


def weekly_dates(
    weekday: int, start: time, *, weeks: int, now: datetime, tz: tzinfo
) -> list[date]:
    """`weeks` consecutive dates on `weekday`, from the next one whose start is ahead."""
    first = next_weekday(weekday, start, now=now, tz=tz)
    return [first + timedelta(weeks=week) for week in range(weeks)]
