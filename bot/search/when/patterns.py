"""Time patterns with a variable part: seasons, months, weekdays, "within N days".

Each rule looks at ``words[i:]`` and returns (number of words used, their meaning), or None;
:data:`PATTERNS` lists them in the order they are tried. Fixed wordings ("demain", "le soir")
are :mod:`bot.search.when.phrases`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import date, timedelta

from bot.search.when.dates import SEASONS, Calendar, When

Found = tuple[int, When]
Pattern = Callable[[Sequence[str], int, Calendar], Found | None]

# --- vocabulary -------------------------------------------------------------------------------

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


_MONTH_KIND = dict(_MONTH_PREFIXES)
_NEXT = ("prochain", "next")
_NEXT_PLURAL = ("prochains", "prochaines")
# "dans les 15 jours", "d'ici 2 semaines"...: only "dans les" may leave the number out.
_WITHIN_PREFIXES = (("dans", "les"), ("d", "ici"), ("sous",), ("dans",), ("within",),
                    ("in", "the", "next"), ("within", "the", "next"))  # fmt: skip


def _word(words: Sequence[str], i: int) -> str:
    """``words[i]``, or "" past the end."""
    return words[i] if i < len(words) else ""


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


def _after_prefix(
    words: Sequence[str], i: int, prefixes: Sequence[tuple[str, ...]], names: Collection[str]
) -> tuple[str, ...] | None:
    """The first of ``prefixes`` standing at ``words[i]`` and followed by one of ``names``."""
    for prefix in prefixes:
        k = len(prefix)
        if tuple(words[i : i + k]) == prefix and _word(words, i + k) in names:
            return prefix
    return None


# --- rules, in the order they are tried -------------------------------------------------------

PATTERNS: list[Pattern] = []


def _pattern(rule: Pattern) -> Pattern:
    PATTERNS.append(rule)
    return rule


@_pattern
def _season(words: Sequence[str], i: int, c: Calendar) -> Found | None:
    """ "cet été", "en hiver", "summer". A bare "été" is also "been" (j'ai été)."""
    prefix = _after_prefix(words, i, _SEASON_PREFIXES, SEASONS)
    if prefix is not None:
        return len(prefix) + 1, c.days(*c.season(words[i + len(prefix)]))
    if words[i] in SEASONS and words[i] != "ete":
        return 1, c.days(*c.season(words[i]))
    return None


@_pattern
def _before_season(words: Sequence[str], i: int, c: Calendar) -> Found | None:
    """ "avant l'été", "before summer": from now to the start of that season."""
    prefix = _after_prefix(words, i, _SEASON_BEFORE, SEASONS)
    if prefix is None:
        return None
    return len(prefix) + 1, When(c.now, c.at(c.next_season_start(words[i + len(prefix)])))


# What a month's lead-in word makes of the month (first day, first day of the next month).
_MONTH_SPANS: dict[str, Callable[[Calendar, date, date], When]] = {
    "month": lambda c, first, after: c.days(first, after),
    "early": lambda c, first, after: c.days(first, first + timedelta(days=10)),
    "mid": lambda c, first, after: c.days(first + timedelta(days=9), first + timedelta(days=20)),
    "late": lambda c, first, after: c.days(after - timedelta(days=10), after),
    "before": lambda c, first, after: When(c.now, c.at(first)),
    "until_end": lambda c, first, after: When(c.now, c.at(after)),
    "from": lambda c, first, after: When(max(c.at(first), c.now), None),
    "after": lambda c, first, after: When(max(c.at(after), c.now), None),  # "après mars"
}


@_pattern
def _month(words: Sequence[str], i: int, c: Calendar) -> Found | None:
    """ "en mars", "mars 2027", "le 15 mars", "début avril", "avant mai", "in March"."""
    lead, kind = _month_lead(words, i)
    j = i + lead
    if _word(words, j) not in _MONTHS:
        return None
    year = _year(words, j + 1)
    if lead == 0 and year is None and words[j] in _BARE_MONTH_UNSAFE:
        return None
    end = j + 1 + (year is not None)
    used = end - i + (_word(words, end) in _NEXT)
    first, after = c.month(_MONTHS[words[j]], year)
    if kind != "day":
        return used, _MONTH_SPANS[kind](c, first, after)
    the_day = _day_of_month(c, first, int(words[i]), year)
    return None if the_day is None else (used, c.day(the_day))


def _month_lead(words: Sequence[str], i: int) -> tuple[int, str]:
    """How many words before a month name stand at ``words[i]``, and their kind of span."""
    prefix = _after_prefix(words, i, [p for p, _ in _MONTH_PREFIXES], _MONTHS)
    if prefix is not None:
        return len(prefix), _MONTH_KIND[prefix]
    w = words[i]
    if w.isdigit() and len(w) <= 2 and 1 <= int(w) <= 31 and _word(words, i + 1) in _MONTHS:
        return 1, "day"
    return 0, "month"


def _day_of_month(c: Calendar, first: date, day: int, year: int | None) -> date | None:
    """``day`` of the month starting ``first`` (None if it has no such day); next year's
    when no year is said and it is past."""
    try:
        the_day = first.replace(day=day)
    except ValueError:
        return None
    if year is None and the_day < c.today:
        the_day = the_day.replace(year=the_day.year + 1)
    return the_day


@_pattern
def _this_weekday(words: Sequence[str], i: int, c: Calendar) -> Found | None:
    """ "ce samedi", "this Saturday": one date, today included."""
    nxt = _word(words, i + 1)
    if words[i] in ("ce", "this") and nxt in _WEEKDAYS:
        return 2, c.day(c.next_weekday(_WEEKDAYS[nxt]))
    return None


@_pattern
def _next_weekday(words: Sequence[str], i: int, c: Calendar) -> Found | None:
    """ "next Saturday": one date, after today."""
    nxt = _word(words, i + 1)
    if words[i] == "next" and nxt in _WEEKDAYS:
        return 2, c.day(c.next_weekday(_WEEKDAYS[nxt], after_today=True))
    return None


@_pattern
def _weekday(words: Sequence[str], i: int, c: Calendar) -> Found | None:
    """ "samedi prochain"/"samedi qui vient" is one date, "le samedi"/"samedis" any Saturday."""
    name = _plural(words[i])
    if name not in _WEEKDAYS:
        return None
    weekday = _WEEKDAYS[name]
    nxt = _word(words, i + 1)
    if nxt == "prochain":
        return 2, c.day(c.next_weekday(weekday, after_today=True))
    if nxt == "qui" and _word(words, i + 2) == "vient":
        return 3, c.day(c.next_weekday(weekday, after_today=True))
    return 1, When(weekdays=frozenset({weekday}))


@_pattern
def _within(words: Sequence[str], i: int, c: Calendar) -> Found | None:
    """ "dans les 15 jours", "d'ici 2 semaines", "within 3 weeks", "in the next 10 days"."""
    for prefix in _WITHIN_PREFIXES:
        if tuple(words[i : i + len(prefix)]) == prefix:
            found = _within_after(words, i, prefix, c)
            if found is not None:
                return found
    return None


def _within_after(
    words: Sequence[str], i: int, prefix: tuple[str, ...], c: Calendar
) -> Found | None:
    """The rest of a "within" phrase once ``prefix`` matched at ``words[i]``."""
    j = i + len(prefix)
    j += _word(words, j) in _NEXT_PLURAL
    count = _number(_word(words, j))
    j += count is not None
    j += _word(words, j) in _NEXT_PLURAL
    unit = _word(words, j)
    if unit in _UNITS_DAYS and (count is not None or prefix == ("dans", "les")):
        days = (count or 1) * _UNITS_DAYS[unit]
        return j + 1 - i, When(c.now, c.now + timedelta(days=days))
    return None
