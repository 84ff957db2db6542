"""Where a value of an LHEO row comes from: the position (`numero` of the session, or of the
action for a place) and the element path, so that the report says "session « S-12 », élément
« formation/action/session/periode/debut »" instead of a CSV column the admin never saw.

`Table.element` (see `bot.importer.tables`) is the hook: row number and contract column →
(position, path); validation passes it to every problem of the row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

logger = logging.getLogger(__name__)

ElementHook = Callable[[int, str | None], tuple[str | None, str | None]]

_ACTION = "formation/action"
SESSION_ELEMENT = _SESSION = f"{_ACTION}/session"
_ADDRESS = f"{_ACTION}/lieu-de-formation/coordonnees/adresse"
SESSION_PATHS: Mapping[str, str] = {
    "session_id": f"{_SESSION}/@numero",
    "title": "formation/intitule-formation",
    "organisation": "formation/organisme-formation-responsable/raison-sociale",
    "space_id": f"{_ACTION}/lieu-de-formation",
    "start": f"{_SESSION}/periode/debut",
    "end": f"{_SESSION}/periode/fin",
    "seats": f"{_SESSION}/extras/extra[@info='places'] | nb-places",
    "topics": "formation/code-FORMACODE",
    "modality": f"{_ACTION}/modalites-enseignement",
    "price_eur": f"{_ACTION}/prix-total-TTC",
    "cpf": f"{_ACTION}/extras/extra[@info='eligibilite-cpf']",
    "description": "formation/objectif-formation",
    "url": f"{_SESSION}/url-session/urlweb",
    "hours": f"{_ACTION}/nombre-heures-total",
    "times_known": f"{_SESSION}/extras/extra[@info='horaires']",
    "permanent_entry": f"{_ACTION}/modalites-entrees-sorties",
    "open_end": f"{_SESSION}/periode/fin",
    "min_participants": f"{_SESSION}/extras/extra[@info='min-participants']",
    "confirm_by": f"{_SESSION}/extras/extra[@info='date-decision']",
}
PLACE_PATHS: Mapping[str, str] = {
    "space_id": f"{_ACTION}/lieu-de-formation",
    "name": f"{_ACTION}/lieu-de-formation/coordonnees/denomination",
    "address": f"{_ADDRESS}/ligne",
    "postcode": f"{_ADDRESS}/codepostal",
    "city": f"{_ADDRESS}/ville",
    "insee": f"{_ADDRESS}/code-INSEE-commune",
    "latitude": f"{_ADDRESS}/geolocalisation/latitude",
    "longitude": f"{_ADDRESS}/geolocalisation/longitude",
    "accessible": f"{_ACTION}/acces-handicapes",
    "contact": f"{_ACTION}/lieu-de-formation/coordonnees/courriel",
}


def element_of(positions: list[str | None], paths: Mapping[str, str]) -> ElementHook:
    """The hook of one table: `positions[row - 1]` is the row's numero."""

    def element(row: int, column: str | None) -> tuple[str | None, str | None]:
        position = positions[row - 1] if 0 < row <= len(positions) else None
        return position, (paths.get(column, column) if column else None)

    return element
