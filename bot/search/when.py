"""Time phrases of a request ("en mars", "la semaine prochaine", "le samedi", "le soir").

:func:`parse_when` reads normalised words (see :func:`bot.search.topics.normalize`; function
words kept, since "la semaine prochaine" needs them) and returns a :class:`When` plus the
positions of the words it used. Dates are computed in the display time zone (Europe/Paris):
"demain" starts at local midnight, whatever the season, and the bounds are then converted to
aware UTC datetimes. Pure: "now" is always passed in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["When", "parse_when"]

logger = logging.getLogger(__name__)

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

    @property
    def is_any(self) -> bool:
        """True when the request says nothing about time."""
        return self.start is None and self.end is None and not self.weekdays and not self.day_parts

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


# --- calendar vocabulary ----------------------------------------------------------------------

_MONTH_NAMES_FR = (
    "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre"
)
_MONTH_NAMES_EN = (
    "january february march april may june july august september october november december"
)
_MONTH_SHORT = (
    "janv:1 fev:2 fevr:2 avr:4 juil:7 sept:9 oct:10 nov:11 jan:1 feb:2 apr:4 jun:6 jul:7 aug:8 "
    "sep:9 dec:12"
)
_MONTHS = {
    **{m: i for i, m in enumerate(_MONTH_NAMES_FR.split(), 1)},
    **{m: i for i, m in enumerate(_MONTH_NAMES_EN.split(), 1)},
    **{k: int(v) for k, v in (pair.split(":") for pair in _MONTH_SHORT.split())},
}
# English "may" is a verb too, and short forms are words ("dec", "oct", "sept" is seven): a
# month only after a preposition or before a year.
_BARE_MONTH_UNSAFE = frozenset({"may"} | {pair.split(":")[0] for pair in _MONTH_SHORT.split()})
_WEEKDAY_NAMES = "lundi mardi mercredi jeudi vendredi samedi dimanche"
_WEEKDAY_NAMES_EN = "monday tuesday wednesday thursday friday saturday sunday"
_WEEKDAYS = {
    **{d: i for i, d in enumerate(_WEEKDAY_NAMES.split())},
    **{d: i for i, d in enumerate(_WEEKDAY_NAMES_EN.split())},
}
_NUMBERS = {
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "huit": 8,
    "dix": 10, "quinze": 15, "one": 1, "two": 2, "three": 3, "four": 4, "a": 1,
}  # fmt: skip
_UNITS_DAYS = {
    "jour": 1, "jours": 1, "day": 1, "days": 1, "semaine": 7, "semaines": 7, "week": 7,
    "weeks": 7, "mois": 30, "month": 30, "months": 30,
}  # fmt: skip
# Astronomical seasons, as (month, day) of their first day; close enough for "cet été".
_SEASONS = {
    "printemps": (3, 20), "spring": (3, 20), "ete": (6, 21), "summer": (6, 21),
    "automne": (9, 23), "autumn": (9, 23), "fall": (9, 23), "hiver": (12, 21),
    "winter": (12, 21),
}  # fmt: skip
_SEASON_END = {(3, 20): (6, 21), (6, 21): (9, 23), (9, 23): (12, 21), (12, 21): (3, 20)}


def _alternatives(text: str) -> list[tuple[str, ...]]:
    """ "a b|c" → [("a", "b"), ("c",)], longest first."""
    return sorted((tuple(p.split()) for p in text.split("|")), key=len, reverse=True)


_SEASON_PREFIXES = _alternatives("cet|ce|l|en|au|pendant l|durant l|this|in|in the|during the")
_SEASON_BEFORE = _alternatives("avant l|avant le|avant cet|d ici l|before|before the")
# Words before a month name, longest first, and what they make of the month.
_MONTH_PREFIXES = sorted(
    (
        (prefix, kind)
        for kind, phrases in (
            ("month", "au mois de|au mois d|courant|en|in|during"),
            ("early", "debut|early"),
            ("mid", "mi|mid"),
            ("late", "fin|late"),
            ("until_end", "avant fin|avant la fin de|d ici|d ici fin|by the end of"),
            ("before", "avant|before"),
            ("from", "a partir de|a partir d|des|from|starting"),
            ("after", "apres|after"),
        )
        for prefix in _alternatives(phrases)
    ),
    key=lambda item: len(item[0]),
    reverse=True,
)


def _plural(word: str) -> str:
    return word[:-1] if word.endswith("s") and word[:-1] in _WEEKDAYS else word


class _Calendar:
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

    def month(self, month: int, year: int | None) -> tuple[date, date]:
        """First day of the month and of the next; without a year, the next such month."""
        if year is None:
            year = self.today.year if month >= self.today.month else self.today.year + 1
        first = date(year, month, 1)
        return first, date(year + month // 12, month % 12 + 1, 1)

    def season(self, name: str) -> tuple[date, date]:
        """The current season of that name, or the next one."""
        start_md = _SEASONS[name]
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
        md = _SEASONS[name]
        first = date(self.today.year, *md)
        return first if first > self.today else date(self.today.year + 1, *md)


# --- phrases ----------------------------------------------------------------------------------

Rule = Callable[[_Calendar], When]
_PHRASES: dict[tuple[str, ...], Rule] = {}


def _phrases(*texts: str) -> Callable[[Rule], Rule]:
    def register(rule: Rule) -> Rule:
        for text in texts:
            _PHRASES[tuple(text.split())] = rule
        return rule

    return register


@_phrases("aujourd hui", "today", "ce jour")
def _today(c: _Calendar) -> When:
    return c.days(c.today, c.today + timedelta(days=1))


@_phrases("ce soir", "tonight", "this evening")
def _tonight(c: _Calendar) -> When:
    return When(c.now, c.at(c.today + timedelta(days=1)), day_parts=(EVENING,))


@_phrases("demain", "tomorrow")
def _tomorrow(c: _Calendar) -> When:
    return c.days(c.today + timedelta(days=1), c.today + timedelta(days=2))


@_phrases("apres demain", "day after tomorrow")
def _after_tomorrow(c: _Calendar) -> When:
    return c.days(c.today + timedelta(days=2), c.today + timedelta(days=3))


@_phrases("cette semaine", "dans la semaine", "this week", "sous huitaine")
def _this_week(c: _Calendar) -> When:
    return c.days(c.today, c.monday(1))


@_phrases("la semaine prochaine", "semaine prochaine", "la semaine d apres", "next week")
def _next_week(c: _Calendar) -> When:
    return c.days(c.monday(1), c.monday(2))


@_phrases("ce week end", "ce weekend", "ce we", "this weekend", "this week end")
def _this_weekend(c: _Calendar) -> When:
    return c.days(max(c.monday() + timedelta(days=5), c.today), c.monday(1))


@_phrases("le week end prochain", "week end prochain", "le weekend prochain",
          "weekend prochain", "next weekend")  # fmt: skip
def _next_weekend(c: _Calendar) -> When:
    # On a weekday, "le week-end prochain" is the coming one; at the weekend, the next one.
    weeks = 1 if c.today.weekday() >= 5 else 0
    return c.days(c.monday(weeks) + timedelta(days=5), c.monday(weeks + 1))


@_phrases("le week end", "les week end", "week end", "weekend", "weekends", "le weekend",
          "les weekends", "on weekends", "at the weekend", "at weekends", "le we")  # fmt: skip
def _weekends(c: _Calendar) -> When:
    return When(weekdays=frozenset({5, 6}))


@_phrases("en semaine", "du lundi au vendredi", "weekdays", "on weekdays", "during the week")
def _weekdays(c: _Calendar) -> When:
    return When(weekdays=frozenset(range(5)))


@_phrases("ce mois", "ce mois ci", "dans le mois", "this month", "d ici la fin du mois")
def _this_month(c: _Calendar) -> When:
    first, after = c.month(c.today.month, c.today.year)
    return c.days(first, after)


@_phrases("le mois prochain", "mois prochain", "next month", "le mois d apres")
def _next_month(c: _Calendar) -> When:
    _, first = c.month(c.today.month, c.today.year)
    return c.days(*c.month(first.month, first.year))


@_phrases("le soir", "les soirs", "soir", "soirs", "en soiree", "soiree", "soirees",
          "apres le travail", "apres le boulot", "apres mon travail", "apres le taf",
          "evening", "evenings", "in the evening", "in the evenings", "after work")  # fmt: skip
def _evening(c: _Calendar) -> When:
    return When(day_parts=(EVENING,))


@_phrases("le matin", "les matins", "matin", "matins", "en matinee", "matinee", "matinees",
          "morning", "mornings", "in the morning", "in the mornings")  # fmt: skip
def _morning(c: _Calendar) -> When:
    return When(day_parts=(MORNING,))


@_phrases("l apres midi", "les apres midi", "apres midi", "aprem", "en debut d apres midi",
          "afternoon", "afternoons", "in the afternoon", "in the afternoons")  # fmt: skip
def _afternoon(c: _Calendar) -> When:
    return When(day_parts=(AFTERNOON,))


# --- parsing ----------------------------------------------------------------------------------

_MAX_PHRASE = max(len(p) for p in _PHRASES)


def _number(word: str) -> int | None:
    if word.isdigit() and len(word) <= 2:
        return int(word)
    return _NUMBERS.get(word)


def _year(words: Sequence[str], i: int) -> int | None:
    if i < len(words) and len(words[i]) == 4 and words[i].isdigit():
        year = int(words[i])
        if 2000 <= year <= 2099:
            return year
    return None


def _match(words: Sequence[str], i: int, c: _Calendar) -> tuple[int, When] | None:
    """The longest time phrase starting at ``words[i]``: (number of words, its meaning)."""
    n = len(words)
    for length in range(min(_MAX_PHRASE, n - i), 0, -1):
        rule = _PHRASES.get(tuple(words[i : i + length]))
        if rule is not None:
            return length, rule(c)
    w = words[i]
    nxt = words[i + 1] if i + 1 < n else ""

    # Seasons: "cet été", "avant l'été", "summer". A bare "été" is also "been" (j'ai été).
    for prefix in _SEASON_PREFIXES:
        k = len(prefix)
        if tuple(words[i : i + k]) == prefix and i + k < n and words[i + k] in _SEASONS:
            return k + 1, c.days(*c.season(words[i + k]))
    if w in _SEASONS and w != "ete":
        return 1, c.days(*c.season(w))
    for before in _SEASON_BEFORE:
        k = len(before)
        if tuple(words[i : i + k]) == before and i + k < n and words[i + k] in _SEASONS:
            return k + 1, When(c.now, c.at(c.next_season_start(words[i + k])))

    # Months: "en mars", "mars 2027", "le 15 mars", "début avril", "avant mai", "in March".
    lead = 0
    mode = "month"
    for prefix, kind in _MONTH_PREFIXES:
        k = len(prefix)
        if tuple(words[i : i + k]) == prefix and i + k < n and words[i + k] in _MONTHS:
            lead, mode = k, kind
            break
    day = int(w) if lead == 0 and w.isdigit() and len(w) <= 2 else None
    if day is not None and 1 <= day <= 31 and nxt in _MONTHS:
        lead, mode = 1, "day"
    j = i + lead
    if j < n and words[j] in _MONTHS:
        month = _MONTHS[words[j]]
        year = _year(words, j + 1)
        if lead == 0 and year is None and words[j] in _BARE_MONTH_UNSAFE:
            return None
        used = lead + 1 + (year is not None)
        if j + 1 + (year is not None) < n and words[j + 1 + (year is not None)] in (
            "prochain", "next"
        ):  # fmt: skip
            used += 1
        first, after = c.month(month, year)
        if mode == "day":
            assert day is not None
            try:
                the_day = first.replace(day=day)
            except ValueError:
                return None
            if year is None and the_day < c.today:
                the_day = the_day.replace(year=the_day.year + 1)
            return used, c.days(the_day, the_day + timedelta(days=1))
        spans = {
            "month": (first, after),
            "early": (first, first + timedelta(days=10)),
            "mid": (first + timedelta(days=9), first + timedelta(days=20)),
            "late": (after - timedelta(days=10), after),
        }
        if mode in spans:
            return used, c.days(*spans[mode])
        if mode == "before":
            return used, When(c.now, c.at(first))
        if mode == "until_end":
            return used, When(c.now, c.at(after))
        if mode == "from":
            return used, When(max(c.at(first), c.now), None)
        return used, When(max(c.at(after), c.now), None)  # "après mars"

    # Weekdays: "ce samedi"/"samedi prochain" is one date, "le samedi"/"samedi" any Saturday.
    if w in ("ce", "this") and nxt in _WEEKDAYS:
        the_day = c.next_weekday(_WEEKDAYS[nxt])
        return 2, c.days(the_day, the_day + timedelta(days=1))
    if w == "next" and nxt in _WEEKDAYS:
        the_day = c.next_weekday(_WEEKDAYS[nxt], after_today=True)
        return 2, c.days(the_day, the_day + timedelta(days=1))
    if _plural(w) in _WEEKDAYS:
        weekday = _WEEKDAYS[_plural(w)]
        coming = nxt == "prochain" or (nxt == "qui" and i + 2 < n and words[i + 2] == "vient")
        if coming:
            the_day = c.next_weekday(weekday, after_today=True)
            return (2 if nxt == "prochain" else 3), c.days(the_day, the_day + timedelta(days=1))
        return 1, When(weekdays=frozenset({weekday}))

    # "dans les 15 jours", "d'ici 2 semaines", "within 3 weeks", "in the next 10 days".
    for prefix in (("dans", "les"), ("d", "ici"), ("sous",), ("dans",), ("within",),
                   ("in", "the", "next"), ("within", "the", "next")):  # fmt: skip
        k = len(prefix)
        if tuple(words[i : i + k]) != prefix:
            continue
        j = i + k
        if j < n and words[j] in ("prochains", "prochaines"):
            j += 1
        count = _number(words[j]) if j < n else None
        if count is not None:
            j += 1
        if j < n and words[j] in ("prochains", "prochaines"):
            j += 1
        if j < n and words[j] in _UNITS_DAYS and (count is not None or prefix == ("dans", "les")):
            days = (count or 1) * _UNITS_DAYS[words[j]]
            return j + 1 - i, When(c.now, c.now + timedelta(days=days))
    return None


def parse_when(words: Sequence[str], *, now: datetime, tz: ZoneInfo) -> tuple[When, set[int]]:
    """Find every time phrase in normalised ``words``; returns the meaning and word positions."""
    if now.tzinfo is None:
        raise ValueError("parse_when needs an aware 'now'")
    calendar = _Calendar(now, tz)
    when, used = When(), set()
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
