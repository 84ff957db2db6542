"""Validation of rows into records: every bad input of issues 3 and 5, with its row and column."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.gazetteer import Commune, Gazetteer
from bot.importer.problems import ProblemLog
from bot.importer.reader import read_file
from bot.importer.validation import Validated, validate_tables

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
SESSIONS = "session_id,title,organisation,space_id,start,end,seats"
SPACES = "space_id,name,address,postcode,city,latitude,longitude"


def _commune(insee, name, postcodes, dept, population, lat, lon) -> Commune:
    return Commune(insee, name, postcodes, dept, "53", population, lat, lon)


@pytest.fixture(scope="module")
def places() -> Gazetteer:
    """A tiny gazetteer: the real class over six communes."""
    return Gazetteer(
        [
            _commune("56165", "Ploërmel", ("56800",), "56", 10163, 47.93172, -2.39781),
            _commune("56249", "Taupont", ("56800",), "56", 2428, 47.9625, -2.44254),
            _commune("56197", "Val d'Oust", ("56460", "56800"), "56", 2807, 47.864, -2.448),
            _commune("56091", "Josselin", ("56120",), "56", 2500, 47.9547, -2.5468),
            _commune("35288", "Saint-Malo", ("35400",), "35", 46000, 48.6493, -2.0257),
            _commune("14762", "Vire Normandie", ("14500",), "14", 17000, 48.8383, -0.8892),
        ],
        former=[("Vire", "14762")],
    )


def _validate(places, *files: tuple[str, bytes]) -> tuple[Validated, ProblemLog]:
    log = ProblemLog()
    tables = []
    for name, data in files:
        content = read_file(name, data)
        tables += content.tables
        for warning in content.warnings:
            log.warn(warning)
    return validate_tables(tables, places=places, log=log), log


def _sample(places, name: str) -> tuple[Validated, ProblemLog]:
    return _validate(places, (name, (SAMPLE / "bad" / name).read_bytes()))


def _errors(log: ProblemLog) -> list[tuple]:
    return [(p.row, p.column, p.code) for p in log.errors]


def test_bad_dates(places) -> None:
    data, log = _sample(places, "bad_dates.csv")
    assert [r.session_id for r in data.sessions] == ["DATE-001"]
    assert _errors(log) == [
        (3, "start", "bad_datetime"), (3, "end", "bad_datetime"),
        (4, "start", "bad_datetime"), (4, "end", "bad_datetime"),
        (5, "start", "bad_datetime"), (5, "end", "bad_datetime"),
        (6, "start", "bad_datetime"), (6, "end", "bad_datetime"),
        (7, "start", "required"), (7, "end", "required"),
    ]  # fmt: skip
    assert log.errors[0].params == {"value": "31/02/2027 09:00"}


def test_seats_missing_zero_negative_or_not_a_number(places) -> None:
    data, log = _sample(places, "bad_seats.csv")
    assert [r.seats for r in data.sessions] == [8]
    assert [(p.row, p.code, dict(p.params)) for p in log.errors] == [
        (3, "required", {}),
        (4, "seats_too_low", {"value": "0"}),
        (5, "seats_too_low", {"value": "-3"}),
        (6, "seats_invalid", {"value": "douze"}),
    ]
    assert {p.column for p in log.errors} == {"seats"}


def test_end_before_or_at_start(places) -> None:
    _data, log = _sample(places, "end_before_start.csv")
    assert _errors(log) == [(3, "end", "end_before_start"), (4, "end", "end_before_start"),
                            (5, "end", "end_before_start")]  # fmt: skip
    assert log.errors[0].params == {"start": "2027-03-09 14:00", "end": "2027-03-09 12:00"}


def test_duplicate_id_is_reported_on_the_second_row_naming_the_first(places) -> None:
    data, log = _sample(places, "duplicate_ids.csv")
    assert [r.session_id for r in data.sessions] == ["DUP-001", "DUP-002"]
    assert _errors(log) == [(4, "session_id", "duplicate_id")]
    assert log.errors[0].params == {
        "id": "DUP-001", "first_file": "duplicate_ids.csv", "first_row": 2, "first_unit": "line"
    }  # fmt: skip


def test_duplicate_ids_across_files(places) -> None:
    row = "S1,Excel,Org,E1,2027-03-02 09:00,2027-03-02 12:00,8"
    _data, log = _validate(
        places, ("a.csv", f"{SESSIONS}\n{row}\n".encode()),
        ("b.json", json.dumps([dict(zip(SESSIONS.split(","), row.split(","), strict=True),
                                    session_id=sid) for sid in ("S2", "S1")]).encode()),
    )  # fmt: skip
    duplicate = next(p for p in log.errors if p.code == "duplicate_id")
    assert (duplicate.file, duplicate.row, duplicate.unit, duplicate.params["first_file"]) == (
        "b.json",
        2,
        "item",
        "a.csv",
    )


def test_missing_required_column_refuses_the_file(places) -> None:
    data, log = _sample(places, "missing_column.csv")
    assert data.sessions == []
    assert [(p.row, p.code, dict(p.params)) for p in log.errors] == [
        (None, "missing_column", {"column": "start", "count": 1})
    ]


def test_unknown_columns_are_a_warning(places) -> None:
    data, log = _sample(places, "unknown_column.csv")
    assert [r.session_id for r in data.sessions] == ["UNK-001", "UNK-002", "UNK-003"]
    assert log.errors == []
    assert [(w.code, dict(w.params)) for w in log.warnings] == [
        ("unknown_column", {"column": "couleur"})
    ]


def test_header_only_and_empty(places) -> None:
    _data, log = _sample(places, "header_only.csv")
    assert [p.code for p in log.errors] == ["no_rows"]


@pytest.mark.parametrize(
    ("header", "code"),
    [("nom,ville,code postal", "unknown_kind"), ("space_id,ville,City", "duplicate_column")],
)
def test_files_that_are_neither_spaces_nor_sessions(places, header, code) -> None:
    _data, log = _validate(places, ("x.csv", f"{header}\na,b,c\n".encode()))
    assert [p.code for p in log.errors] == [code]


def test_french_headers_and_words(places) -> None:
    data = (
        "ID Session;Titre;Organisme;Espace;Début;Fin;Places;Modalité;Prix;CPF;Statut;Thèmes\n"
        "S1;Excel;Bureautique & Vous;E1;02/03/2027 09:00;02/03/2027 12:30;8;mixte;89,50;oui;"
        'annulée;"excel ; tableur"\n'
    ).encode("cp1252")
    result, log = _validate(places, ("sessions.csv", data))
    assert log.errors == [] and log.warnings == []
    record = result.sessions[0]
    assert (record.session_id, record.space_id, record.starts_at, record.ends_at) == (
        "S1", "E1", datetime(2027, 3, 2, 8, tzinfo=UTC), datetime(2027, 3, 2, 11, 30, tzinfo=UTC)
    )  # fmt: skip
    assert (record.seats, record.modality, record.price_eur, record.cpf, record.status) == (
        8,
        "blended",
        89.5,
        True,
        "cancelled",
    )
    assert record.topics == "excel;tableur"


def test_defaults_of_optional_columns(places) -> None:
    row = "S1,Excel,Org,E1,2027-03-02 09:00,2027-03-02 12:00,8"
    result, _log = _validate(places, ("s.csv", f"{SESSIONS}\n{row}\n".encode()))
    record = result.sessions[0]
    assert (record.topics, record.modality, record.format, record.price_eur, record.cpf,
            record.description, record.url, record.status) == (
        "", "presentiel", "formation", None, False, "", None, "scheduled"
    )  # fmt: skip


def test_json_types(places) -> None:
    data = (
        b'[{"session_id": "S1", "title": "Excel", "organisation": "Org", "space_id": "E1",'
        b' "start": "2027-03-02T09:00:00+01:00", "end": "2027-03-02 12:00", "seats": 8,'
        b' "price_eur": 120.5, "cpf": true, "topics": ["excel", "tableur"], "url": null}]'
    )
    result, log = _validate(places, ("s.json", data))
    assert log.errors == []
    record = result.sessions[0]
    assert (record.seats, record.price_eur, record.cpf, record.topics, record.url) == (
        8,
        120.5,
        True,
        "excel;tableur",
        None,
    )


def test_nested_json_values_are_refused(places) -> None:
    data = b'[{"space_id": "E1", "name": {"fr": "Relais"}, "address": "1 rue", "postcode": 56800,'
    data += b' "city": "Ploermel"}]'
    _result, log = _validate(places, ("e.json", data))
    assert [(p.row, p.column, p.code) for p in log.errors] == [(1, "name", "not_a_value")]


def test_too_long_text(places) -> None:
    row = f"S1,{'x' * 301},Org,E1,2027-03-02 09:00,2027-03-02 12:00,8"
    _result, log = _validate(places, ("s.csv", f"{SESSIONS}\n{row}\n".encode()))
    assert [(p.column, p.code, dict(p.params)) for p in log.errors] == [
        ("title", "too_long", {"max": 300, "length": 301})
    ]


def test_formula_like_values_are_stored_as_text(places) -> None:
    data, log = _sample(places, "formula_injection.csv")
    assert log.errors == []
    texts = [r.title for r in data.sessions] + [r.description for r in data.sessions]
    assert '=HYPERLINK("https://example.org/piege","Cliquez ici")' in texts
    assert {t[0] for t in texts if t[0] in "=+-@"} == {"=", "+", "-", "@"}


def test_xlsx_formulas_use_cached_values(places) -> None:
    data, log = _sample(places, "formulas.xlsx")
    assert [r.seats for r in data.sessions] == [8, 12, 10]
    assert log.errors == []
    assert [w.code for w in log.warnings] == ["formulas_used"]


def test_xlsx_formula_without_value_is_a_row_error(places) -> None:
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(SESSIONS.split(","))
    workbook.active.append(["S1", "Excel", "Org", "E1", "2027-03-02 09:00", "2027-03-02 12:00",
                            "=SUM(4,4)"])  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    data, log = _validate(places, ("f.xlsx", buffer.getvalue()))
    assert data.sessions == []
    assert _errors(log) == [(2, "seats", "formula_without_value")]


# --- spaces and the gazetteer ---------------------------------------------------------------


def _spaces(places, *rows: str) -> tuple[Validated, ProblemLog]:
    body = "\n".join(rows)
    return _validate(places, ("spaces.csv", f"{SPACES}\n{body}\n".encode()))


def test_spaces_are_placed_by_postcode_and_city(places) -> None:
    data, log = _spaces(
        places,
        "E1,Relais,1 rue A,56800,Ploermel,,",
        "E2,Tiers-lieu,2 rue B,35400,St Malo,,",
        "E3,Pôle,3 rue C,14500,Vire,,",  # a former commune, now Vire Normandie
        "E4,Espace,4 rue D,56800,Taupond,,",  # a typo
        "E5,Coworking,5 rue E,56800,Ploërmel,47.9301,-2.3912",  # own coordinates win
    )
    assert log.errors == []
    assert [(r.space_id, r.insee) for r in data.spaces] == [
        ("E1", "56165"),
        ("E2", "35288"),
        ("E3", "14762"),
        ("E4", "56249"),
        ("E5", "56165"),
    ]
    assert (data.spaces[0].latitude, data.spaces[0].longitude) == (47.93172, -2.39781)
    assert (data.spaces[4].latitude, data.spaces[4].longitude) == (47.9301, -2.3912)


def test_unknown_city_or_postcode(places) -> None:
    data, log = _spaces(
        places,
        "E1,Relais,1 rue A,99999,Tataouine,,",
        "E2,Relais,2 rue B,56800,Josselin,,",
        "E3,Relais,3 rue C,5680,Ploërmel,,",
    )
    # Josselin is unambiguous in the Morbihan: found, with a warning on its postcode.
    assert [s.space_id for s in data.spaces] == ["E2"]
    assert data.space_ids == {"E1", "E2", "E3"}  # sessions pointing at them get no 2nd error
    assert [(p.row, p.column, p.code) for p in log.errors] == [
        (2, "postcode", "postcode_unknown"), (4, "postcode", "postcode_unknown"),
    ]  # fmt: skip
    assert [(p.row, p.column, p.code) for p in log.warnings] == [
        (3, "postcode", "postcode_not_serving")
    ]
    assert log.warnings[0].params == {
        "postcode": "56800",
        "commune": "Josselin (56)",
        "by": "name",
    }


def test_sample_unknown_city(places) -> None:
    _data, log = _sample(places, "unknown_city.csv")
    assert _errors(log) == [(2, "postcode", "postcode_unknown")]


def test_coordinates_go_together(places) -> None:
    _data, log = _spaces(
        places, "E1,Relais,1 rue A,56800,Ploërmel,47.9,", "E2,R,2,56800,Taupont,x,y"
    )
    assert _errors(log) == [
        (2, "longitude", "coordinates_incomplete"),
        (3, "latitude", "coordinate_invalid"), (3, "longitude", "coordinate_invalid"),
    ]  # fmt: skip


def test_spaces_are_validated_before_sessions_whatever_the_file_order(places) -> None:
    row = "S1,Excel,Org,E1,2027-03-02 09:00,2027-03-02 12:00,8"
    data, log = _validate(
        places,
        ("sessions.csv", f"{SESSIONS}\n{row}\n".encode()),
        ("spaces.csv", f"{SPACES}\nE1,Relais,1 rue A,56800,Ploërmel,,\n".encode()),
    )
    assert log.errors == []
    assert (len(data.spaces), len(data.sessions), data.space_ids) == (1, 1, {"E1"})


# --- tutors (issue 5) ----------------------------------------------------------------------

TUTORS = "tutor_id,name,organisation,topics,telegram_user_id"


def _tutors(places, *rows: str, header: str = TUTORS) -> tuple[Validated, ProblemLog]:
    body = "\n".join(rows)
    return _validate(places, ("tutors.csv", f"{header}\n{body}\n".encode()))


def test_the_sample_tutors_file(places) -> None:
    data, log = _validate(places, ("tutors.csv", (SAMPLE / "tutors.csv").read_bytes()))
    assert log.errors == [] and log.warnings == []
    assert data.sessions == [] and data.spaces == []
    assert [r.tutor_id for r in data.tutors] == [f"T0{i}" for i in range(1, 9)]
    first = data.tutors[0]
    assert (first.name, first.organisation, first.topics, first.telegram_user_id) == (
        "Anne Le Gall", "Tremplin Reconversion Ouest",
        "reconversion;vae;bilan de compétences;orientation", 900001,
    )  # fmt: skip
    assert first.first_name == "Anne" and first.active is True
    assert [r.telegram_user_id for r in data.tutors if r.telegram_user_id] == [900001, 900002]


def test_tutors_french_headers_and_defaults(places) -> None:
    data, log = _tutors(
        places,
        'T1;Anne Le Gall;Tremplin;"VAE ; bilan";;non',
        "T2;Yannick;Form'Ouest;;123 456;",
        header="ID tuteur;Nom;Organisme;Thèmes;Identifiant Telegram;Actif",
    )
    assert log.errors == [] and log.warnings == []
    assert [(r.tutor_id, r.topics, r.telegram_user_id, r.active) for r in data.tutors] == [
        ("T1", "VAE;bilan", None, False), ("T2", "", 123456, True),
    ]  # fmt: skip


def test_tutors_required_columns_and_values(places) -> None:
    _data, log = _tutors(places, "T1,Anne", header="tutor_id,name")
    assert [(p.code, dict(p.params)) for p in log.errors] == [
        ("missing_column", {"column": "organisation", "count": 1})
    ]
    data, log = _tutors(places, "T1,,Tremplin,,", ",Anne,Tremplin,,", "T3,Bob,,,")
    assert data.tutors == []
    assert _errors(log) == [(2, "name", "required"), (3, "tutor_id", "required"),
                            (4, "organisation", "required")]  # fmt: skip


def test_tutors_bad_values_are_row_errors(places) -> None:
    data, log = _tutors(
        places,
        "T1,Anne,Tremplin,,@anne",
        "T2,Bob,Tremplin,,-42",
        "T3,Zoé,Tremplin,,douze",
        f"T4,{'x' * 201},Tremplin,,",
        "T5,Ok,Tremplin,,5",
        "T6,Eve,Tremplin,,7,peut-être",
        header=f"{TUTORS},active",
    )
    assert [r.tutor_id for r in data.tutors] == ["T5"]
    assert _errors(log) == [
        (2, "telegram_user_id", "telegram_id_username"),
        (3, "telegram_user_id", "telegram_id_invalid"),
        (4, "telegram_user_id", "telegram_id_invalid"),
        (5, "name", "too_long"), (7, "active", "bool_invalid"),
    ]  # fmt: skip
    assert log.errors[0].params == {"value": "@anne"}


def test_duplicate_tutor_id_and_telegram_id(places) -> None:
    data, log = _tutors(
        places,
        "T1,Anne,Tremplin,,900001",
        "T1,Anne bis,Tremplin,,900001",  # the same tutor twice: one problem, not two
        "T2,Bob,Tremplin,,900001",  # another tutor with Anne's account
        "T3,Zoé,Tremplin,,",
        "T4,Eve,Tremplin,,",  # no account: not a duplicate of T3's
    )
    assert [r.tutor_id for r in data.tutors] == ["T1", "T3", "T4"]
    assert _errors(log) == [(3, "tutor_id", "duplicate_id"),
                            (4, "telegram_user_id", "duplicate_telegram_id")]  # fmt: skip
    assert log.errors[1].params == {
        "id": 900001, "first_file": "tutors.csv", "first_row": 2, "first_unit": "line"
    }  # fmt: skip


def test_duplicate_telegram_id_across_files(places) -> None:
    json_rows = [{"tutor_id": "T2", "name": "Bob", "organisation": "Tremplin",
                  "telegram_user_id": 900001}]  # fmt: skip
    _data, log = _validate(
        places,
        ("a.csv", f"{TUTORS}\nT1,Anne,Tremplin,,900001\n".encode()),
        ("b.json", json.dumps({"tuteurs": json_rows}).encode()),
    )
    [problem] = log.errors
    assert (problem.file, problem.row, problem.unit, problem.code) == (
        "b.json", 1, "item", "duplicate_telegram_id"
    )  # fmt: skip


def test_tutors_columns_of_other_kinds_are_unknown(places) -> None:
    data, log = _tutors(places, "T1,Anne,Tremplin,esp-redon,bleu", header="tutor_id,name,"
                        "organisation,space_id,couleur")  # fmt: skip
    assert log.errors == [] and len(data.tutors) == 1
    assert [dict(w.params) for w in log.warnings] == [{"column": "couleur"},
                                                       {"column": "space_id"}]  # fmt: skip
    # A sessions file naming a tutor stays a sessions file.
    row = "S1,Excel,Org,E1,2027-03-02 09:00,2027-03-02 12:00,8,T1"
    data, log = _validate(places, ("s.csv", f"{SESSIONS},tutor_id\n{row}\n".encode()))
    assert len(data.sessions) == 1 and data.tutors == []
    assert [dict(w.params) for w in log.warnings] == [{"column": "tutor_id"}]


def test_tutors_sheet_of_a_workbook(places) -> None:
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "Tuteurs"
    workbook.active.append(TUTORS.split(","))
    workbook.active.append(["T1", "Anne Le Gall", "Tremplin", "vae", 900001])
    notes = workbook.create_sheet("notes")
    notes.append(["à relire", "x"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    data, log = _validate(places, ("t.xlsx", buffer.getvalue()))
    assert log.errors == []
    assert [(r.tutor_id, r.telegram_user_id) for r in data.tutors] == [("T1", 900001)]
    assert [w.code for w in log.warnings] == ["sheet_ignored"]
