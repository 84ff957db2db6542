"""The tutors' typed shortcut for availability, in French: pure parsing, no database.

    "mardi 14h-16h à Redon"                       next Tuesday, two one-hour slots, a place
    "jeudi 9h30-12h en ligne"                     next Thursday, online
    "le 12/03 10h-11h30 Josselin"                 a date (this year, or next if passed)
    "tous les mardis 14h-17h, 45 min, à Redon"    weekly, 45-minute appointments
    "mardi 14:00-17:00 groupe 6 places"           one group slot for the whole range

Recognised pieces are cut out of the text one after the other; what is left (minus filler
words) is the place, which the caller resolves with :func:`match_space`. Dates are Paris
dates relative to `now`. Failures raise :class:`ParseError` with a `reason` code.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from rapidfuzz import fuzz

from bot.gazetteer import normalize
from bot.mentoring.english import to_french
from bot.mentoring.timing import local_date, local_to_utc, next_weekday

logger = logging.getLogger(__name__)

DEFAULT_MINUTES = 60
MAX_WEEKS = 26

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = {
    "janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4,
    "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9,
    "sept": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11, "decembre": 12, "dec": 12,
}  # fmt: skip
_DAY = "(" + "|".join(WEEKDAYS) + ")"
_MONTH = "(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + ")"

# Reason codes, for the handler's catalog texts.
NO_DAY = "no_day"  # neither a weekday nor a date
NO_TIME = "no_time"  # no "14h-16h" range
BAD_TIME = "bad_time"  # 25h, 14h75
BAD_DATE = "bad_date"  # 31/02
END_BEFORE_START = "end_before_start"
WEEKDAY_MISMATCH = "weekday_mismatch"  # "mardi 12/03" when the 12th is a Wednesday
GROUP_SEATS = "group_seats"  # "groupe" without a number of seats
BAD_DURATION = "bad_duration"  # 0 min, or longer than the range
NOT_HTTPS = "not_https"
PLACE_AND_ONLINE = "place_and_online"
DATE_IN_PAST = "date_in_past"  # "aujourd'hui 8h-9h" at noon


class ParseError(ValueError):
    """The text is not an availability; `reason` is one of the codes above."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class AvailabilityRequest:
    """What the tutor typed, in Paris wall time. `day` is the (first) date."""

    day: date
    start: time
    end: time
    recurring: bool
    weeks: int | None  # "pendant 6 semaines"; None: the caller's default
    appointment_minutes: int
    seats: int
    online: bool
    online_url: str | None
    place_text: str | None  # None when online, or when the tutor did not say
    # The range was cut into appointments of the default length the tutor did not state
    # ("mardi 14h-16h": two of an hour): the chat shows what it understood before saving.
    length_assumed: bool = False

    @property
    def weekday(self) -> int:
        return self.day.weekday()

    @property
    def group(self) -> bool:
        return self.seats > 1


class _Text:
    """The text and its folded twin (lower case, no accents, same length), so that pieces
    found in the folded text can be cut from both."""

    def __init__(self, text: str) -> None:
        self.original = text
        # One character for one: lower() and accent stripping per character keep offsets.
        self.folded = "".join(
            unicodedata.normalize("NFD", char.lower() or " ")[0] for char in text
        )

    def take(self, pattern: str) -> re.Match[str] | None:
        """The first match of `pattern` in the folded text, blanked out of both."""
        match = re.search(pattern, self.folded)
        if match is not None:
            self.blank(*match.span())
        return match

    def blank(self, start: int, end: int) -> None:
        # Two spaces at least, so that the words on either side stay separate chunks.
        gap = " " * max(end - start, 2)
        self.original = self.original[:start] + gap + self.original[end:]
        self.folded = self.folded[:start] + gap + self.folded[end:]


_URL = r"https?://\S+"
_ONLINE = r"\b(?:en\s+ligne|en\s+visio(?:conference)?|visio(?:conference)?|online|a\s+distance|(?:en\s+)?distanciel)\b"  # noqa: E501
_RECURRING = rf"\b(?:tous\s+les\s+|chaque\s+|les\s+)?{_DAY}(s)?\b(?:\s+de\s+chaque\s+semaine)?"
_WEEKS = r"\b(?:pendant\s+|sur\s+)?(\d{1,2})\s*semaines?\b"
_NUMERIC_DATE = r"(?<![\d:h])(?:le\s+)?(\d{1,2})\s*[/.]\s*(\d{1,2})(?:\s*[/.]\s*(\d{2,4}))?\b"
_NAMED_DATE = rf"(?<!\d)(?:le\s+)?(\d{{1,2}})(?:er)?\s+{_MONTH}\.?(?:\s+(\d{{4}}))?\b"
_RELATIVE = r"\b(aujourd.?hui|demain|apres-demain)\b"
# "14h30", "14:30", "14 h", "14h": minutes stick to the "h" ("17h 45 min" is 17h).
_HOUR = r"(\d{1,2})(?:\s*([h:])(\d{2})?)?"
_RANGE = rf"(?<![\d/])(?:de\s+)?{_HOUR}\s*(?:-|–|—|\ba\b|\bau\b|jusqu.?a)\s*{_HOUR}(?![\d/])"
_MINUTES = r"(?<![\d:h])(\d{1,3})\s*(?:min|mn|minutes?)\b"
_SEATS = r"(?<![\d:h])(\d{1,3})\s*(?:places?|personnes?|pers\b\.?|participants?|apprenants?)"
_GROUP = r"\bgroupe\b(?:\s+de)?(?:\s+(\d{1,3})\b)?"
_INDIVIDUAL = r"\b(?:individuel(?:le)?|seul|1\s*a\s*1|tete\s+a\s+tete)\b"

# Words left over that are not a place.
_FILLER_TEXT = """
    a au aux chez sur dans en de des du d et le la les l un une pour avec par
    dispo dispos disponible disponibles disponibilite disponibilites je suis serai
    creneau creneaux rdv rendez vous mentorat semaine semaines chaque tous toutes lieu ici
"""
_FILLER = frozenset(_FILLER_TEXT.split())


def _time(hour: str, minute: str | None) -> time:
    try:
        return time(int(hour), int(minute or 0))
    except ValueError:
        raise ParseError(BAD_TIME) from None


def _date_in_year(day: int, month: int, year: int | None, today: date) -> date:
    try:
        if year is not None:
            return date(year + 2000 if year < 100 else year, month, day)
        found = date(today.year, month, day)
        return found if found >= today else date(today.year + 1, month, day)
    except ValueError:
        raise ParseError(BAD_DATE) from None


def _take_date(text: _Text, today: date) -> date | None:
    if match := text.take(_NUMERIC_DATE):
        year = int(match[3]) if match[3] else None
        return _date_in_year(int(match[1]), int(match[2]), year, today)
    if match := text.take(_NAMED_DATE):
        year = int(match[3]) if match[3] else None
        return _date_in_year(int(match[1]), MONTHS[match[2]], year, today)
    if match := text.take(_RELATIVE):
        offset = {"demain": 1, "apres-demain": 2}.get(match[1], 0)
        return today + timedelta(days=offset)
    return None


def _take_range(text: _Text) -> tuple[time, time]:
    match = text.take(_RANGE)
    if match is None:
        raise ParseError(NO_TIME)
    hour1, sep1, minute1, hour2, sep2, minute2 = match.groups()
    if not (sep1 or sep2):  # "12 à 16" could be anything; "12h à 16" is a range
        raise ParseError(NO_TIME)
    start, end = _time(hour1, minute1), _time(hour2, minute2)
    if end <= start:
        raise ParseError(END_BEFORE_START)
    return start, end


def _is_filler(token: str) -> bool:
    return all(word in _FILLER for word in normalize(token).split())


def _place_text(text: _Text) -> str | None:
    """What is left, in chunks between the pieces cut out, without filler at their ends:
    "à la Maison de l'emploi" → "Maison de l'emploi"."""
    chunks = []
    for chunk in re.split(r"\s{2,}|[,;]", text.original):
        tokens = chunk.split()
        while tokens and _is_filler(tokens[0]):
            tokens.pop(0)
        while tokens and _is_filler(tokens[-1]):
            tokens.pop()
        if tokens:
            chunks.append(" ".join(tokens).strip(".:!?()-"))
    return " ".join(chunk for chunk in chunks if chunk) or None


def parse_availability(text: str, *, now: datetime, tz: tzinfo) -> AvailabilityRequest:
    """Read a typed availability ("mardi 14h-16h à Redon"). Raises ParseError.

    The pieces are cut out in a fixed order (a link first, the time range before the
    durations and seats), so that one piece is never read as part of another.
    """
    source = _Text(to_french(text.strip()))
    online_url, online = _take_online(source)
    weeks = _take_weeks(source)
    day = _take_date(source, local_date(now, tz))
    weekday, recurring = _take_weekday(source)
    recurring = recurring or weeks is not None
    start, end = _take_range(source)
    stated = _take_minutes(source)
    seats = _take_seats(source)
    day = _resolve_day(day, weekday, start, now=now, tz=tz)
    minutes = _duration(stated, seats, day, start, end)
    span = (datetime.combine(day, end) - datetime.combine(day, start)).seconds // 60
    place = _place_text(source)
    if online and place is not None:
        raise ParseError(PLACE_AND_ONLINE)
    return AvailabilityRequest(
        day=day,
        start=start,
        end=end,
        recurring=recurring,
        weeks=weeks,
        appointment_minutes=minutes,
        seats=seats,
        online=online,
        online_url=online_url,
        place_text=place,
        length_assumed=stated is None and minutes < span,
    )


def _take_online(text: _Text) -> tuple[str | None, bool]:
    """(the https link, whether the meeting is online): a link or words like "en visio"."""
    online_url = None
    if match := re.search(_URL, text.original):
        online_url = match[0].rstrip(".,;)")
        if not online_url.startswith("https://"):
            raise ParseError(NOT_HTTPS)
        text.blank(*match.span())
    said_online = text.take(_ONLINE) is not None  # cut it out even when a link is given
    return online_url, online_url is not None or said_online


def _take_weeks(text: _Text) -> int | None:
    """A number of weeks ("pendant 6 semaines"), bounded to 1..MAX_WEEKS."""
    if match := text.take(_WEEKS):
        return min(max(int(match[1]), 1), MAX_WEEKS)
    return None


def _take_weekday(text: _Text) -> tuple[int | None, bool]:
    """(the weekday named, whether it recurs: "tous les mardis", "chaque mardi")."""
    if match := text.take(_RECURRING):
        recurring = bool(match[2]) or match[0].startswith(("tous", "chaque", "les"))
        return WEEKDAYS.index(match[1]), recurring
    return None, False


def _take_minutes(text: _Text) -> int | None:
    match = text.take(_MINUTES)
    return int(match[1]) if match else None


def _take_seats(text: _Text) -> int:
    """Seats ("6 places", "groupe de 6"); "groupe" alone needs a number of places elsewhere."""
    seats = 1
    if match := text.take(_SEATS):
        seats = int(match[1])
    if match := text.take(_GROUP):
        if match[1]:
            seats = int(match[1])
        elif seats == 1:
            raise ParseError(GROUP_SEATS)
    text.take(_INDIVIDUAL)
    return seats


def _resolve_day(
    day: date | None, weekday: int | None, start: time, *, now: datetime, tz: tzinfo
) -> date:
    """The date given, checked against the weekday named; else the next such weekday."""
    if day is None and weekday is None:
        raise ParseError(NO_DAY)
    if day is not None and weekday is not None and day.weekday() != weekday:
        raise ParseError(WEEKDAY_MISMATCH)
    if day is None:
        assert weekday is not None
        return next_weekday(weekday, start, now=now, tz=tz)
    if local_to_utc(day, start, tz) <= now:
        raise ParseError(DATE_IN_PAST)
    return day


def _duration(minutes: int | None, seats: int, day: date, start: time, end: time) -> int:
    """The length of one appointment, within the range."""
    span = (datetime.combine(day, end) - datetime.combine(day, start)).seconds // 60
    if minutes is None:
        # A group meets for the whole range; one-to-one appointments last an hour by default.
        minutes = span if seats > 1 else min(DEFAULT_MINUTES, span)
    if not 0 < minutes <= span:
        raise ParseError(BAD_DURATION)
    return minutes


@dataclass(frozen=True, slots=True)
class SpaceMatch:
    id: int
    name: str
    city: str
    score: float


def match_space(
    place_text: str,
    spaces: Sequence[tuple[int, str, str]],
    *,
    cutoff: float = 80.0,
    margin: float = 8.0,
) -> list[SpaceMatch]:
    """The spaces `(id, name, city)` that `place_text` may mean, best first.

    One result: resolved. Several: ask the tutor to choose (two spaces in Redon, or close
    scores). None: unknown place. The city is compared whole ("Redon", typos tolerated); name
    and city by their words ("Relais Ploërmel" → "Relais d'Entreprises de Ploërmel").
    """
    wanted = normalize(place_text)
    if not wanted:
        return []
    scored = []
    for space_id, name, city in spaces:
        # Name and city together: "Maison de l'emploi de Ploërmel" must not fully match the
        # Maison de l'emploi of Vannes, as the name alone would.
        score = max(
            fuzz.ratio(wanted, normalize(city)),
            fuzz.token_set_ratio(wanted, normalize(f"{name} {city}")),
        )
        if score >= cutoff:
            scored.append(SpaceMatch(space_id, name, city, score))
    scored.sort(key=lambda match: (-match.score, match.name))
    if scored:
        best = scored[0].score
        scored = [match for match in scored if match.score >= best - margin]
    return scored
