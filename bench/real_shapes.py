"""Real-shaped inputs for `bench_import.py` (issue 9): an ANCT France Services place list and
a hostile XLSX.

`place_list()` writes 2,800 rows in the ANCT shape (`id_fs;lib_fs;adresse;code_postal;lib_com;
insee_com;latitude;longitude`, `;`, UTF-8) from `data/communes.csv` (through the gazetteer),
with the messiness real exports have, in fixed shares (seeded):

* town names in capitals (12 %), CEDEX postcodes with "CEDEX n" after the town (4 %),
* Paris / Lyon / Marseille arrondissements by code and name ("Paris 17e Arrondissement",
  75117, 75017; 3 %),
* former communes by name, without an INSEE code (3 %),
* a wrong postcode (another commune's of the département) with the right INSEE code (1 %),
* no INSEE code (15 %), no coordinates (20 %), coordinates a few hundred metres off,
* junk (0.5 %): no postcode and no town, "N/A", a postcode and town that do not exist, a
  latitude of "abc", a town cut to its first letters: rows nobody could place.

`hostile_xlsx()` writes a workbook of about 1 MB whose one sheet inflates to about 280 MB:
3 million identical rows without row numbers or declared dimension (the case of issue 9).
"""

from __future__ import annotations

import csv
import io
import random
import zipfile
from pathlib import Path

HEADER = ["id_fs", "lib_fs", "adresse", "code_postal", "lib_com", "insee_com", "latitude",
          "longitude"]  # fmt: skip
JUNK = [
    ("", ""),
    ("N/A", "N/A"),
    ("99999", "Tataouine-les-Bains"),
    ("00000", "inconnue"),
    ("2A004", "Ajac"),
]
ARRONDISSEMENTS = (
    [("Paris", f"751{n:02d}", f"750{n:02d}") for n in range(1, 21)]
    + [("Marseille", f"132{n:02d}", f"130{n:02d}") for n in range(1, 17)]
    + [("Lyon", f"6938{n}", f"6900{n}") for n in range(1, 10)]
)


def place_list(path: Path, rows: int = 2_800, seed: int = 9) -> dict[str, int]:
    """Write the place list; returns how many rows of each kind of messiness it holds."""
    from bot.gazetteer import default_gazetteer
    from bot.gazetteer.communes import DEFAULT_PATH, read_communes

    rng = random.Random(seed)
    gazetteer = default_gazetteer()
    towns = [c for c in gazetteer.communes if 1_000 <= c.population <= 60_000 and c.postcodes]
    by_dept: dict[str, list] = {}
    for c in towns:
        by_dept.setdefault(c.departement, []).append(c)
    former = [
        (name, gazetteer.by_insee(code))
        for name, code in read_communes(DEFAULT_PATH)[1]
        if gazetteer.by_insee(code) is not None and gazetteer.by_insee(code).postcodes
    ]
    kinds: dict[str, int] = {}
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    junk_every = 200  # 0.5 %
    for i in range(rows):
        kind, row = _row(rng, i, towns, by_dept, former, junk=i % junk_every == junk_every - 1)
        kinds[kind] = kinds.get(kind, 0) + 1
        writer.writerow(row)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return kinds


def _row(rng, i, towns, by_dept, former, *, junk: bool) -> tuple[str, list[object]]:
    """One row and the name of its messiness."""
    ident, address = f"FS-{i + 1:05d}", f"{rng.randint(1, 90)} rue de la Mairie"
    if junk:
        postcode, town = JUNK[i // 200 % len(JUNK)]
        return "junk", [ident, "France Services", address, postcode, town, "", "abc", ""]
    c = rng.choice(towns)
    name, postcode, insee = c.name, rng.choice(c.postcodes), c.insee
    lat, lon = c.latitude + rng.uniform(-0.004, 0.004), c.longitude + rng.uniform(-0.004, 0.004)
    draw, kind = rng.random(), "clean"
    if draw < 0.12:
        name, kind = name.upper(), "capitals"
    elif draw < 0.16:
        name, kind = f"{name.upper()} CEDEX {rng.randint(1, 9)}", "cedex"
        postcode = f"{postcode[:2]}{rng.randint(900, 999)}"
    elif draw < 0.19:
        city, insee, postcode = rng.choice(ARRONDISSEMENTS)
        n = int(postcode[-2:])
        name, kind = f"{city} {n}e Arrondissement" if n > 1 else f"{city} 1er", "arrondissement"
        lat, lon = {"Paris": (48.8566, 2.3522), "Marseille": (43.2965, 5.3698),
                    "Lyon": (45.764, 4.8357)}[city]  # fmt: skip
    elif draw < 0.22 and former:
        name, current = rng.choice(former)
        postcode, insee, kind = current.postcodes[0], "", "former name"
        lat, lon = current.latitude, current.longitude
    elif draw < 0.23:
        other = rng.choice(by_dept[c.departement])
        if other.postcodes[0] not in c.postcodes:
            postcode, kind = other.postcodes[0], "wrong postcode"
    if kind == "clean" and rng.random() < 0.15:
        insee, kind = "", "no INSEE"
    located = rng.random() >= 0.20
    return kind, [
        ident,
        f"France Services {c.name}" if kind != "arrondissement" else f"France Services {name}",
        address,
        postcode,
        name,
        insee,
        f"{lat:.6f}" if located else "",
        f"{lon:.6f}" if located else "",
    ]


def hostile_xlsx(path: Path, rows: int = 3_000_000) -> tuple[int, int]:
    """A workbook of ~1 MB whose sheet inflates to ~280 MB; returns (file bytes, inflated)."""
    cells = "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in ("x" * 8, "y" * 8))
    row = f"<row>{cells}</row>".encode()
    head = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>" + _header()
    )
    tail = b"</sheetData></worksheet>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(head)
            block = row * 10_000
            for _ in range(rows // 10_000):
                sheet.write(block)
            sheet.write(tail)
        inflated = sum(info.file_size for info in archive.infolist())
    return path.stat().st_size, inflated


def _header() -> bytes:
    """The sessions header: the rows are read (and counted) as sessions rows."""
    from bot.importer.columns import SESSION_COLUMNS

    cells = "".join(f'<c t="inlineStr"><is><t>{c.name}</t></is></c>' for c in SESSION_COLUMNS)
    return f"<row>{cells}</row>".encode()


_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
        'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="sessions" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}
