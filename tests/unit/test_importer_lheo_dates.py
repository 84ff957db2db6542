"""LHEO dates shown truthfully (issue 9): days only without `horaires`, permanent entry and
its open end, total hours; the report names LHEO values by `numero` and element path."""

from datetime import UTC, datetime

import pytest

from bot.catalogue import SessionCard
from bot.gazetteer import Commune, Gazetteer
from bot.i18n import translator
from bot.importer.lheo import read_lheo
from bot.importer.problems import ProblemLog
from bot.importer.report import describe
from bot.importer.validation import validate_tables
from handlers.render import card_text, period, starts

LHEO = """<lheo><offres><formation numero="F1"><intitule-formation>Excel</intitule-formation>
  <action numero="A1"><lieu-de-formation><coordonnees><adresse><ligne>1 rue</ligne>
  <codepostal>56800</codepostal><ville>Ploërmel</ville></adresse></coordonnees>
  </lieu-de-formation>{permanent}<prix-total-TTC>{price}</prix-total-TTC>
  <session numero="S1"><periode><debut>20270302</debut><fin>20270305</fin></periode></session>
  <session numero="S2"><periode><debut>20270901</debut><fin>99999999</fin></periode></session>
  <nombre-heures-total>35</nombre-heures-total></action>
  <organisme-formation-responsable numero="ORG"><nom-organisme>O</nom-organisme>
  </organisme-formation-responsable></formation></offres></lheo>"""
PERMANENT = "<modalites-entrees-sorties>1</modalites-entrees-sorties>"


@pytest.fixture(scope="module")
def places_stub() -> Gazetteer:
    ploermel = Commune("56165", "Ploërmel", ("56800",), "56", "53", 10163, 47.93, -2.39)
    return Gazetteer([ploermel])


def _sessions(permanent: str = "", price: str = "120") -> tuple[list[dict], list]:
    content = read_lheo("o.xml", LHEO.format(permanent=permanent, price=price).encode())
    return [dict(r.values) for r in content.tables[1].rows()], content.warnings


def test_days_only_without_horaires_and_hours_kept() -> None:
    (row,), warnings = _sessions()
    assert (row["start"], row["end"], row["times_known"]) == (
        "2027-03-02 09:00",  # an anchor for ordering and reminders, never shown
        "2027-03-05 17:00",
        "non",
    )
    assert (row["hours"], row["permanent_entry"], row["open_end"]) == ("35", "non", "non")
    assert [w.code for w in warnings] == ["lheo_end_open", "default_seats"]  # S2 not loaded


def test_permanent_entry_with_open_end_is_loaded_until_the_horizon() -> None:
    rows, warnings = _sessions(PERMANENT)
    assert [(r["session_id"], r["permanent_entry"], r["open_end"]) for r in rows] == [
        ("org:S1", "oui", "non"),
        ("org:S2", "oui", "oui"),
    ]
    assert rows[1]["end"] == "2028-08-31 17:00"  # 365 days after 2027-09-01
    horizon = warnings[0]
    assert (horizon.code, horizon.position, horizon.column) == (
        "lheo_open_horizon",
        "S2",
        "formation/action/session/periode/fin",
    )


def test_validation_errors_name_the_numero_and_element_path(places_stub) -> None:
    content = read_lheo("o.xml", LHEO.format(permanent="", price="douze").encode())
    log = ProblemLog()
    validate_tables(content.tables, places=places_stub, log=log)
    (error,) = [p for p in log.errors if p.code == "price_invalid"]
    assert (error.position, error.column) == ("S1", "formation/action/prix-total-TTC")
    text = describe(error, translator("fr"))
    assert text.startswith(
        "o.xml, session « S1 » (n° 1), élément « formation/action/prix-total-TTC » : "
    )


def _card(**dates: object) -> SessionCard:
    values: dict = {
        "id": 1, "external_id": "x", "title": "Excel", "organisation": "O",
        "starts_at": datetime(2027, 3, 2, 8, tzinfo=UTC),
        "ends_at": datetime(2027, 3, 5, 16, tzinfo=UTC),
        "modality": "presentiel", "format": "formation", "price_eur": None, "cpf": False,
        "description": "", "url": None, "seats": 10, "seats_left": 10, "cancelled": False,
        "past": False, "space_name": "E", "address": "1 rue", "postcode": "56800",
        "city": "Ploërmel", "latitude": 47.9, "longitude": -2.4, "accessible": None,
    }  # fmt: skip
    return SessionCard(**(values | dates))


def test_card_and_line_show_days_only_or_permanent_entry() -> None:
    t = translator("fr")
    timed = _card()
    assert "09:00" in period(t, timed) and "09:00" in starts(t, timed)
    days = _card(times_known=False)
    assert "09:00" not in period(t, days) and "17:00" not in period(t, days)
    assert period(t, days) == "du mardi 2 mars au vendredi 5 mars (horaires non communiqués)"
    assert starts(t, days) == "mardi 2 mars"
    one_day = _card(times_known=False, ends_at=datetime(2027, 3, 2, 16, tzinfo=UTC))
    assert period(t, one_day) == "mardi 2 mars (horaires non communiqués)"
    permanent = _card(times_known=False, permanent_entry=True, hours=35.0)
    assert period(t, permanent).startswith(
        "entrées et sorties permanentes jusqu'au vendredi 5 mars"
    )
    assert starts(t, permanent) == "entrées permanentes jusqu'au vendredi 5 mars"
    assert "durée totale : 35 h" in card_text(t, permanent)
    open_end = _card(permanent_entry=True, open_end=True)
    assert "pas de date de fin" in period(t, open_end)
    assert starts(t, open_end) == "entrées permanentes depuis le mardi 2 mars"


def test_former_insee_codes_from_the_gazetteer_file(tmp_path) -> None:
    from bot.importer.former import former_codes

    assert former_codes()["01039"] == "01138"  # Béon, merged into Culoz-Béon
    assert "14762" not in former_codes()  # Vire kept its code: the current commune has it
    other = tmp_path / "communes.csv"
    other.write_text("insee,name\n01001,X\n", encoding="utf-8")
    assert former_codes(other) == {}  # a file without the columns: no codes, no error
