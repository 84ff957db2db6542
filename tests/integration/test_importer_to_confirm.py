"""Sessions to confirm in every format (CSV, XLSX, JSON, LHEO extras), their row-level
checks, and reloads, on SQLite and PostgreSQL."""

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import select
from sqlmodel import Session

from bot.gazetteer import default_gazetteer
from bot.importer.service import Actor, apply_import
from bot.models import TrainingSession

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
TO_CONFIRM = SAMPLE / "to_confirm"
PARIS = ZoneInfo("Europe/Paris")
MACROS_DECISION = datetime(2027, 1, 15, 12, 0, tzinfo=PARIS).astimezone(UTC)


@pytest.fixture(scope="module")
def gazetteer():
    return default_gazetteer()


def _load(engine, clock, gazetteer, *files: tuple[str, bytes]):
    spaces = ("spaces.csv", (SAMPLE / "spaces.csv").read_bytes())
    return apply_import(
        engine, [spaces, *files], gazetteer=gazetteer, actor=Actor(), now=clock.now()
    )


def _stored(engine) -> dict[str, tuple[int | None, datetime | None]]:
    with Session(engine) as session:
        rows = session.execute(select(TrainingSession)).scalars()
        return {r.external_id: (r.min_participants, r.confirm_by) for r in rows}


def _xlsx_of(csv_path: Path) -> bytes:
    import csv

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "sessions"
    for row in csv.reader(csv_path.read_text(encoding="utf-8").splitlines()):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_each_format_carries_the_minimum_and_decision(engine, clock, gazetteer, fmt) -> None:
    path = TO_CONFIRM / "sessions_to_confirm.csv"
    content = {
        "csv": path.read_bytes(),
        "json": (TO_CONFIRM / "sessions_to_confirm.json").read_bytes(),
        "xlsx": _xlsx_of(path),
    }[fmt]
    result = _load(engine, clock, gazetteer, (f"sessions_to_confirm.{fmt}", content))
    assert result.applied, result.problems
    stored = _stored(engine)
    assert stored["BEV-C01"] == (2, MACROS_DECISION)
    assert stored["BEV-C02"][0] == 4


def test_bad_values_are_reported_by_row_and_column(engine, clock, gazetteer) -> None:
    result = _load(engine, clock, gazetteer, ("bad.csv", (TO_CONFIRM / "bad.csv").read_bytes()))
    assert not result.applied
    found = sorted((p.row, p.column, p.code) for p in result.problems)
    assert found == [
        (2, "min_participants", "min_participants_above_seats"),
        (3, "min_participants", "min_participants_invalid"),
        (4, "confirm_by", "confirm_by_after_start"),
        (5, "confirm_by", "confirm_by_missing"),
    ]
    assert _stored(engine) == {}


def test_a_decision_date_already_past_is_a_warning(engine, clock, gazetteer) -> None:
    header = "session_id,title,organisation,space_id,start,end,seats,min_participants,confirm_by"
    past = (clock.now() - timedelta(days=1)).astimezone(PARIS).strftime("%Y-%m-%d %H:%M")
    row = f"P1,Excel,Bureautique & Vous,esp-ploermel,2027-01-20 09:00,2027-01-20 17:00,8,2,{past}"
    result = _load(engine, clock, gazetteer, ("late.csv", f"{header}\n{row}\n".encode()))
    assert result.applied
    assert [(w.code, dict(w.params)) for w in result.warnings] == [
        ("confirm_by_past", {"count": 1})
    ]


def test_reload_keeps_or_clears_the_columns(engine, clock, gazetteer) -> None:
    path = TO_CONFIRM / "sessions_to_confirm.csv"
    assert _load(engine, clock, gazetteer, ("s.csv", path.read_bytes())).applied
    # The same file again changes nothing.
    again = _load(engine, clock, gazetteer, ("s.csv", path.read_bytes()))
    assert again.counts.sessions_unchanged == 2
    # A file without the columns keeps them; one with them empty makes a plain session.
    lines = path.read_text(encoding="utf-8").splitlines()
    cut = "\n".join(line.rsplit(",", 2)[0] for line in lines) + "\n"
    assert _load(engine, clock, gazetteer, ("s.csv", cut.encode())).applied
    assert _stored(engine)["BEV-C01"] == (2, MACROS_DECISION)
    emptied = "\n".join([lines[0], *(line.rsplit(",", 2)[0] + ",," for line in lines[1:])])
    assert _load(engine, clock, gazetteer, ("s.csv", emptied.encode())).applied
    assert _stored(engine)["BEV-C01"] == (None, None)


LHEO = """<?xml version="1.0" encoding="UTF-8"?>
<lheo xmlns="http://www.lheo.org/2.2"><offres><formation numero="F1">
<intitule-formation>Excel : macros</intitule-formation>
<objectif-formation>Automatiser.</objectif-formation>
<organisme-formation-responsable><SIRET-organisme-formation><SIRET>12345678900011</SIRET>
</SIRET-organisme-formation><raison-sociale>Bureautique &amp; Vous</raison-sociale>
</organisme-formation-responsable>
<action numero="A1"><lieu-de-formation><coordonnees><denomination>Relais</denomination>
<adresse><ligne>12 rue de la Gare</ligne><codepostal>56800</codepostal><ville>Ploërmel</ville>
</adresse></coordonnees></lieu-de-formation>
<session numero="S1"><periode><debut>20270120</debut><fin>20270120</fin></periode>
<extras><extra info="places">8</extra><extra info="min-participants">3</extra>
<extra info="date-decision">20270115</extra></extras></session>
</action></formation></offres></lheo>
"""


def test_lheo_extras_carry_them(engine, clock, gazetteer) -> None:
    result = _load(engine, clock, gazetteer, ("offre.xml", LHEO.encode()))
    assert result.applied, result.problems
    [(minimum, decision)] = _stored(engine).values()
    assert (minimum, decision) == (3, MACROS_DECISION)
