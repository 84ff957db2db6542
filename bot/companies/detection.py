"""Reading an employer's message: is it a request for staff training, for how many people,
and how to reach them. Pure functions over plain strings.

An ordinary learner's request ("formation excel à Mauron", "créer mon entreprise à Redon")
must stay a search, so only phrasings that name the staff or the company as the audience
count: "pour 6 salariés", "pour mon équipe", "nos agents", "notre entreprise", "in-house",
"for my staff", "team of 6".
"""

from __future__ import annotations

import re

from bot.gazetteer.communes import normalize

_NUMBER_WORDS = {
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
    "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "quinze": 15, "vingt": 20,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "twelve": 12, "twenty": 20,
}  # fmt: skip
_NUMBER = r"(\d{1,4}|" + "|".join(_NUMBER_WORDS) + r")"
# The staff, in the words employers use (normalised: no accents, lower case).
_STAFF = (
    r"(salaries?|employes?|agents?|collaborateurs?|collaboratrices?|membres du personnel|"
    r"personnels?|techniciens?|ouvriers?|staff|employees?|workers?|colleagues?)"
)
_OWN = r"(mon|ma|mes|notre|nos|my|our)"
_TEAM = (
    r"(equipe|equipes|personnel|structure|association|mairie|collectivite|service|atelier|team)"
)
# "notre entreprise" is a company; "pour mon entreprise" may be a sole trader learning for
# their own business ("comptabilité pour mon entreprise"): a search, unless staff are named.
_COMPANY = r"(entreprise|societe|company|business)"

_EMPLOYER = [
    re.compile(rf"\b{_NUMBER} {_STAFF}\b"),  # "6 salariés", "12 employees"
    re.compile(rf"\b(pour|for) {_OWN} {_STAFF}\b"),  # "pour mes salariés", "for my staff"
    re.compile(rf"\b(nos|our) {_STAFF}\b"),  # "nos agents"
    re.compile(rf"\bpour {_OWN} {_TEAM}\b"),  # "pour mon équipe", "pour notre mairie"
    re.compile(rf"\bfor {_OWN} {_TEAM}\b"),  # "for our team"
    re.compile(rf"\b(notre|our) ({_TEAM}|{_COMPANY})\b"),  # "notre entreprise", "our company"
    re.compile(r"\b(intra entreprise|intra|in house|inhouse)\b"),
    re.compile(rf"\b(team|equipe) (of|de) {_NUMBER}\b"),  # "team of 6", "équipe de 8"
]
# "créer notre entreprise" is a project, not an employer.
_PROJECT = re.compile(r"\b(creer|creation|reprendre|reprise|lancer|monter|start|starting) ")

_COUNT = [
    re.compile(rf"\b{_NUMBER} ({_STAFF[1:-1]}|personnes?|participants?|stagiaires?|people)\b"),
    re.compile(rf"\b(team|equipe|groupe|group|{_STAFF[1:-1]}) (of|de) {_NUMBER}\b"),
]
# Digits only: "une" and "un" are articles far more often than counts.
_LONE_NUMBER = re.compile(r"\b(\d{1,4})\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"(\+33\s?|0)[1-9]([\s.-]?\d{2}){4}")
_VIA_TELEGRAM = re.compile(r"\b(via|par|on|by|sur) telegram\b")
MAX_HEAD_COUNT = 1000


def is_employer_request(text: str) -> bool:
    """Whether a message asks for training as an employer, for staff."""
    norm = normalize(text or "")
    for pattern in _EMPLOYER:
        found = pattern.search(norm)
        if found is None:
            continue
        if _PROJECT.search(norm[: found.start()]) and re.search(_COMPANY, found.group(0)):
            continue
        return True
    return False


def _number(raw: str) -> int | None:
    value = _NUMBER_WORDS.get(raw) if not raw.isdigit() else int(raw)
    return value if value is not None and 0 < value <= MAX_HEAD_COUNT else None


def head_count(text: str, *, bare: bool = False) -> int | None:
    """How many people ("pour 6 salariés", "team of 6"); with `bare`, any number counts
    too (the answer to "how many?": "SST, 6")."""
    norm = normalize(text or "")
    for pattern in _COUNT:
        found = pattern.search(norm)
        if found is not None:
            numbers = [g for g in found.groups() if g and _number(g) is not None]
            if numbers:
                return _number(numbers[0])
    if bare:
        lone = _LONE_NUMBER.search(norm)
        if lone is not None:
            return _number(lone.group(1))
    return None


def contact_in(text: str) -> str | None:
    """An e-mail address or a phone number, or "Telegram" for "via Telegram"."""
    email = _EMAIL.search(text or "")
    if email is not None:
        return email.group(0)
    phone = _PHONE.search(text or "")
    if phone is not None:
        return phone.group(0).strip()
    if _VIA_TELEGRAM.search(normalize(text or "")):
        return TELEGRAM
    return None


TELEGRAM = "Telegram"


def without_contact(text: str) -> str:
    """The text without its e-mail and phone (so they are not read as a topic or a place)."""
    return _PHONE.sub(" ", _EMAIL.sub(" ", text or ""))
