"""Parsing one cell: dates, seats, prices, yes/no, words, URLs, postcodes, Telegram user ids.

Each parser takes what the reader produced (a string, or a number, date or boolean from XLSX
and JSON) and returns a clean value or raises `BadValue(code, **params)`. Nothing here is
ever evaluated: a value starting with "=" is text like any other.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot.importer.problems import BadValue

logger = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
MAX_SEATS = 10_000
MAX_PRICE = 1_000_000
SHOWN_VALUE_LENGTH = 60


class FormulaWithoutValue:
    """An XLSX formula cell saved without its computed value (never evaluated here)."""

    _instance: FormulaWithoutValue | None = None

    def __new__(cls) -> FormulaWithoutValue:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "FORMULA_WITHOUT_VALUE"


FORMULA_WITHOUT_VALUE = FormulaWithoutValue()

# What readers put in a row: text from CSV; numbers, dates and booleans from XLSX and JSON
# (lists from JSON, accepted for topics only).
Cell = str | int | float | bool | datetime | date | time | list | dict | FormulaWithoutValue | None


def shown(value: object) -> str:
    """A value as the admin would recognise it in a report, shortened."""
    if isinstance(value, datetime):
        text = value.strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    text = " ".join(text.split())
    if len(text) > SHOWN_VALUE_LENGTH:
        text = text[: SHOWN_VALUE_LENGTH - 1] + "…"
    return text


@lru_cache(maxsize=4096)  # the same few words on every row: "presentiel", "oui", "scheduled"
def fold(text: str) -> str:
    """Lower case without accents and extra spaces: "  Présentiel " → "presentiel"."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.replace("-", " ").replace("_", " ").replace("’", "'").split())


def text(value: Cell, max_length: int | None = None) -> str:
    """Trimmed text. Spreadsheet numbers lose a useless ".0"; dates become ISO text."""
    if isinstance(value, str):
        result = value.strip()
    elif isinstance(value, bool):
        result = "oui" if value else "non"
    elif isinstance(value, float) and value.is_integer():
        result = str(int(value))
    elif isinstance(value, datetime):
        result = value.isoformat(sep=" ", timespec="minutes")
    else:
        result = str(value).strip()
    if max_length is not None and len(result) > max_length:
        raise BadValue("too_long", max=max_length, length=len(result))
    return result


# --- dates ---------------------------------------------------------------------------------

_FRENCH = re.compile(
    r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T]+(\d{1,2})(?:[:hH](\d{2})?(?::(\d{2}))?)?)?"
)
_LOOSE_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]+(\d{1,2})(?:[:hH](\d{2})?(?::(\d{2}))?)?)?"
)
_DATE_ONLY = re.compile(r"\d{4}-?\d{2}-?\d{2}")


def paris_to_utc(naive: datetime) -> datetime:
    """Europe/Paris wall time → aware UTC. `fold=0`: in the autumn hour that happens twice
    the first one is meant, and a spring time that does not exist lands an hour later."""
    return naive.replace(tzinfo=PARIS, fold=0).astimezone(UTC)


def moment(value: Cell) -> datetime:
    """A start or end: `2027-03-02 09:00`, `02/03/2027 09:00` (Paris), ISO 8601 with offset,
    or a spreadsheet date-time cell (Paris). Returned aware, in UTC."""
    if isinstance(value, datetime):
        return paris_to_utc(value) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        raise BadValue("no_time", value=shown(value))
    if not isinstance(value, str):
        raise BadValue("bad_datetime", value=shown(value))
    raw = value.strip()
    if _DATE_ONLY.fullmatch(raw):
        raise BadValue("no_time", value=shown(raw))
    try:
        parsed = datetime.fromisoformat(raw)  # the common case, and fast
    except ValueError:
        pass
    else:
        return paris_to_utc(parsed) if parsed.tzinfo is None else parsed.astimezone(UTC)
    match = _FRENCH.fullmatch(raw)
    if match:
        day, month, year, hour, minute, second = match.groups()
    else:
        match = _LOOSE_ISO.fullmatch(raw)  # "2027-3-2 9h30"
        if not match:
            raise BadValue("bad_datetime", value=shown(raw))
        year, month, day, hour, minute, second = match.groups()
    if hour is None:
        raise BadValue("no_time", value=shown(raw))
    try:
        naive = datetime(
            int(year), int(month), int(day), int(hour), int(minute or 0), int(second or 0)
        )
    except ValueError:
        raise BadValue("bad_datetime", value=shown(raw)) from None
    return paris_to_utc(naive)


def shift_days(moment_utc: datetime, days: int) -> datetime:
    """Move a moment by whole days in Paris wall time (09:00 stays 09:00 across DST)."""
    if not days:
        return moment_utc
    local = moment_utc.astimezone(PARIS).replace(tzinfo=None) + timedelta(days=days)
    return paris_to_utc(local)


# --- numbers -------------------------------------------------------------------------------

_INT = re.compile(r"[+-]?\d{1,18}")  # longer: not a count (and int() may refuse it)


def _number(value: Cell) -> float | None:
    """A number from a cell ("12,5", "1 200", 12.0); None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return float(value) if math.isfinite(value) else None
        except OverflowError:  # an integer of hundreds of digits
            return None
    if not isinstance(value, str):
        return None
    raw = value.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    if "," in raw and "." in raw:
        # "1.200,50" or "1,200.50": the last separator is the decimal one.
        decimal = "," if raw.rfind(",") > raw.rfind(".") else "."
        raw = raw.replace("." if decimal == "," else ",", "")
    raw = raw.replace(",", ".")
    try:
        number = float(raw)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def seats(value: Cell) -> int:
    """A whole number of seats from 1 to MAX_SEATS."""
    if isinstance(value, str) and _INT.fullmatch(value.strip()):
        count = int(value.strip())
    else:
        number = _number(value)
        if number is None or not number.is_integer():
            raise BadValue("seats_invalid", value=shown(value))
        count = int(number)
    if count < 1:
        raise BadValue("seats_too_low", value=shown(value))
    if count > MAX_SEATS:
        raise BadValue("seats_too_high", value=shown(value), max=MAX_SEATS)
    return count


_FREE = {"gratuit", "gratuite", "free", "offert"}
_SIMPLE_NUMBER = re.compile(r"\d{1,7}(?:[.,]\d{1,2})?")


def price(value: Cell) -> float:
    """A price in euros ≥ 0, with "," or "." as decimal separator ("gratuit" is 0)."""
    if isinstance(value, str):
        if _SIMPLE_NUMBER.fullmatch(value):  # "260", "89,50": the common case, fast
            return round(float(value.replace(",", ".")), 2)
        if fold(value) in _FREE:
            return 0.0
        cleaned = value.casefold().replace("€", "").replace("eur", "").replace("ttc", "")
        number = _number(cleaned)
    else:
        number = _number(value)
    if number is None:
        raise BadValue("price_invalid", value=shown(value))
    if number < 0 or number > MAX_PRICE:
        raise BadValue("price_out_of_range", value=shown(value))
    return round(number, 2)


MAX_HOURS = 10_000  # a two-year full-time course is about 3,200 hours


def min_participants(value: Cell) -> int:
    """The minimum of participants of a session to confirm: a whole number from 1 (the
    upper bound, the session's seats, is checked with the row)."""
    try:
        return seats(value)
    except BadValue as exc:
        raise BadValue("min_participants_invalid", value=shown(value)) from exc


def hours(value: Cell) -> float:
    """A course's total hours ("35", "10,5", "35 h"), from 0 to MAX_HOURS."""
    raw = value.casefold().rstrip(" h").replace("heures", "") if isinstance(value, str) else value
    number = _number(raw)
    if number is None or not 0 <= number <= MAX_HOURS:
        raise BadValue("hours_invalid", value=shown(value), max=MAX_HOURS)
    return round(number, 1)


_DIGITS = re.compile(r"\d{1,18}")
# Telegram user ids have at most 52 significant bits: anything larger is a typo.
MAX_TELEGRAM_ID = 2**52 - 1


def telegram_user_id(value: Cell) -> int:
    """A Telegram user id: a positive whole number ("900001", 900001, 900001.0, "900 001").
    An @username, a phone number with "+", a negative (group) id or a fraction is refused."""
    if isinstance(value, bool):
        raise BadValue("telegram_id_invalid", value=shown(value))
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise BadValue("telegram_id_invalid", value=shown(value))
        number = int(value)
    else:
        raw = str(value).strip()
        if raw.startswith("@"):
            raise BadValue("telegram_id_username", value=shown(raw))
        raw = raw.replace("\u202f", "").replace("\xa0", "").replace(" ", "")
        if raw.endswith(".0"):  # a spreadsheet number saved as text
            raw = raw[:-2]
        if not _DIGITS.fullmatch(raw):
            raise BadValue("telegram_id_invalid", value=shown(value))
        number = int(raw)
    if not 1 <= number <= MAX_TELEGRAM_ID:
        raise BadValue("telegram_id_invalid", value=shown(value))
    return number


def coordinate(value: Cell, limit: float) -> float:
    """A latitude (limit 90) or longitude (limit 180) in decimal degrees."""
    number = _number(value)
    if number is None or not -limit <= number <= limit:
        raise BadValue("coordinate_invalid", value=shown(value))
    return number


# --- words ---------------------------------------------------------------------------------

_YES = {"oui", "o", "yes", "y", "true", "vrai", "1", "x"}
_NO = {"non", "n", "no", "false", "faux", "0"}


def yes_no(value: Cell) -> bool:
    """oui/non, yes/no, true/false, 1/0 (and spreadsheet booleans)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    key = fold(str(value))
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise BadValue("bool_invalid", value=shown(value))


# fmt: off
MODALITIES: dict[str, str] = {
    "presentiel": "presentiel", "en presentiel": "presentiel", "sur place": "presentiel",
    "blended": "blended", "mixte": "blended", "hybride": "blended",
    "distanciel": "distanciel", "a distance": "distanciel", "distance": "distanciel",
    "en ligne": "distanciel", "online": "distanciel", "foad": "distanciel",
}
# fmt: on


def modality(value: Cell) -> str:
    """presentiel | blended | distanciel (also "présentiel", "mixte", "à distance"...)."""
    found = MODALITIES.get(fold(str(value)))
    if found is None:
        raise BadValue("modality_invalid", value=shown(value))
    return found


# fmt: off
STATUSES: dict[str, str] = {
    "scheduled": "scheduled", "prevue": "scheduled", "prevu": "scheduled",
    "planifiee": "scheduled", "confirmee": "scheduled", "ouverte": "scheduled",
    "cancelled": "cancelled", "canceled": "cancelled", "annulee": "cancelled",
    "annule": "cancelled", "annulation": "cancelled",
}
# fmt: on


def status(value: Cell) -> str:
    """scheduled | cancelled (also "annulée", "annulé", "prévue"...)."""
    found = STATUSES.get(fold(str(value)))
    if found is None:
        raise BadValue("status_invalid", value=shown(value))
    return found


_SIMPLE_URL = re.compile(r"https?://[\w.-]+(?::\d+)?(?:[/?#][^\s]*)?", re.ASCII | re.IGNORECASE)


def url(value: Cell, max_length: int) -> str:
    """An http(s) address; anything else (javascript:, file:, a bare word) is refused."""
    raw = text(value, max_length)
    if _SIMPLE_URL.fullmatch(raw):
        return raw
    parts = urlsplit(raw)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in raw:
        raise BadValue("url_invalid", value=shown(raw))
    return raw


def postcode(value: Cell) -> str:
    """A French postal code of 5 digits; a spreadsheet that dropped the leading 0 is repaired
    (1000 → "01000")."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not float(value).is_integer():
            raise BadValue("postcode_invalid", value=shown(value))
        raw = str(int(value))
    else:
        raw = str(value).replace(" ", "").replace("\xa0", "").strip()
    if raw.isdigit() and len(raw) == 4:
        raw = "0" + raw
    if not (raw.isdigit() and len(raw) == 5):
        raise BadValue("postcode_invalid", value=shown(value))
    return raw


def topics(value: Cell, max_length: int) -> str:
    """Keywords separated by ";" (a JSON list works too), trimmed, without repeats."""
    if isinstance(value, list):
        return _topics(tuple(str(part) for part in value), max_length)
    return _topics(tuple(str(value).split(";")), max_length)


@lru_cache(maxsize=4096)  # sessions of one course repeat the same keywords
def _topics(parts: tuple[str, ...], max_length: int) -> str:
    seen: dict[str, str] = {}
    for part in parts:
        word = " ".join(part.split())
        if word and word.casefold() not in seen:
            seen[word.casefold()] = word
    joined = ";".join(seen.values())
    if len(joined) > max_length:
        raise BadValue("too_long", max=max_length, length=len(joined))
    return joined


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """For exports Proxi writes (CSV, XLSX): a text that a spreadsheet could take for a
    formula gets a leading apostrophe. Imported values are stored as they are."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value
