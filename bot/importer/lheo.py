"""LHEO XML (the French standard for training offers) mapped onto spaces and sessions rows.

Parsed with defusedxml: a DTD, entity expansion ("billion laughs") or an external entity
(XXE) refuses the whole file before anything is expanded or fetched. Namespaces are ignored
(LHEO 2.2, 2.3 or none). The mapping:

* `formation/action/session` → a sessions row: id from `session@numero` (else the action's
  numero and the session's rank), title `intitule-formation`, organisation
  `organisme-formation-responsable/raison-sociale`, dates `periode/debut|fin` (YYYYMMDD) with
  the hours of the `horaires` extra or 09:00–17:00 Paris, seats from the `places` extra,
  modality from `modalites-enseignement` (0/1/2), price `prix-total-TTC`, CPF when
  `certifiante` is 1, topics from FORMACODE/ROME/NSF codes and the words of the title;
* `action/lieu-de-formation` → a spaces row whose id is the place's `numero`, or derived from
  postcode + city + address so that loading the file again finds the same space.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from datetime import date
from xml.etree.ElementTree import Element, ParseError

import defusedxml
from defusedxml.ElementTree import fromstring

from bot.importer.columns import SESSION_COLUMNS, SPACE_COLUMNS, Kind
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


def read_lheo(name: str, data: bytes) -> FileContent:
    """A spaces table (places) and a sessions table from an LHEO document."""
    root = _parse(data)
    formations = list(root.iter("formation"))
    if root.tag != "lheo" and not formations:
        raise FileProblem("not_lheo")
    spaces: dict[str, dict[str, str | None]] = {}
    sessions: list[dict[str, str | None]] = []
    warnings: list[Problem] = []
    default_seats = 0
    for formation in formations:
        for action_rank, action in enumerate(formation.findall("action"), start=1):
            space = _space(action)
            if space is not None:
                spaces.setdefault(str(space["space_id"]), space)
            for rank, session in enumerate(action.findall("session"), start=1):
                row = _session(formation, action, session, space, action_rank, rank)
                if row.pop("_default_seats", None):
                    default_seats += 1
                if closed := _recruitment_closed(name, len(sessions) + 1, session, row):
                    warnings.append(closed)
                sessions.append(row)
    if not sessions:
        raise FileProblem("not_lheo")
    if default_seats:
        warnings.append(
            Problem(
                name, None, None, "default_seats", {"count": default_seats, "seats": DEFAULT_SEATS}
            )
        )
    tables = [
        _table(name, [c.name for c in SPACE_COLUMNS], list(spaces.values()), Kind.SPACES, PLACE),
        _table(name, [c.name for c in SESSION_COLUMNS], sessions, Kind.SESSIONS, SESSION),
    ]
    return FileContent([t for t in tables if t is not None], warnings)


def _parse(data: bytes) -> Element:
    """The document's root, its tags stripped of namespaces (LHEO 2.2, 2.3 or none)."""
    try:
        root = fromstring(data, forbid_dtd=True)
    except defusedxml.DefusedXmlException:
        raise FileProblem("xml_forbidden") from None
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise FileProblem("bad_xml", line=line, column=column) from None
    for element in root.iter():
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.rsplit("}", 1)[1]
    return root


def _recruitment_closed(
    name: str, number: int, session: Element, row: dict[str, str | None]
) -> Problem | None:
    """A warning for a session whose recruitment is closed or suspended (still loaded)."""
    state = _text(session, "etat-recrutement")
    if state not in RECRUITMENT_CLOSED:
        return None
    return Problem(
        name, number, None, RECRUITMENT_CLOSED[state], {"id": row["session_id"]}, SESSION
    )


def _table(
    name: str, headers: list[str], rows: list[dict[str, str | None]], kind: Kind, unit: str
) -> Table | None:
    if not rows:
        return None

    def source() -> Iterator[Row]:
        for number, values in enumerate(rows, start=1):
            yield Row(number, dict(values))

    return Table(name, headers, source, unit=unit, kind_hint=kind)


def _text(element: Element | None, path: str) -> str | None:
    """Stripped text of the first element at `path`, or None."""
    if element is None:
        return None
    found = element.find(path)
    if found is None or found.text is None:
        return None
    return " ".join(found.text.split()) or None


def _extras(*elements: Element) -> dict[str, str]:
    """`<extras><extra info="places">10</extra>` of the elements, by folded info name."""
    found: dict[str, str] = {}
    for element in elements:
        for extra in element.iterfind("extras/extra"):
            info, value = extra.get("info"), (extra.text or "").strip()
            if info and value:
                found.setdefault(fold(info), value)
    return found


def _space(action: Element) -> dict[str, str | None] | None:
    place = action.find("lieu-de-formation")
    if place is None:
        return None
    coords = place.find("coordonnees")
    address = coords.find("adresse") if coords is not None else None
    if coords is None or address is None:
        return None
    postcode, city = _text(address, "codepostal"), _text(address, "ville")
    street = _street(address)
    numero = place.get("numero") or coords.get("numero")
    space_id = numero or _derived_space_id(postcode or "", city or "", street)
    name = _text(coords, "nom") or _text(coords, "ligne") or f"Lieu de formation, {city or ''}"
    return {
        "space_id": space_id,
        "name": name,
        "address": street or None,
        "postcode": postcode,
        "city": city,
        "latitude": _text(address, "geolocalisation/latitude"),
        "longitude": _text(address, "geolocalisation/longitude"),
        "accessible": _accessible(action),
        "contact": _text(coords, "courriel") or _text(coords, "telfixe/numtel"),
    }


def _street(address: Element) -> str:
    """The `ligne` elements of an address on one line."""
    return ", ".join(" ".join(line.text.split()) for line in address.findall("ligne") if line.text)


def _accessible(action: Element) -> str | None:
    """`oui` or `non` from the free text of `acces-handicapes`; None when it says nothing."""
    access = _text(action, "acces-handicapes")
    if not access:
        return None
    refused = any(
        word in fold(access) for word in ("non accessible", "pas accessible", "inaccessible")
    )
    return "non" if refused else "oui"


def _derived_space_id(postcode: str, city: str, street: str) -> str:
    """A readable id that stays the same as long as the address does."""
    key = "|".join(fold(part) for part in (postcode, city, street))
    digest = hashlib.sha1(key.encode()).hexdigest()[:8]
    slug = re.sub(r"[^a-z0-9]+", "-", fold(city)).strip("-")[:40]
    return f"lieu-{postcode}-{slug}-{digest}"


def _session(
    formation: Element,
    action: Element,
    session: Element,
    space: dict[str, str | None] | None,
    action_rank: int,
    rank: int,
) -> dict[str, str | None]:
    extras = _extras(session, action)
    base = action.get("numero") or f"{formation.get('numero') or 'lheo'}-{action_rank}"
    start_hour, end_hour = _hours(extras)
    seats = next((extras[k] for k in _SEATS_INFO if k in extras), None)
    title = _text(formation, "intitule-formation")
    description = "\n\n".join(
        part
        for part in (_text(formation, "objectif-formation"), _text(formation, "contenu-formation"))
        if part
    )
    url = _text(action, "url-action/urlweb") or _text(formation, "url-formation/urlweb")
    row: dict[str, str | None] = {
        "session_id": session.get("numero") or f"{base}-{rank}",
        "title": _cut(title, 300),
        "organisation": _organisation(formation),
        "space_id": space["space_id"] if space else None,
        "start": _moment(_text(session, "periode/debut"), start_hour),
        "end": _moment(_text(session, "periode/fin"), end_hour),
        "seats": seats or str(DEFAULT_SEATS),
        "topics": _topics(formation, title),
        "modality": MODALITIES.get(_text(action, "modalites-enseignement") or ""),
        "format": "formation",
        "price_eur": _text(action, "prix-total-TTC"),
        "cpf": "oui" if _text(formation, "certifiante") == "1" else "non",
        "description": _cut(description, 5000),
        "url": url,
        "status": "scheduled",
    }
    if seats is None:
        row["_default_seats"] = "1"
    return row


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
    return _text(organisme, "raison-sociale") or _text(organisme, "nom-organisme")


def _moment(day: str | None, hour: str) -> str | None:
    """A day `20270208` and `09:00` → `2027-02-08 09:00`; anything else is passed on as is
    (to be refused by validation with the value the admin wrote)."""
    if day is None:
        return None
    if len(day) == 8 and day.isdigit():
        try:
            return f"{date(int(day[:4]), int(day[4:6]), int(day[6:])).isoformat()} {hour}"
        except ValueError:
            return day
    return day


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
