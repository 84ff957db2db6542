"""Texts from the French and English catalogs, with Babel for dates, numbers and plurals.

Catalogs are TOML files in `bot/locales/<language>/`, one file per feature (`search.toml`,
`sessions.toml`, `enrolment.toml`, `notices.toml`, ...), with the same files and keys in every
language. They are merged into one key space: a file's name is not part of its keys, and a key
must not appear in two files. One key per text; a value is either a string with
`{placeholders}` (str.format) or a table of CLDR plural forms (`one`, `other`, ...) chosen by
Babel from the `count` argument. Texts are HTML (the bot's parse mode): callers escape values
that come from users or data files with `html.escape` before passing them.
"""

from __future__ import annotations

import logging
import re
import string
import tomllib
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal

logger = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"

Entry = str | dict[str, str]


def pick_language(language_code: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """The catalog language for a Telegram `language_code` ("en-GB" → "en", None → default)."""
    if not language_code:
        return default
    base = language_code.split("-")[0].split("_")[0].lower()
    return base if base in LANGUAGES else default


@cache
def load_catalog(language: str) -> dict[str, Entry]:
    """The flattened catalog of one language: {"start.welcome": "...", ...}."""
    flat: dict[str, Entry] = {}

    def walk(prefix: str, node: dict[str, object]) -> None:
        for key, value in node.items():
            name = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict) and not _is_plural_table(value):
                walk(name, value)
            else:
                flat[name] = cast(Entry, value)  # a string, or a plural table of strings

    for path in sorted((LOCALES_DIR / language).glob("*.toml")):
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
        before = len(flat)
        keys = _count_leaves(raw)
        walk("", raw)
        if len(flat) != before + keys:
            raise ValueError(f"{path.name} repeats a key already defined in another file")
    return flat


def _count_leaves(node: dict[str, object]) -> int:
    return sum(
        _count_leaves(v) if isinstance(v, dict) and not _is_plural_table(v) else 1
        for v in node.values()
    )


def _is_plural_table(value: dict[str, object]) -> bool:
    return bool(value) and set(value) <= {"zero", "one", "two", "few", "many", "other"}


# Translator's methods `date` and `datetime` shadow the types inside its class body.
_DateTime = datetime


class Translator:
    """Renders catalog texts, dates and numbers for one language and time zone."""

    def __init__(self, language: str, tz: ZoneInfo) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self.tz = tz
        self.locale = Locale.parse(self.language)
        self._catalog = load_catalog(self.language)

    def __call__(self, key: str, /, **values: object) -> str:
        """The text for `key` in this language, formatted with `values`."""
        entry = self._catalog.get(key)
        if entry is None:
            logger.error("missing text %r in the %s catalog", key, self.language)
            entry = load_catalog(DEFAULT_LANGUAGE).get(key, key)
        if isinstance(entry, dict):
            count = cast(float, values.get("count", 0))  # callers pass a number as `count`
            form = self.locale.plural_form(count)
            entry = entry.get(form) or entry["other"]
            values.setdefault("n", self.number(count))
        if not values:
            return entry
        return _format(entry, values, elide=self.language == "fr")

    def datetime(self, moment: datetime) -> str:
        """`jeudi 5 mars à 14:00` / `Thursday 5 March at 14:00`, in the display zone."""
        local = moment.astimezone(self.tz)
        return self._first(format_datetime(local, self("format.datetime"), locale=self.locale))

    def date(self, day: date | _DateTime) -> str:
        """`jeudi 5 mars` / `Thursday 5 March`."""
        if isinstance(day, datetime):
            day = day.astimezone(self.tz).date()
        return self._first(format_date(day, self("format.date"), locale=self.locale))

    def _first(self, text: str) -> str:
        """French writes the first of the month as an ordinal: "mardi 1er décembre"."""
        return _FIRST_OF_MONTH.sub(r"1er \1", text) if self.language == "fr" else text

    def time(self, moment: _DateTime) -> str:
        """`14:00`."""
        return format_time(moment.astimezone(self.tz), "HH:mm", locale=self.locale)

    def money(self, value: float) -> str:
        """An amount with two decimals (`239,50` / `239.50`), without the currency sign."""
        return format_decimal(value, format="#,##0.00", locale=self.locale)

    def number(self, value: float) -> str:
        """A number with the language's separators (`1 500,5` / `1,500.5`)."""
        return format_decimal(value, locale=self.locale)


# French elides "de" before a vowel: the catalog writes "autour de {place}", and with
# place="Augan" that reads "autour d'Augan". Only the catalog's own "de" right before a value
# changes (its other words are already right); a value is inserted as written, so a title
# "Initiation de Excel" stays so. Only before vowels: many words starting with "h" do not
# elide ("de Haute-Loire"). Tags at the start of a value are looked through ("de <b>Anne").
_DE_BEFORE_VALUE = re.compile(r"\b([Dd])e $")
_STARTS_WITH_VOWEL = re.compile(r"(?:<[^>]*>)*[AEIOUYÉÈÊÂÎÔÛŒaeiouyéèêâîôûœ]")
_FORMATTER = string.Formatter()


def _format(entry: str, values: dict[str, object], *, elide: bool) -> str:
    """`entry.format(**values)`, eliding the catalog's "de" before a value when `elide`."""
    parts: list[str] = []
    for literal, field, spec, conversion in _FORMATTER.parse(entry):
        inserted = ""
        if field is not None:
            obj, _ = _FORMATTER.get_field(field, (), values)
            obj = _FORMATTER.convert_field(obj, conversion)
            inserted = _FORMATTER.format_field(obj, spec.format(**values) if spec else "")
        if elide and inserted and _STARTS_WITH_VOWEL.match(inserted):
            literal = _DE_BEFORE_VALUE.sub(r"\1'", literal)
        parts += (literal, inserted)
    return "".join(parts)


_FIRST_OF_MONTH = re.compile(
    r"\b1 (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|"
    r"décembre)"
)


@lru_cache(maxsize=16)
def translator(language: str, tz_name: str = "Europe/Paris") -> Translator:
    """A cached translator for a language and time zone."""
    return Translator(language, ZoneInfo(tz_name))
