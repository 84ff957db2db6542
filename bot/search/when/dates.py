"""When a learner wants a session (:class:`When`), and local-date arithmetic (:class:`Calendar`).

Dates are computed in the display time zone (Europe/Paris): "demain" starts at local
midnight, whatever the season, and the bounds are then converted to aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

EVENING = (17 * 60, 24 * 60)  # "le soir": starting at 17:00 or later
MORNING = (0, 12 * 60)
AFTERNOON = (12 * 60, 17 * 60)


@dataclass(frozen=True, slots=True)
class When:
    """When a learner wants a session to start; every part is optional.

    ``start``/``end`` bound the start time (aware UTC, end exclusive). ``weekdays`` (0 =
    Monday) and ``day_parts`` (local minutes after midnight, [lo, hi)) are alternatives: a
    session qualifies when its local start falls on one of the days and in one of the parts.
    """

    start: datetime | None = None
    end: datetime | None = None
    weekdays: frozenset[int] = frozenset()
    day_parts: tuple[tuple[int, int], ...] = ()
    phrases: tuple[str, ...] = field(default=(), compare=False)

    def accepts(self, starts_at: datetime, tz: ZoneInfo) -> bool:
        """Whether a session starting at ``starts_at`` (aware) fits."""
        if self.start is not None and starts_at < self.start:
            return False
        if self.end is not None and starts_at >= self.end:
            return False
        return self.accepts_local(starts_at.astimezone(tz))

    def accepts_local(self, local: datetime) -> bool:
        """The weekday and time-of-day part of :meth:`accepts`, on a local datetime."""
        if self.weekdays and local.weekday() not in self.weekdays:
            return False
        if self.day_parts:
            minute = local.hour * 60 + local.minute
            return any(lo <= minute < hi for lo, hi in self.day_parts)
        return True

    def merge(self, other: When) -> When:
        """Both constraints: windows intersect, weekdays and day parts add up."""
        starts = [d for d in (self.start, other.start) if d is not None]
        ends = [d for d in (self.end, other.end) if d is not None]
        parts = tuple(dict.fromkeys(self.day_parts + other.day_parts))
        return When(
            max(starts) if starts else None,
            min(ends) if ends else None,
            self.weekdays | other.weekdays,
            parts,
            self.phrases + other.phrases,
        )


# Astronomical seasons, as (month, day) of their first day; close enough for "cet été".
SEASONS = {
    "printemps": (3, 20), "spring": (3, 20), "ete": (6, 21), "summer": (6, 21),
    "automne": (9, 23), "autumn": (9, 23), "fall": (9, 23), "hiver": (12, 21),
    "winter": (12, 21),
}  # fmt: skip
_SEASON_END = {(3, 20): (6, 21), (6, 21): (9, 23), (9, 23): (12, 21), (12, 21): (3, 20)}


class Calendar:
    """Local-date arithmetic for one "now"."""

    def __init__(self, now: datetime, tz: ZoneInfo) -> None:
        self.tz = tz
        self.now = now.astimezone(UTC)
        self.local = now.astimezone(tz)
        self.today = self.local.date()

    def at(self, day: date) -> datetime:
        """Local midnight of ``day``, as aware UTC (midnight exists every day in France)."""
        return datetime.combine(day, time(0), tzinfo=self.tz).astimezone(UTC)

    def days(self, first: date, last_exclusive: date) -> When:
        return When(max(self.at(first), self.now), self.at(last_exclusive))

    def day(self, day: date) -> When:
        """That one day."""
        return self.days(day, day + timedelta(days=1))

    def month(self, month: int, year: int | None) -> tuple[date, date]:
        """First day of the month and of the next; without a year, the next such month."""
        if year is None:
            year = self.today.year if month >= self.today.month else self.today.year + 1
        first = date(year, month, 1)
        return first, date(year + month // 12, month % 12 + 1, 1)

    def season(self, name: str) -> tuple[date, date]:
        """The current season of that name, or the next one."""
        start_md = SEASONS[name]
        end_md = _SEASON_END[start_md]
        for year in (self.today.year - 1, self.today.year, self.today.year + 1):
            first = date(year, *start_md)
            last = date(year + (end_md < start_md), *end_md)
            if self.today < last:
                return first, last
        raise AssertionError("unreachable")  # pragma: no cover

    def monday(self, weeks_ahead: int = 0) -> date:
        return self.today - timedelta(days=self.today.weekday()) + timedelta(weeks=weeks_ahead)

    def next_weekday(self, weekday: int, *, after_today: bool = False) -> date:
        """The coming ``weekday`` (today counts, unless ``after_today``)."""
        if after_today:
            return self.today + timedelta(days=(weekday - self.today.weekday() - 1) % 7 + 1)
        return self.today + timedelta(days=(weekday - self.today.weekday()) % 7)

    def next_season_start(self, name: str) -> date:
        """The first day of the next season of that name, strictly after today."""
        md = SEASONS[name]
        first = date(self.today.year, *md)
        return first if first > self.today else date(self.today.year + 1, *md)
