"""Reading every time phrase of a request: fixed phrases first, then patterns."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.search.when.dates import Calendar, When
from bot.search.when.patterns import PATTERNS, Found
from bot.search.when.phrases import match_phrase

_RULES = (match_phrase, *PATTERNS)


def _match(words: Sequence[str], i: int, c: Calendar) -> Found | None:
    """The time phrase starting at ``words[i]``: (number of words, its meaning)."""
    for rule in _RULES:
        found = rule(words, i, c)
        if found is not None:
            return found
    return None


def parse_when(words: Sequence[str], *, now: datetime, tz: ZoneInfo) -> tuple[When, set[int]]:
    """Find every time phrase in normalised ``words``; returns the meaning and word positions."""
    if now.tzinfo is None:
        raise ValueError("parse_when needs an aware 'now'")
    calendar = Calendar(now, tz)
    when, used = When(), set[int]()
    i = 0
    while i < len(words):
        found = _match(words, i, calendar)
        if found is None:
            i += 1
            continue
        length, part = found
        phrase = " ".join(words[i : i + length])
        when = when.merge(When(part.start, part.end, part.weekdays, part.day_parts, (phrase,)))
        used.update(range(i, i + length))
        i += length
    return when, used
