"""Which commune a place is in: INSEE code first, then the file's coordinates (when they fall
in or near the commune the file names), then postcode + town name.

A former commune's own INSEE code (`former.py`) finds the commune it was merged into, with
a warning. Real place lists bring CEDEX and special postcodes, Paris/Lyon/Marseille arrondissements
("Marseille 2e", "Paris 17e Arrondissement", 75017, 13202), former names of merged communes
and postcodes that do not serve the commune: when the name or the INSEE code is unambiguous
the place is found and a warning says how (never a refusal).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from bot.gazetteer import Commune, Resolution, normalize
from bot.gazetteer.communes import strip_article
from bot.importer.former import former_codes

logger = logging.getLogger(__name__)

# Arrondissement INSEE codes → the commune's: 751xx Paris, 132xx Marseille, 6938x Lyon.
_ARRONDISSEMENTS = (("751", "75056"), ("132", "13055"), ("6938", "69123"))
_ARRONDISSEMENT_NAME = re.compile(r"^(paris|marseille|lyon)\b.*$", re.IGNORECASE)
_CEDEX = re.compile(r"\s*\bcedex\b(\s*\d+)?\s*$", re.IGNORECASE)
NEAR_KM = 15.0


class Places(Protocol):
    """What locating needs from the gazetteer (a tiny fake will do in tests)."""

    def by_insee(self, code: str) -> Commune | None: ...

    def by_postcode(self, code: str) -> list[Commune]: ...

    def nearest(self, latitude: float, longitude: float) -> Commune | None: ...

    def resolve(self, query: str, *, departement: str | None = None) -> Resolution: ...


@dataclass(frozen=True, slots=True)
class Located:
    commune: Commune
    warning: str | None = None
    params: Mapping[str, object] = field(default_factory=dict)


def clean_town(city: str) -> str:
    """ "VANNES CEDEX 9" → "VANNES"; "Marseille 2e", "Paris 17e Arrondissement" → the city."""
    city = _CEDEX.sub("", city).strip()
    match = _ARRONDISSEMENT_NAME.match(city)
    return match.group(1) if match else city


def departement_of(postcode: str) -> str:
    return postcode[:3] if postcode.startswith("97") else postcode[:2]


def locate(
    places: Places,
    *,
    postcode: str,
    city: str,
    insee: str | None = None,
    point: tuple[float, float] | None = None,
) -> Located | None:
    """The commune of a place, with a warning when it was found despite its postcode."""
    town = clean_town(city)
    commune, former = _by_insee(places, insee) if insee else (None, None)
    by = "INSEE"
    if commune is None and point is not None:
        commune, by = _by_point(places, point, postcode, town), "coordinates"
    if commune is None:
        found = by_postcode_and_name(places, postcode, town)
        if found is not None:
            return _named(found, town)
        commune, by = _by_name(places, postcode, town), "name"
    if commune is None:
        return None
    if postcode not in commune.postcodes and places.by_postcode(postcode):
        params = {"postcode": postcode, "commune": commune.label, "by": by}
        return Located(commune, "postcode_not_serving", params)
    if former is not None:
        return Located(
            commune, "commune_former_insee", {"insee": former, "commune": commune.label}
        )
    return _named(commune, town)


def _by_insee(places: Places, insee: str) -> tuple[Commune | None, str | None]:
    """The commune of an INSEE code (an arrondissement's is its city's), and the code when
    it was a former commune's (merged into the commune returned)."""
    code = insee.strip().upper()
    for prefix, commune in _ARRONDISSEMENTS:
        if code.startswith(prefix) and code != commune:
            code = commune
    found = places.by_insee(code)
    if found is None and code in former_codes():
        return places.by_insee(former_codes()[code]), code
    return found, None


def _by_point(
    places: Places, point: tuple[float, float], postcode: str, town: str
) -> Commune | None:
    """The commune nearest the file's point, if it is the one the file names (by name or
    postcode): a point put in the wrong place does not move the space to another town."""
    nearest = places.nearest(*point)
    if nearest is None:
        return None
    if postcode in nearest.postcodes or normalize(nearest.name) == normalize(town):
        return nearest
    return None


def by_postcode_and_name(places: Places, postcode: str, city: str) -> Commune | None:
    """Among the communes of the postcode, the one the city names (accents, "St", former
    names and small typos forgiven through the gazetteer)."""
    served = places.by_postcode(postcode)
    if not served:
        return None
    key = normalize(city)
    for commune in served:
        if normalize(commune.name) == key:
            return commune
    found = places.resolve(city, departement=departement_of(postcode))
    for candidate in (found.commune, *found.candidates):
        if candidate is not None and candidate in served:
            return candidate
    return None


def _by_name(places: Places, postcode: str, town: str) -> Commune | None:
    """A CEDEX or wrong postcode: the town's name alone, if unambiguous in the département."""
    if not re.fullmatch(r"\d{5}", postcode):
        return None
    found = places.resolve(town, departement=departement_of(postcode))
    if found.commune is None or found.corrected:
        return None
    if found.commune.departement != departement_of(postcode):
        return None
    same_name = [c for c in found.candidates if normalize(c.name) == normalize(town)]
    return None if same_name else found.commune


def _named(commune: Commune, town: str) -> Located:
    """A warning when the file names a former commune, now part of `commune`."""
    written, current = strip_article(normalize(town)), strip_article(normalize(commune.name))
    if written != current and normalize(town) not in ("paris", "lyon", "marseille"):
        return Located(commune, "commune_former_name", {"city": town, "commune": commune.label})
    return Located(commune)
