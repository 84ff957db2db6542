"""English availability phrases, said again in French for the parser (`bot.mentoring.parsing`
reads French): "every Tuesday 2pm-4pm at Redon" → "tous les mardi 14h-16h à Redon".

Only English words are replaced (weekdays, am/pm times, every, from/to, for N weeks, people,
group of, at/in, today/tomorrow); a French phrase comes out unchanged, and so does a place.
"""

from __future__ import annotations

import re

WEEKDAYS_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_DAYS = dict(zip(WEEKDAYS_EN, WEEKDAYS_FR, strict=True))
_WEEKDAY = re.compile(r"\b(" + "|".join(WEEKDAYS_EN) + r")(s)?\b", re.IGNORECASE)
_AM_PM = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\.?(?!\w)", re.IGNORECASE)
_URL = re.compile(r"(https?://\S+)")
_WORDS = (
    (r"\b(?:every|each)\b", "tous les"),
    (r"\bfor\s+(\d{1,2})\s+weeks?\b", r"pendant \1 semaines"),
    (r"(?<=[\dh])\s+to\s+(?=\d)", "-"),
    (r"\bfrom\s+(?=\d)", "de "),
    (r"\bgroup\s+of\b", "groupe de"),
    (r"\b(?:people|persons|seats)\b", "places"),
    (r"\b(?:at|in)\b(?!\s*\d)", "à"),
    (r"\btoday\b", "aujourd'hui"),
    (r"\btomorrow\b", "demain"),
    (r"\bmins?\b", "min"),
)


def _hour(match: re.Match[str]) -> str:
    hour, minutes, half = int(match[1]) % 12, match[2] or "", match[3].lower()
    return f"{hour + 12 if half == 'p' else hour}h{minutes}"


def to_french(text: str) -> str:
    """The phrase with its English words in French (unchanged when there are none); links
    are left as they are."""
    parts = _URL.split(text)
    return "".join(part if i % 2 else _words(part) for i, part in enumerate(parts))


def _words(text: str) -> str:
    text = _AM_PM.sub(_hour, text)
    text = _WEEKDAY.sub(lambda m: _DAYS[m[1].lower()] + (m[2] or ""), text)
    for pattern, french in _WORDS:
        text = re.sub(pattern, french, text, flags=re.IGNORECASE)
    return text
