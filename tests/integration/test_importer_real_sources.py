"""Real-shaped sources (issue 9): a Carif LHEO 2.3 feed and an ANCT France Services list,
loaded on SQLite and PostgreSQL."""

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session

from bot.gazetteer import default_gazetteer
from bot.importer.service import Actor, apply_import
from bot.models import Space, TrainingSession

LHEO = Path(__file__).resolve().parents[2] / "data" / "sample" / "lheo"


@pytest.fixture(scope="module")
def gazetteer():
    return default_gazetteer()


def _load(engine, clock, gazetteer, *names: str):
    files = [(name, (LHEO / name).read_bytes()) for name in names]
    return apply_import(engine, files, gazetteer=gazetteer, actor=Actor(), now=clock.now())


def _rows(engine, model):
    with Session(engine) as session:
        return list(session.exec(select(model)).scalars())


def test_carif_feed_two_places_dates_seats_cpf(engine, clock, gazetteer) -> None:
    result = _load(engine, clock, gazetteer, "carif-2.3.xml")
    assert result.applied, result.problems
    horizon = [w for w in result.warnings if w.code.startswith("lheo")]
    assert [w.code for w in horizon] == ["lheo_open_horizon"]  # 17: open end, permanent entry
    assert (horizon[0].position, horizon[0].column) == (
        "17",
        "formation/action/session/periode/fin",
    )
    spaces = {s.insee: s for s in _rows(engine, Space)}
    assert set(spaces) == {"29233", "56165"}
    quimperle = spaces["29233"]
    assert (quimperle.name, quimperle.city, quimperle.postcode) == (
        "Espace Kerneuzec",
        "Quimperlé",
        "29391",  # CEDEX postcode kept; the INSEE code found the commune
    )
    assert (quimperle.latitude, quimperle.longitude) == (47.882108, -3.5526545)
    sessions = sorted(_rows(engine, TrainingSession), key=lambda s: s.external_id)
    assert len(sessions) == 4  # sessions 16 and 17, each in two places
    assert [s.external_id[:18] for s in sessions] == ["19290076900014:16@"] * 2 + [
        "19290076900014:17@"
    ] * 2
    first, open_ended = sessions[0], sessions[2]
    assert (first.seats, first.cpf, first.url) == (10, True, "https://example.org/sessions/16")
    assert first.starts_at.date().isoformat() == "2027-03-01"  # 20270300: the month
    # No `horaires`: days only; permanent entry until the end the feed gives; 35 hours.
    assert (first.times_known, first.permanent_entry, first.open_end) == (False, True, False)
    assert first.ends_at.date().isoformat() == "2027-06-30"
    assert first.hours == 35
    assert (open_ended.permanent_entry, open_ended.open_end) == (True, True)
    assert open_ended.ends_at.date().isoformat() == "2028-08-31"  # 365 days after 2027-09-01
    assert "<" not in first.description
    assert "heures" not in first.description and "permanentes" not in first.description
    assert "- formules\n- tableaux croisés" in first.description
    assert "Attestation de fin de formation" in first.description
    again = _load(engine, clock, gazetteer, "carif-2.3.xml")  # same place: no duplicate
    assert again.applied, again.problems
    assert again.counts.sessions_unchanged == 4
    assert len(_rows(engine, Space)) == 2


def test_france_services_list(engine, clock, gazetteer) -> None:
    result = _load(engine, clock, gazetteer, "france-services.csv")
    assert result.applied, result.problems
    spaces = {s.external_id: s for s in _rows(engine, Space)}
    assert {k: s.insee for k, s in spaces.items()} == {
        "FS-1": "13055",  # 13202 (2nd arrondissement) → Marseille
        "FS-2": "14762",  # Vire, now Vire Normandie
        "FS-3": "56091",  # Josselin, though 56800 does not serve it
        "FS-4": "75056",  # Paris 17e Arrondissement, 75017
        "FS-5": "01138",  # 01039, the former Béon's own code → Culoz-Béon
    }
    assert spaces["FS-1"].name == "France Services Marseille 2e"
    assert sorted((w.code, w.column) for w in result.warnings) == [
        ("commune_former_insee", "insee_com"),
        ("commune_former_name", "lib_com"),
        ("postcode_not_serving", "code_postal"),
    ]
    assert spaces["FS-5"].city == "Culoz-Béon"  # BEON in capitals: the commune's name
