"""Reading files into tables: encodings, separators, XLSX formulas and sheets, JSON, LHEO XML."""

import io
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.importer import reader
from bot.importer.problems import FileProblem
from bot.importer.reader import read_file
from bot.importer.values import FORMULA_WITHOUT_VALUE

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
HEADER = "session_id,title,organisation,space_id,start,end,seats"


def _rows(name: str, data: bytes, index: int = 0) -> list:
    return list(read_file(name, data).tables[index].rows())


def _refused(name: str, data: bytes, **kwargs) -> FileProblem:
    with pytest.raises(FileProblem) as caught:
        read_file(name, data, **kwargs)
    return caught.value


def _xlsx(sheets: dict[str, list[list]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- CSV -----------------------------------------------------------------------------------


def test_utf8_with_bom_and_comma() -> None:
    data = "\ufeffsession_id,title\nS1,Écrire\n".encode()
    table = read_file("s.csv", data).tables[0]
    assert table.headers == ["session_id", "title"]
    assert list(table.rows()) == [reader.Row(2, {"session_id": "S1", "title": "Écrire"})]


def test_semicolon_separator_with_quoted_semicolons() -> None:
    data = b'session_id;title\nS1;"Excel ; niveau 2"\n'
    assert _rows("s.csv", data)[0].values == {"session_id": "S1", "title": "Excel ; niveau 2"}


def test_windows_1252_as_excel_saves_it() -> None:
    rows = _rows("windows1252.csv", (SAMPLE / "bad" / "windows1252.csv").read_bytes())
    assert [r.number for r in rows] == [2, 3, 4]
    assert rows[0].values["title"] == "Excel : les fonctions «SI» et «RECHERCHEV»"


def test_windows_1252_ellipsis_does_not_break_the_line() -> None:
    data = "session_id;title\r\nS1;Et après… la suite\r\nS2;Deux\r\n".encode("cp1252")
    assert b"\x85" in data
    rows = _rows("s.csv", data)
    assert [(r.number, r.values["title"]) for r in rows] == [
        (2, "Et après… la suite"),
        (3, "Deux"),
    ]


def test_row_numbers_are_the_spreadsheet_rows() -> None:
    data = f'{HEADER}\nS1,"Deux\nlignes",O,E,a,b,1\n\nS2,T,O,E,a,b,1\n'.encode()
    assert [r.number for r in _rows("s.csv", data)] == [2, 4]


def test_header_only_gives_no_rows() -> None:
    assert _rows("header_only.csv", (SAMPLE / "bad" / "header_only.csv").read_bytes()) == []


@pytest.mark.parametrize("data", [b"", b"  \r\n\n"])
def test_empty_files_are_refused(data) -> None:
    assert _refused("empty.csv", data).code == "empty_file"


def test_binary_named_csv_is_not_a_text_file() -> None:
    assert _refused("binary.csv", (SAMPLE / "bad" / "binary.csv").read_bytes()).code == "not_text"
    assert _refused("zip.csv", b"PK\x03\x04\x14\x00\x00\x00garbage").code == "not_text"


def test_bytes_undefined_in_windows_1252_are_refused() -> None:
    assert _refused("s.csv", b"session_id,title\nS1,\x81\x8d\x9d\n").code == "encoding"


def test_size_limit_is_checked_before_parsing(monkeypatch) -> None:
    def no_parsing(*args, **kwargs):
        raise AssertionError("an oversized file must not be parsed")

    monkeypatch.setattr(reader, "_csv_table", no_parsing)
    problem = _refused("big.csv", b"x" * 101, max_bytes=100)
    assert problem.code == "too_large"
    big = b"session_id\n" + b"S1\n" * (7 * 1024 * 1024)  # 21 MB, cheap to build in memory
    problem = _refused("big.csv", big)
    assert (problem.code, problem.params) == ("too_large", {"size_mb": 21.0, "max_mb": 20})


@pytest.mark.parametrize(
    ("name", "code"), [("offre.pdf", "unsupported_format"), ("offre.xls", "old_spreadsheet")]
)
def test_unsupported_formats(name, code) -> None:
    assert _refused(name, b"something").code == code


# --- XLSX ----------------------------------------------------------------------------------


def test_xlsx_formulas_give_their_cached_values_and_a_warning() -> None:
    content = read_file("formulas.xlsx", (SAMPLE / "bad" / "formulas.xlsx").read_bytes())
    rows = list(content.tables[0].rows())
    assert [r.values["seats"] for r in rows] == [8, 12, 10]
    assert rows[0].values["start"] == datetime(2027, 3, 2, 9, 0)
    assert [(w.code, dict(w.params)) for w in content.warnings] == [
        ("formulas_used", {"sheet": "sessions", "count": 3})
    ]


def test_xlsx_formula_without_cached_value_is_marked_never_evaluated() -> None:
    # openpyxl saves formulas without a computed value, like a file never opened in Excel.
    data = _xlsx({"sessions": [["session_id", "seats"], ["S1", "=4+4"], ["S2", 6]]})
    rows = _rows("f.xlsx", data)
    assert [r.values["seats"] for r in rows] == [FORMULA_WITHOUT_VALUE, 6]


def test_xlsx_uses_the_sheet_named_like_the_kind() -> None:
    content = read_file("two_sheets.xlsx", (SAMPLE / "bad" / "two_sheets.xlsx").read_bytes())
    assert [t.sheet for t in content.tables] == ["sessions"]
    assert [r.values["session_id"] for r in content.tables[0].rows()] == [
        "TWO-001",
        "TWO-002",
        "TWO-003",
    ]
    assert [(w.code, dict(w.params)) for w in content.warnings] == [
        ("sheet_ignored", {"sheet": "notes"})
    ]


def test_xlsx_with_spaces_and_sessions_sheets_gives_both_tables() -> None:
    data = _xlsx(
        {
            "Lisez-moi": [["Export du 2 mars"], ["Ne pas modifier"]],
            "Espaces": [["space_id", "name"], ["E1", "Relais"]],
            "Sessions": [[None], ["session_id", "title"], ["S1", "Excel"]],
        }
    )
    content = read_file("offre.xlsx", data)
    assert [(t.sheet, t.kind_hint) for t in content.tables] == [
        ("Espaces", "spaces"),
        ("Sessions", "sessions"),
    ]
    assert list(content.tables[1].rows()) == [
        reader.Row(3, {"session_id": "S1", "title": "Excel"})
    ]
    assert [w.params["sheet"] for w in content.warnings] == ["Lisez-moi"]


def test_xlsx_without_named_sheet_reads_the_first_one() -> None:
    data = _xlsx({"Feuil1": [["space_id", "postcode"], ["E1", 1000]], "Feuil2": [[None]]})
    content = read_file("e.xlsx", data)
    assert [r.values for r in content.tables[0].rows()] == [{"space_id": "E1", "postcode": 1000}]
    assert content.warnings == []  # an empty extra sheet is no news


def test_damaged_xlsx_is_refused() -> None:
    assert _refused("x.xlsx", b"PK\x03\x04 not really a zip").code == "bad_xlsx"
    good = _xlsx({"sessions": [["session_id"], ["S1"]]})
    damaged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                content = content[: len(content) // 2]  # a truncated sheet
            target.writestr(item, content)
    assert _refused("x.xlsx", damaged.getvalue()).code == "bad_xlsx"


# --- JSON ----------------------------------------------------------------------------------


def test_json_list_rows_are_numbered_from_one() -> None:
    table = read_file(
        "s.json", b'[{"session_id": "S1", "seats": 8}, {"session_id": "S2"}]'
    ).tables[0]
    assert table.unit == "item"
    assert table.headers == ["session_id", "seats"]
    assert [(r.number, r.values) for r in table.rows()] == [
        (1, {"session_id": "S1", "seats": 8}),
        (2, {"session_id": "S2"}),
    ]


def test_json_object_with_spaces_and_sessions() -> None:
    data = b'{"espaces": [{"space_id": "E1"}], "sessions": [{"session_id": "S1"}]}'
    assert [t.kind_hint for t in read_file("all.json", data).tables] == ["spaces", "sessions"]


@pytest.mark.parametrize(
    ("data", "code", "params"),
    [
        (b'[{"a": 1},\n {"b": }]', "bad_json", {"line": 2, "column": 8}),
        (b'[{"a": 1}, 3]', "json_not_object", {"item": 2}),
        (b'{"rows": []}', "json_shape", {}),
        (b'"hello"', "json_shape", {}),
    ],
)
def test_bad_json(data, code, params) -> None:
    problem = _refused("s.json", data)
    assert (problem.code, problem.params) == (code, params)


# --- LHEO XML ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["billion_laughs.xml", "external_entity.xml"])
def test_xml_entities_are_refused_without_expansion(name) -> None:
    assert _refused(name, (SAMPLE / "bad" / name).read_bytes()).code == "xml_forbidden"


def test_any_dtd_is_refused() -> None:
    data = b'<?xml version="1.0"?><!DOCTYPE lheo SYSTEM "lheo.dtd"><lheo/>'
    assert _refused("o.xml", data).code == "xml_forbidden"


def test_malformed_xml_and_other_xml() -> None:
    assert _refused("o.xml", b"<lheo><offres></lheo>").code == "bad_xml"
    assert _refused("o.xml", b"<rss><channel/></rss>").code == "not_lheo"


def test_lheo_sample_maps_places_and_sessions() -> None:
    content = read_file("offre.lheo.xml", (SAMPLE / "offre.lheo.xml").read_bytes())
    places, sessions = content.tables
    assert (places.kind_hint, places.unit, sessions.kind_hint, sessions.unit) == (
        "spaces",
        "place",
        "sessions",
        "session",
    )
    place = next(places.rows()).values
    first = next(sessions.rows()).values
    assert place == {
        "space_id": place["space_id"],
        "name": "Espace proxitravail de Loudéac",
        "address": "3 place de l'Église",
        "postcode": "22600",
        "city": "Loudéac",
        "insee": "22136",
        "latitude": "48.17791",
        "longitude": "-2.75305",
        "accessible": "oui",
        "contact": None,
    }
    assert place["space_id"].startswith("lieu-22136-loudeac-")
    assert {
        k: first[k]
        for k in (
            "session_id",
            "organisation",
            "space_id",
            "start",
            "end",
            "seats",
            "modality",
            "price_eur",
            "cpf",
            "status",
        )
    } == {
        "session_id": "00000100800002:S-SST-LOU-01",
        "organisation": "Secours Formation Bretagne",
        "space_id": place["space_id"],
        "start": "2027-02-08 09:00",
        "end": "2027-02-09 17:00",
        "seats": "10",
        "modality": "presentiel",
        "price_eur": "260.00",
        "cpf": "non",  # certifiante is not CPF eligibility
        "status": "scheduled",
    }
    assert "sst" in first["topics"].split(";")
    assert [(w.code, w.row, w.params["id"]) for w in content.warnings] == [
        ("recruitment_closed", 4, "00000100800002:S-SST-SMG-02"),
        ("recruitment_suspended", 9, "00000300400009:S-HACCP-LAN-03"),
    ]
    again = read_file("offre.lheo.xml", (SAMPLE / "offre.lheo.xml").read_bytes())
    assert next(again.tables[0].rows()).values["space_id"] == place["space_id"]  # stable


MINIMAL_LHEO = """<?xml version="1.0" encoding="UTF-8"?>
<lheo><offres><formation numero="F1">
  <domaine-formation><code-FORMACODE>31054</code-FORMACODE></domaine-formation>
  <intitule-formation>Anglais professionnel</intitule-formation>
  <objectif-formation>Parler anglais au travail.</objectif-formation>
  <certifiante>0</certifiante>
  <action numero="A1">
    <modalites-enseignement>{modalite}</modalites-enseignement>
    <lieu-de-formation numero="LIEU-7"><coordonnees><nom>Relais</nom>
      <adresse><ligne>1 rue Haute</ligne><codepostal>56800</codepostal>
      <ville>Ploërmel</ville></adresse></coordonnees></lieu-de-formation>
    <session><periode><debut>20270302</debut><fin>20270302</fin></periode>
      <etat-recrutement>3</etat-recrutement>
      <extras><extra info="horaires">14h-17h30</extra></extras></session>
    <session><periode><debut>00000000</debut><fin>20270309</fin></periode></session>
  </action>
  <organisme-formation-responsable><nom-organisme>Langues 56</nom-organisme>
  </organisme-formation-responsable>
</formation></offres></lheo>"""


def test_lheo_without_namespace_numbers_or_places() -> None:
    content = read_file("o.xml", MINIMAL_LHEO.format(modalite="2").encode())
    places, sessions = content.tables
    # The place's numero is only unique within one feed: the id comes from the address.
    assert next(places.rows()).values["space_id"].startswith("lieu-56800-ploermel-")
    (first,) = (r.values for r in sessions.rows())
    assert (first["session_id"], first["start"], first["end"]) == (
        "langues-56:A1-1",  # no SIRET: the organisation's name namespaces the ids
        "2027-03-02 14:00",
        "2027-03-02 17:30",
    )
    assert (first["modality"], first["seats"], first["organisation"], first["cpf"]) == (
        "distanciel",
        "12",
        "Langues 56",
        "non",
    )
    assert first["topics"] == "31054;anglais;professionnel"
    assert sorted((w.code, w.row) for w in content.warnings) == [
        ("default_seats", None),
        ("lheo_start_unknown", 2),  # 00000000: not loaded, named by id and element path
        ("recruitment_suspended", 1),
    ]
    unknown = next(w for w in content.warnings if w.code == "lheo_start_unknown")
    assert unknown.params == {"id": "langues-56:A1-2", "path": "session/periode/debut"}
