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
    assert [w.code for w in result.warnings if w.code.startswith("lheo")] == ["lheo_end_open"]
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
    assert len(sessions) == 2  # session 16 in two places; 17 (open end) not loaded
    assert all(s.external_id.startswith("19290076900014:16@") for s in sessions)
    first = sessions[0]
    assert (first.seats, first.cpf, first.url) == (10, True, "https://example.org/sessions/16")
    assert first.starts_at.date().isoformat() == "2027-03-01"  # 20270300: the month
    assert "<" not in first.description
    assert "Durée : 35 heures" in first.description
    assert "Entrées et sorties permanentes jusqu'au 30/06/2027" in first.description
    assert "- formules\n- tableaux croisés" in first.description
    assert "Attestation de fin de formation" in first.description
    again = _load(engine, clock, gazetteer, "carif-2.3.xml")  # same place: no duplicate
    assert again.applied, again.problems
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
    }
    assert spaces["FS-1"].name == "France Services Marseille 2e"
    assert sorted(w.code for w in result.warnings) == [
        "commune_former_name",
        "postcode_not_serving",
    ]
