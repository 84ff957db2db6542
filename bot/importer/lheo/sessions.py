"""`formation/action/session` (× each place of the action) → sessions rows.

* id: the session's `numero` (else the action's numero and the session's rank), namespaced by
  the organisation (`SIRET`, else its numero or name): `19290076900014:16`; an action given in
  two places gives each session once per place (`…:16@<place>`);
* dates: `periode/debut|fin` (see `dates`), hours from an `horaires` extra, else 09:00–17:00
  Paris; a session whose start is unknown (00000000) or whose end is open (99999999) is not
  loaded (a warning names it); `AAAAMM00` stands for the month;
* seats: a `places` extra, else `nb-places` of the session, else the sum of the action's
  `organisme-financeur/nb-places-financees`, else a default (warned);
* CPF only when the file says so (an `eligibilite-cpf` extra, or a financer coded "CPF"),
  never from `certifiante`;
* description: objective, expected results, content (plain text, see `text`), with the total
  hours (`nombre-heures-total`) and the permanent entry (`modalites-entrees-sorties` = 1);
* url: `url-session`, else `url-action`, else `url-formation`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element

from bot.i18n import translator
from bot.importer.columns import SESSION_COLUMNS, SPACE_COLUMNS, Kind
from bot.importer.lheo.dates import kind_of, read_date
from bot.importer.lheo.document import parse
from bot.importer.lheo.places import places_of, text_of
from bot.importer.lheo.text import plain_text
from bot.importer.problems import PLACE, SESSION, FileProblem, Problem
from bot.importer.reader import FileContent, Row, Table
from bot.importer.values import fold

logger = logging.getLogger(__name__)

DEFAULT_HOURS = ("09:00", "17:00")
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
_CPF_INFO = {"eligibilite cpf", "eligible cpf", "cpf", "eligibilite au cpf"}
_YES = {"1", "oui", "o", "true", "yes", "vrai"}
_SKIPPED_DATES = {"unknown": "lheo_start_unknown", "open": "lheo_end_open"}
Values = dict[str, str | None]


class _Offer:
    """The rows and warnings of one document, in file order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.spaces: dict[str, Values] = {}
        self.sessions: list[Values] = []
        self.warnings: list[Problem] = []
        self.default_seats = 0
        self.read = 0  # sessions met, loaded or not: the report's "session n°"

    def action(self, formation: Element, action: Element, action_rank: int) -> None:
        places = places_of(action)
        for place in places:
            self.spaces.setdefault(str(place["space_id"]), place)
        for rank, session in enumerate(action.findall("session"), start=1):
            self.read += 1
            base = _session_id(formation, action, session, action_rank, rank)
            if self._skipped(session, base):
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

    def _skipped(self, session: Element, base: str) -> bool:
        """A warning, and True, for a session without a known start or with an open end."""
        for path in ("periode/debut", "periode/fin"):
            kind = kind_of(text_of(session, path))
            if kind in _SKIPPED_DATES:
                params = {"id": base, "path": f"session/{path}"}
                self.warnings.append(
                    Problem(self.name, self.read, None, _SKIPPED_DATES[kind], params, SESSION)
                )
                return True
        return False

    def _add(self, session: Element, row: Values) -> None:
        if row.pop("_default_seats", None):
            self.default_seats += 1
        state = text_of(session, "etat-recrutement")
        if state in RECRUITMENT_CLOSED:
            params = {"id": row["session_id"]}
            self.warnings.append(
                Problem(self.name, self.read, None, RECRUITMENT_CLOSED[state], params, SESSION)
            )
        self.sessions.append(row)

    def content(self) -> FileContent:
        if not self.sessions and not self.warnings:
            raise FileProblem("not_lheo")
        if self.default_seats:
            params = {"count": self.default_seats, "seats": DEFAULT_SEATS}
            self.warnings.append(Problem(self.name, None, None, "default_seats", params))
        spaces = list(self.spaces.values())
        tables = [
            _table(self.name, [c.name for c in SPACE_COLUMNS], spaces, Kind.SPACES, PLACE),
            _table(
                self.name, [c.name for c in SESSION_COLUMNS], self.sessions, Kind.SESSIONS, SESSION
            ),
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
    name: str, headers: list[str], rows: list[Values], kind: Kind, unit: str
) -> Table | None:
    if not rows:
        return None

    def source() -> Iterator[Row]:
        for number, values in enumerate(rows, start=1):
            yield Row(number, dict(values))

    return Table(name, headers, source, unit=unit, kind_hint=kind)


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
    start_hour, end_hour = _hours(extras)
    seats = _seats(extras, session, action)
    title = text_of(formation, "intitule-formation")
    row: Values = {
        "session_id": None,
        "title": _cut(title, 300),
        "organisation": _organisation(formation),
        "space_id": place["space_id"] if place else None,
        "start": _moment(text_of(session, "periode/debut"), start_hour, end=False),
        "end": _moment(text_of(session, "periode/fin"), end_hour, end=True),
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


def _cpf(extras: dict[str, str], action: Element) -> bool:
    """Only what says so: an `eligibilite-cpf` extra, or a financer whose code is "CPF"."""
    if any(fold(extras[k]) in _YES for k in _CPF_INFO if k in extras):
        return True
    codes = (text_of(f, "code-financeur") for f in action.findall("organisme-financeur"))
    return any(fold(code or "") == "cpf" for code in codes)


def _description(formation: Element, action: Element, session: Element) -> str:
    t = translator("fr")
    facts = []
    hours = text_of(action, "nombre-heures-total")
    if hours:
        facts.append(t("importer.lheo.hours", hours=hours))
    if text_of(action, "modalites-entrees-sorties") == "1":
        end = read_date(text_of(session, "periode/fin"), end=True)
        until = end.day.strftime("%d/%m/%Y") if end else ""
        facts.append(t("importer.lheo.permanent", until=until))
    parts = [
        plain_text(_raw(formation, tag))
        for tag in ("objectif-formation", "resultats-attendus", "contenu-formation")
    ]
    return "\n\n".join(p for p in ["\n".join(facts), *parts] if p)


def _raw(element: Element, path: str) -> str | None:
    found = element.find(path)
    return found.text if found is not None else None


def _hours(extras: dict[str, str]) -> tuple[str, str]:
    """Start and end ("09:30") from an `horaires` extra such as "9h30-12h", else the default."""
    hours = next((extras[k] for k in _HOURS_INFO if k in extras), None)
    match = _HOURS.search(hours or "")
    if not match:
        return DEFAULT_HOURS
    h1, m1, h2, m2 = match.groups()
    return f"{int(h1):02d}:{m1 or '00'}", f"{int(h2):02d}:{m2 or '00'}"


def _organisation(formation: Element) -> str | None:
    organisme = formation.find("organisme-formation-responsable")
    names = (text_of(organisme, "raison-sociale"), text_of(organisme, "nom-organisme"))
    return next((n for n in names if n and n.strip("-. ")), None)


def _moment(day: str | None, hour: str, *, end: bool) -> str | None:
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
