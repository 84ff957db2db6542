"""Calendar quarters ("2026Q4") in the display time zone, and their bounds in UTC."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

_QUARTER_RE = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")


@dataclass(frozen=True, slots=True, order=True)
class Quarter:
    """A calendar quarter: `Quarter(2026, 4)` is October to December 2026."""

    year: int
    number: int

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """`2026Q4`, `2026-q4`; ValueError for anything else."""
        match = _QUARTER_RE.match(text)
        if match is None:
            raise ValueError(f"not a quarter (expected e.g. 2026Q4): {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, moment: datetime, tz: ZoneInfo) -> Quarter:
        """The quarter a moment falls in, read on the local calendar (Paris)."""
        local = moment.astimezone(tz)
        return cls(local.year, (local.month - 1) // 3 + 1)

    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    def next(self) -> Quarter:
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) in UTC: local midnight of the quarter's first day to the next one's."""
        following = self.next()
        start = datetime(self.year, 3 * self.number - 2, 1, tzinfo=tz)
        end = datetime(following.year, 3 * following.number - 2, 1, tzinfo=tz)
        return start.astimezone(UTC), end.astimezone(UTC)


def recent_quarters(current: Quarter, count: int) -> list[Quarter]:
    """`current` and the `count - 1` before it, most recent first."""
    found = [current]
    while len(found) < count:
        found.append(found[-1].previous())
    return found
