"""LHEO dates: `AAAAMMJJ`, `AAAAMM00` (month known), `AAAA0000` (year known), `00000000`
(unknown) and `99999999` (open end), as `periode/debut|fin` defines them."""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import date

logger = logging.getLogger(__name__)

UNKNOWN, OPEN_END = "00000000", "99999999"


@dataclass(frozen=True, slots=True)
class LheoDate:
    """A day read from LHEO; `precision` is "day", "month" or "year"."""

    day: date
    precision: str = "day"


def read_date(text: str | None, *, end: bool) -> LheoDate | None:
    """The day a `debut` (first day of a month or year) or `fin` (last day) stands for;
    None for unknown, open-ended or malformed values (told apart by `kind_of`)."""
    if text is None or len(text) != 8 or not text.isdigit() or text in (UNKNOWN, OPEN_END):
        return None
    year, month, day = int(text[:4]), int(text[4:6]), int(text[6:])
    precision = "day"
    if month == 0:
        month, day, precision = (12, 31, "year") if end else (1, 1, "year")
    elif day == 0:
        day, precision = (calendar.monthrange(year, month)[1] if end else 1), "month"
    try:
        return LheoDate(date(year, month, day), precision)
    except ValueError:
        return None


def kind_of(text: str | None) -> str:
    """ "missing", "unknown" (00000000), "open" (99999999), "bad" or "date"."""
    if not text:
        return "missing"
    if text == UNKNOWN:
        return "unknown"
    if text == OPEN_END:
        return "open"
    return "bad" if read_date(text, end=False) is None else "date"
