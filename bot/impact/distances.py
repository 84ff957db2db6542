"""The reference training centres and the distance a place close to home avoids.

A learner without the space would travel to the nearest *centre*: a commune of at least
`min_population` inhabitants (50,000 by default: prefectures and the large towns where the
training offer concentrates). Distances are great-circle distances times `ROAD_FACTOR`, the
usual ratio of a road trip to the straight line in France (about 1.3), so the method stays
checkable without a routing service.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.gazetteer import Commune
from bot.geo import haversine_km

ROAD_FACTOR = 1.3


@dataclass(frozen=True, slots=True)
class Point:
    latitude: float
    longitude: float


def road_km(a: Point, b: Point) -> float:
    """The road distance estimated from the straight line (great circle × ROAD_FACTOR)."""
    return haversine_km(a.latitude, a.longitude, b.latitude, b.longitude) * ROAD_FACTOR


class Centres:
    """The communes a learner would otherwise travel to (about 130 at 50,000 inhabitants)."""

    def __init__(self, communes: Iterable[Commune], *, min_population: int) -> None:
        self.min_population = min_population
        self.centres = [
            (commune.name, Point(commune.latitude, commune.longitude))
            for commune in communes
            if commune.population >= min_population
        ]
        if not self.centres:
            raise ValueError(f"no commune has {min_population} inhabitants or more")

    def nearest(self, home: Point) -> tuple[str, float]:
        """The nearest centre to `home` and its road distance (a loop over ~130 points)."""
        return min(
            ((name, road_km(home, point)) for name, point in self.centres), key=lambda c: c[1]
        )


def avoided_one_way_km(*, home: Point, space: Point, centre_km: float) -> float:
    """How much shorter the trip to the space is than the trip to the centre; never
    negative (a space farther than the centre saves nothing)."""
    return max(0.0, centre_km - road_km(home, space))


def avoided_km(*, one_way_km: float, days: int) -> float:
    """A round trip each day of the session."""
    return 2 * one_way_km * days
