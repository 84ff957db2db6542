"""Where a demand report looks: around an organisation's spaces, or in a département.

Searches are grouped by *hub*: a searched commune counts for the commune of the nearest
space within `REACH_KM` ("Excel autour de Ploërmel"), else for itself. The communes within
reach of an organisation are computed once per report from the gazetteer, with communes
sorted by latitude so each space looks only at its band.
"""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass, field

from bot.gazetteer import Commune, Gazetteer
from bot.geo import haversine_km
from bot.search.departements import DEPARTEMENTS

REACH_KM = 50.0  # a search counts for a space this close (and for an organisation's scope)
_KM_PER_DEGREE = 111.2

DEPARTEMENT_NAMES = {code: name for code, name in DEPARTEMENTS.values()}


@dataclass(frozen=True)
class Hub:
    """A place demand is grouped around: a space's commune."""

    insee: str
    name: str
    latitude: float
    longitude: float


@dataclass
class Scope:
    """The communes a report covers (None: all those of `departements`), and its hubs."""

    departements: frozenset[str] | None  # None: the whole country
    communes: frozenset[str] | None
    hubs: list[Hub]
    _hub_of: dict[str, Hub | None] = field(default_factory=dict)

    def hub_of(self, insee: str, gazetteer: Gazetteer) -> Hub | None:
        """The nearest hub within reach of a searched commune (memoised per report)."""
        if insee not in self._hub_of:
            commune = gazetteer.by_insee(insee)
            self._hub_of[insee] = None if commune is None else _nearest(self.hubs, commune)
        return self._hub_of[insee]


def _nearest(hubs: list[Hub], commune: Commune) -> Hub | None:
    best: tuple[float, Hub] | None = None
    band = REACH_KM / _KM_PER_DEGREE
    for hub in hubs:
        if abs(hub.latitude - commune.latitude) > band:  # cheap test before the distance
            continue
        km = haversine_km(commune.latitude, commune.longitude, hub.latitude, hub.longitude)
        if km <= REACH_KM and (best is None or km < best[0]):
            best = (km, hub)
    return best[1] if best else None


@functools.lru_cache(maxsize=2)
def _by_latitude(gazetteer: Gazetteer) -> tuple[list[float], list[Commune]]:
    communes = sorted(gazetteer.communes, key=lambda c: c.latitude)
    return [c.latitude for c in communes], communes


def communes_within(
    gazetteer: Gazetteer, points: list[tuple[float, float]], km: float = REACH_KM
) -> list[Commune]:
    """Every commune within `km` of one of the points."""
    latitudes, communes = _by_latitude(gazetteer)
    band = km / _KM_PER_DEGREE
    found: dict[str, Commune] = {}
    lon_band = km / 60.0  # a degree of longitude is at least 60 km in mainland France
    for lat, lon in points:
        start = bisect.bisect_left(latitudes, lat - band)
        end = bisect.bisect_right(latitudes, lat + band)
        for commune in communes[start:end]:
            if (
                abs(commune.longitude - lon) <= lon_band
                and commune.insee not in found
                and haversine_km(lat, lon, commune.latitude, commune.longitude) <= km
            ):
                found[commune.insee] = commune
    return list(found.values())


def hubs_of(gazetteer: Gazetteer, spaces: list[tuple[str, float, float, str | None]]) -> list[Hub]:
    """The communes of spaces (name, lat, lon, insee), once each."""
    hubs: dict[str, Hub] = {}
    for _name, lat, lon, insee in spaces:
        commune = gazetteer.by_insee(insee) if insee else gazetteer.nearest(lat, lon)
        if commune is not None and commune.insee not in hubs:
            hubs[commune.insee] = Hub(
                commune.insee, commune.name, commune.latitude, commune.longitude
            )
    return list(hubs.values())


def around_spaces(
    gazetteer: Gazetteer, spaces: list[tuple[str, float, float, str | None]]
) -> Scope:
    """The communes within reach of an organisation's spaces."""
    reach = communes_within(gazetteer, [(lat, lon) for _n, lat, lon, _i in spaces])
    return Scope(
        departements=frozenset(c.departement for c in reach),
        communes=frozenset(c.insee for c in reach),
        hubs=hubs_of(gazetteer, spaces),
    )


def in_departement(
    departement: str, gazetteer: Gazetteer, spaces: list[tuple[str, float, float, str | None]]
) -> Scope:
    """A département; its spaces are the hubs."""
    return Scope(frozenset({departement}), None, hubs_of(gazetteer, spaces))


def departement_label(code: str) -> str:
    """ "Morbihan (56)"; the code alone when unknown."""
    name = DEPARTEMENT_NAMES.get(code)
    return f"{name} ({code})" if name else code
