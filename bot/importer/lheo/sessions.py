"""`formation/action/session` (× each place of the action) → sessions rows.

* id: the session's `numero` (else the action's numero and the session's rank), namespaced by
  the organisation (`SIRET`, else its numero or name): `19290076900014:16`; an action given in
  two places gives each session once per place (`…:16@<place>`);
* dates: `periode/debut|fin` (see `dates`), times from an `horaires` extra; without one the
  session is stored with `times_known` = non (09:00–17:00 Paris only order it and anchor its
  reminders: it is shown by its days); `AAAAMM00` stands for the month; a session whose start
  is unknown (00000000) is not loaded, nor one whose end is open (99999999) unless its action
  has permanent entry (`modalites-entrees-sorties` = 1): it is then loaded until
  `OPEN_END_HORIZON_DAYS` after its start, flagged `open_end` (shown without an end date),
  with a warning; every skipped session is named in a warning;
* permanent entry → `permanent_entry` (shown as "entrées et sorties permanentes jusqu'au …");
* hours: `nombre-heures-total` of the action → `hours`;
* seats: a `places` extra, else `nb-places` of the session, else the sum of the action's
  `organisme-financeur/nb-places-financees`, else a default (warned);
* CPF only when the file says so (an `eligibilite-cpf` extra, or a financer coded "CPF"),
  never from `certifiante`;
* description: objective, expected results, content (plain text, see `text`);
* a session to confirm: extras `min-participants` and `date-decision` (`AAAAMMJJ`, taken at
  noon) of the session; LHEO has no element of its own for them;
* url: `url-session`, else `url-action`, else `url-formation`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import timedelta
from xml.etree.ElementTree import Element

from bot.importer.columns import SESSION_COLUMNS, SPACE_COLUMNS, Column, Kind
from bot.importer.lheo.dates import kind_of, read_date
from bot.importer.lheo.document import parse
from bot.importer.lheo.places import places_of, text_of
from bot.importer.lheo.positions import (
    PLACE_PATHS,
    SESSION_ELEMENT,
    SESSION_PATHS,
    ElementHook,
    element_of,
)
from bot.importer.lheo.text import plain_text
from bot.importer.problems import PLACE, SESSION, FileProblem, Problem
from bot.importer.reader import FileContent, Row, Table
from bot.importer.values import fold

logger = logging.getLogger(__name__)

DEFAULT_HOURS = ("09:00", "17:00")  # stored, never shown: `times_known` is then "non"
OPEN_END_HORIZON_DAYS = 365  # a permanent-entry action with an open end: shown for a year
DEFAULT_SEATS = 12
MODALITIES = {"0": "presentiel", "1": "blended", "2": "distanciel"}
RECRUITMENT_CLOSED = {"2": "recruitment_closed", "3": "recruitment_suspended"}
_HOURS = re.compile(r"(\d{1,2})[:hH](\d{2})?\s*(?:-|–|à|a)\s*(\d{1,2})[:hH](\d{2})?")
_TITLE_WORD = re.compile(r"[^\W\d_][\w'’-]{2,}")
# fmt: off
_STOP = frozenset(
    {
        "les", "des", "une", "pour", "avec", "dans", "sur", "aux", "par", "son", "ses",
        "leur", "leurs", "formation", "initiale", "continue", "module", "niveau", "session",
    }
)
# fmt: on
_SEATS_INFO = {"places", "nombre places", "nb places", "seats", "capacite"}
_HOURS_INFO = {"horaires", "heures", "hours"}
# A session to confirm: LHEO has no element for it, so two extras of the session carry it.
_MIN_INFO = ("min participants", "minimum participants", "participants min", "seuil")
_DECISION_INFO = ("date decision", "confirm by", "date de decision")
DECISION_HOUR = "12:00"  # a decision day `AAAAMMJJ` is taken at noon, Paris time
_CPF_INFO = {"eligibilite cpf", "eligible cpf", "cpf", "eligibilite au cpf"}
_YES = {"1", "oui", "o", "true", "yes", "vrai"}
_SKIPPED_DATES = {"unknown": "lheo_start_unknown", "open": "lheo_end_open"}
_DATE_COLUMNS = {"periode/debut": "start", "periode/fin": "end"}
Values = dict[str, str | None]


class _Offer:
    """The rows and warnings of one document, in file order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.spaces: dict[str, Values] = {}
        self.place_positions: dict[str, str | None] = {}  # space id → its action's numero
        self.sessions: list[Values] = []
        self.session_positions: list[str | None] = []  # the session's numero, by row
        self.warnings: list[Problem] = []
        self.default_seats = 0
        self.read = 0  # sessions met, loaded or not: the report's "session n°"

    def action(self, formation: Element, action: Element, action_rank: int) -> None:
        places = places_of(action)
        for place in places:
            self.spaces.setdefault(str(place["space_id"]), place)
            self.place_positions.setdefault(str(place["space_id"]), action.get("numero"))
        for rank, session in enumerate(action.findall("session"), start=1):
            self.read += 1
            base = _session_id(formation, action, session, action_rank, rank)
            if self._skipped(action, session, base):
                continue
            where: list[Values | None] = list(places) or [None]
            for at in where:
                row = _session(formation, action, session, at)
                row["session_id"] = (
                    base
                    if len(places) < 2 or at is None
                    else (f"{base}@{str(at['space_id'])[-8:]}")
                )
                self._add(session, row)

    def _skipped(self, action: Element, session: Element, base: str) -> bool:
        """A warning, and True, for a session without a known start or with an open end (an
        open end with permanent entry is loaded until the horizon, with a warning)."""
        for path in ("periode/debut", "periode/fin"):
            kind = kind_of(text_of(session, path))
            where = (self.name, self.read, SESSION_PATHS[_DATE_COLUMNS[path]])
            position = base.partition(":")[2]
            if kind == "open" and _permanent(action):
                params = {"id": base, "path": f"session/{path}", "days": OPEN_END_HORIZON_DAYS}
                self.warnings.append(
                    Problem(*where, "lheo_open_horizon", params, SESSION, position)
                )
            elif kind in _SKIPPED_DATES:
                params = {"id": base, "path": f"session/{path}"}
                self.warnings.append(
                    Problem(*where, _SKIPPED_DATES[kind], params, SESSION, position)
                )
                return True
        return False

    def _add(self, session: Element, row: Values) -> None:
        if row.pop("_default_seats", None):
            self.default_seats += 1
        state = text_of(session, "etat-recrutement")
        position = str(row["session_id"]).partition(":")[2]
        if state in RECRUITMENT_CLOSED:
            params = {"id": row["session_id"]}
            self.warnings.append(
                Problem(
                    self.name,
                    self.read,
                    f"{SESSION_ELEMENT}/etat-recrutement",
                    RECRUITMENT_CLOSED[state],
                    params,
                    SESSION,
                    position,
                )
            )
        self.sessions.append(row)
        self.session_positions.append(position)

    def content(self) -> FileContent:
        if not self.sessions and not self.warnings:
            raise FileProblem("not_lheo")
        if self.default_seats:
            params = {"count": self.default_seats, "seats": DEFAULT_SEATS}
            self.warnings.append(Problem(self.name, None, None, "default_seats", params))
        spaces = list(self.spaces.values())
        places = element_of(list(self.place_positions.values()), PLACE_PATHS)
        sessions = element_of(self.session_positions, SESSION_PATHS)
        tables = [
            _table(self.name, SPACE_COLUMNS, spaces, Kind.SPACES, PLACE, places),
            _table(self.name, SESSION_COLUMNS, self.sessions, Kind.SESSIONS, SESSION, sessions),
        ]
        return FileContent([t for t in tables if t is not None], self.warnings)


def read_lheo(name: str, data: bytes) -> FileContent:
    """A spaces table (places) and a sessions table from an LHEO 2.x document."""
    root = parse(data)
    formations = list(root.iter("formation"))
    if root.tag != "lheo" and not formations:
        raise FileProblem("not_lheo")
    offer = _Offer(name)
    for formation in formations:
        for action_rank, action in enumerate(formation.findall("action"), start=1):
            offer.action(formation, action, action_rank)
    return offer.content()


def _table(
    name: str,
    columns: tuple[Column, ...],
    rows: list[Values],
    kind: Kind,
    unit: str,
    element: ElementHook,
) -> Table | None:
    if not rows:
        return None

    def source() -> Iterator[Row]:
        for number, values in enumerate(rows, start=1):
            yield Row(number, dict(values))

    headers = [c.name for c in columns]
    return Table(name, headers, source, unit=unit, kind_hint=kind, element=element)


def _extras(*elements: Element) -> dict[str, str]:
    """`<extras><extra info="places">10</extra>` of the elements, by folded info name."""
    found: dict[str, str] = {}
    for element in elements:
        for extra in element.iterfind("extras/extra"):
            info, value = extra.get("info"), (extra.text or "").strip()
            if info and value:
                found.setdefault(fold(info), value)
    return found


def organisation_key(formation: Element) -> str:
    """What namespaces the ids of a formation: the organisation's SIRET, numero or name."""
    organisme = formation.find("organisme-formation-responsable")
    key = (
        text_of(organisme, "SIRET-organisme-formation/SIRET")
        or (organisme.get("numero") if organisme is not None else None)
        or _organisation(formation)
        or "lheo"
    )
    return re.sub(r"[^a-z0-9]+", "-", fold(key)).strip("-")[:40] or "lheo"


def _session_id(
    formation: Element, action: Element, session: Element, action_rank: int, rank: int
) -> str:
    local = session.get("numero")
    if not local:
        base = action.get("numero") or f"{formation.get('numero') or 'lheo'}-{action_rank}"
        local = f"{base}-{rank}"
    return f"{organisation_key(formation)}:{local}"[:100]


def _session(
    formation: Element, action: Element, session: Element, place: Values | None
) -> Values:
    extras = _extras(session, action)
    start_hour, end_hour, times_known = _hours(extras)
    start, end = text_of(session, "periode/debut"), text_of(session, "periode/fin")
    seats = _seats(extras, session, action)
    title = text_of(formation, "intitule-formation")
    row: Values = {
        "session_id": None,
        "title": _cut(title, 300),
        "organisation": _organisation(formation),
        "space_id": place["space_id"] if place else None,
        "start": _moment(start, start_hour, end=False),
        "end": _horizon(start, end_hour) if kind_of(end) == "open" else _moment(end, end_hour),
        "seats": seats or str(DEFAULT_SEATS),
        "topics": _topics(formation, title),
        "modality": MODALITIES.get(text_of(action, "modalites-enseignement") or ""),
        "format": "formation",
        "price_eur": text_of(action, "prix-total-TTC"),
        "cpf": "oui" if _cpf(extras, action) else "non",
        "description": _cut(_description(formation, action, session), 5000),
        "url": text_of(session, "url-session/urlweb")
        or text_of(action, "url-action/urlweb")
        or text_of(formation, "url-formation/urlweb"),
        "status": "scheduled",
        "hours": text_of(action, "nombre-heures-total"),
        "times_known": "oui" if times_known else "non",
        "permanent_entry": "oui" if _permanent(action) else "non",
        "open_end": "oui" if kind_of(end) == "open" else "non",
        "min_participants": next((extras[k] for k in _MIN_INFO if k in extras), None),
        "confirm_by": _decision(extras),
    }
    if seats is None:
        row["_default_seats"] = "1"
    return row


def _seats(extras: dict[str, str], session: Element, action: Element) -> str | None:
    """A `places` extra, else the session's `nb-places`, else the financed seats' sum."""
    explicit = next((extras[k] for k in _SEATS_INFO if k in extras), None)
    if explicit:
        return explicit
    for found in session.iter("nb-places"):
        if (found.text or "").strip().isdigit() and int(found.text or 0) > 0:
            return (found.text or "").strip()
    financed = [
        int(text)
        for text in (
            text_of(f, "nb-places-financees") for f in action.findall("organisme-financeur")
        )
        if text and text.isdigit()
    ]
    return str(sum(financed)) if sum(financed) > 0 else None


def _decision(extras: dict[str, str]) -> str | None:
    """The `date-decision` extra: `AAAAMMJJ` (noon, Paris) or a date and time as in CSV."""
    day = next((extras[k] for k in _DECISION_INFO if k in extras), None)
    return _moment(day, DECISION_HOUR) if day else None


def _cpf(extras: dict[str, str], action: Element) -> bool:
    """Only what says so: an `eligibilite-cpf` extra, or a financer whose code is "CPF"."""
    if any(fold(extras[k]) in _YES for k in _CPF_INFO if k in extras):
        return True
    codes = (text_of(f, "code-financeur") for f in action.findall("organisme-financeur"))
    return any(fold(code or "") == "cpf" for code in codes)


def _permanent(action: Element) -> bool:
    return text_of(action, "modalites-entrees-sorties") == "1"


def _description(formation: Element, action: Element, session: Element) -> str:
    parts = [
        plain_text(_raw(formation, tag))
        for tag in ("objectif-formation", "resultats-attendus", "contenu-formation")
    ]
    return "\n\n".join(p for p in parts if p)


def _raw(element: Element, path: str) -> str | None:
    found = element.find(path)
    return found.text if found is not None else None


def _hours(extras: dict[str, str]) -> tuple[str, str, bool]:
    """Start and end ("09:30") from an `horaires` extra such as "9h30-12h", and True; else
    the default hours and False (days only)."""
    hours = next((extras[k] for k in _HOURS_INFO if k in extras), None)
    match = _HOURS.search(hours or "")
    if not match:
        return (*DEFAULT_HOURS, False)
    h1, m1, h2, m2 = match.groups()
    return f"{int(h1):02d}:{m1 or '00'}", f"{int(h2):02d}:{m2 or '00'}", True


def _organisation(formation: Element) -> str | None:
    organisme = formation.find("organisme-formation-responsable")
    names = (text_of(organisme, "raison-sociale"), text_of(organisme, "nom-organisme"))
    return next((n for n in names if n and n.strip("-. ")), None)


def _horizon(start: str | None, hour: str) -> str | None:
    """The stored end of an open-ended permanent entry: `OPEN_END_HORIZON_DAYS` after the
    start (the start is checked first: an unknown one is skipped)."""
    first = read_date(start, end=False)
    if first is None:
        return start
    return f"{(first.day + timedelta(days=OPEN_END_HORIZON_DAYS)).isoformat()} {hour}"


def _moment(day: str | None, hour: str, *, end: bool = True) -> str | None:
    """A day `20270208` and `09:00` → `2027-02-08 09:00` (`202703 00` → the month's first or
    last day); anything else is passed on as is, to be refused by validation as written."""
    found = read_date(day, end=end)
    return f"{found.day.isoformat()} {hour}" if found else day


def _topics(formation: Element, title: str | None) -> str:
    codes = [
        (code.text or "").strip()
        for tag in ("code-FORMACODE", "code-ROME", "code-NSF")
        for code in formation.iter(tag)
        if (code.text or "").strip()
    ]
    words = [w.lower() for w in _TITLE_WORD.findall(title or "") if fold(w) not in _STOP]
    return _cut(";".join(dict.fromkeys(codes + words)), 1000) or ""


def _cut(text: str | None, limit: int) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"
