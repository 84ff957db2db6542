"""Tests of the communes gazetteer over the shipped data/communes.csv."""

from __future__ import annotations

import csv

import pytest

from bot.gazetteer import (
    DEFAULT_PATH,
    Commune,
    Gazetteer,
    Resolution,
    default_gazetteer,
    haversine_km,
    normalize,
)

PLOERMEL, JOSSELIN, REDON = "56165", "56091", "35236"


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return default_gazetteer()


def labels(communes: list[Commune]) -> list[str]:
    return [c.label for c in communes]


def insee(commune: Commune | None) -> str | None:
    return commune.insee if commune else None


# --- data -----------------------------------------------------------------------------------


def test_csv_is_sorted_by_insee_and_complete() -> None:
    with DEFAULT_PATH.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    codes = [r["insee"] for r in rows]
    assert codes == sorted(codes)
    current = [r for r in rows if r["kind"] == "current"]
    former = [r for r in rows if r["kind"] == "former"]
    assert len(current) == 34_969
    assert len(current) + len(former) == len(rows)
    assert sum(1 for r in current if r["latitude"]) >= 34_870
    assert len(former) >= 2_000
    known = {r["insee"] for r in current}
    assert all(r["current_insee"] in known for r in former)


def test_loads_every_commune_with_coordinates() -> None:
    # How long this takes is measured by bench/bench_search.py, not asserted here.
    gaz = Gazetteer.load()
    assert len(gaz) >= 34_800
    assert all(-90 <= c.latitude <= 90 and -180 <= c.longitude <= 180 for c in gaz.communes)


def test_default_gazetteer_is_cached() -> None:
    assert default_gazetteer() is default_gazetteer()


def test_reference_points(gaz: Gazetteer) -> None:
    ploermel, redon = gaz.by_insee(PLOERMEL), gaz.by_insee(REDON)
    assert ploermel is not None and redon is not None
    assert haversine_km(ploermel.latitude, ploermel.longitude, 47.932, -2.398) < 1
    assert haversine_km(redon.latitude, redon.longitude, 47.651, -2.084) < 1


def test_distances_between_communes(gaz: Gazetteer) -> None:
    ploermel, josselin, redon = (gaz.by_insee(c) for c in (PLOERMEL, JOSSELIN, REDON))
    assert ploermel and josselin and redon
    assert gaz.distance_km(ploermel, josselin) == pytest.approx(11, abs=2)
    assert gaz.distance_km(ploermel, redon) == pytest.approx(39, abs=2)
    assert gaz.distance_km(redon, ploermel) == gaz.distance_km(ploermel, redon)


def test_haversine() -> None:
    assert haversine_km(48.0, -2.0, 48.0, -2.0) == 0
    # Paris (Notre-Dame) to Lyon (Bellecour): about 392 km.
    assert haversine_km(48.853, 2.3499, 45.7578, 4.832) == pytest.approx(392, abs=3)


def test_every_commune_lies_in_france(gaz: Gazetteer) -> None:
    # Swapped or sign-flipped town-hall points would land far outside these boxes.
    metro = [c for c in gaz.communes if not c.departement.startswith("97")]
    assert all(41.3 < c.latitude < 51.1 and -5.2 < c.longitude < 9.6 for c in metro)


# --- normalize ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ploërmel", "ploermel"),
        ("  ST-MALO ", "saint malo"),
        ("Ste-Anne-d'Auray", "sainte anne d auray"),
        ("L’Haÿ-les-Roses", "l hay les roses"),
        ("Œuilly", "oeuilly"),
        ("Saint-Martin (32)", "saint martin 32"),
        ("", ""),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


# --- resolve --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected", "corrected"),
    [
        ("Ploërmel", PLOERMEL, False),
        ("ploermel", PLOERMEL, False),
        ("PLOERMEL", PLOERMEL, False),
        ("ploërmell", PLOERMEL, True),
        ("Plörmel", PLOERMEL, True),
        ("redonn", REDON, True),
        ("josselyn", JOSSELIN, True),
        ("st malo", "35288", False),
        ("saint-malo", "35288", False),
        ("ST MALO", "35288", False),
        ("St-Brieuc", "22278", False),
        ("montpelier", "34172", True),
        ("Le Mans", "72181", False),
        ("mans", "72181", False),
        ("la baule", "44055", True),
        ("Sables d'Olonne", "85194", False),
        ("Vire", "14762", False),
        ("Viré", "71584", False),
        ("2A004", "2A004", False),
        ("56165", PLOERMEL, False),
    ],
)
def test_resolve_one_commune(gaz: Gazetteer, query: str, expected: str, corrected: bool) -> None:
    res = gaz.resolve(query)
    assert (insee(res.commune), res.corrected) == (expected, corrected)


def test_former_commune_leads_to_current_one(gaz: Gazetteer) -> None:
    res = gaz.resolve("Vire")
    assert res.commune is not None
    assert res.commune.label == "Vire Normandie (14)"
    assert res.found and not res.ambiguous


def test_current_commune_wins_over_former_of_same_name() -> None:
    def commune(code: str, name: str, population: int) -> Commune:
        return Commune(code, name, ("99999",), code[:2], "53", population, 48.0, -2.0)

    gaz = Gazetteer(
        [commune("56001", "Lanvaux", 300), commune("56002", "Grand-Champ", 5000)],
        former=[("Lanvaux", "56002"), ("Locqueltas", "56002")],
    )
    assert insee(gaz.resolve("Lanvaux").commune) == "56001"
    assert insee(gaz.resolve("Locqueltas").commune) == "56002"


def test_postal_code_gives_most_populous_commune(gaz: Gazetteer) -> None:
    res = gaz.resolve("56800")
    assert insee(res.commune) == PLOERMEL
    assert "Taupont (56)" in labels(res.candidates)
    assert insee(gaz.resolve("56 800").commune) == PLOERMEL
    assert insee(gaz.by_postcode("56800")[0]) == PLOERMEL
    assert "Campénéac (56)" in labels(gaz.by_postcode("56800"))


def test_postal_code_with_name_picks_that_commune(gaz: Gazetteer) -> None:
    assert gaz.resolve("Saint-Martin-sur-Oust 56200").commune == gaz.by_insee("56229")


def test_insee_codes(gaz: Gazetteer) -> None:
    ajaccio = gaz.by_insee("2A004")
    assert ajaccio is not None and ajaccio.name == "Ajaccio"
    assert ajaccio.label == "Ajaccio (2A)"
    assert gaz.resolve("2a004").commune == ajaccio
    assert gaz.resolve("20000").commune == ajaccio  # its postal code
    assert gaz.by_insee("00000") is None


def test_homonyms_are_ambiguous_most_populous_first(gaz: Gazetteer) -> None:
    res = gaz.resolve("Saint-Martin")
    assert res.commune is None and res.ambiguous
    assert labels(res.candidates) == [
        "Saint-Martin (978)",  # the overseas collectivity never dwarfs its homonyms
        "Saint-Martin (65)",
        "Saint-Martin (32)",
        "Saint-Martin (67)",
        "Saint-Martin (54)",
    ]


@pytest.mark.parametrize(
    ("query", "departement", "expected"),
    [
        ("Saint-Martin 32", None, "32389"),
        ("Saint-Martin (67)", None, "67426"),
        ("54 Saint-Martin", None, "54480"),
        ("Saint-Martin", "65", "65392"),
        ("Saint-Martin 56", None, "56229"),  # no Saint-Martin in 56: Saint-Martin-sur-Oust
        ("Redon 56", None, REDON),  # a hint that matches nothing is ignored
    ],
)
def test_departement_hint(
    gaz: Gazetteer, query: str, departement: str | None, expected: str
) -> None:
    assert insee(gaz.resolve(query, departement=departement).commune) == expected


def test_a_dwarfing_homonym_is_a_clear_answer(gaz: Gazetteer) -> None:
    res = gaz.resolve("Valence")
    assert res.commune is not None and res.commune.label == "Valence (26)"
    assert labels(res.candidates) == ["Valence (82)", "Valence (16)"]


@pytest.mark.parametrize(
    "query", ["Tataouine", "bonjour", "excel", "anglais", "formation", "hello", "", "   "]
)
def test_non_places_resolve_to_nothing(gaz: Gazetteer, query: str) -> None:
    assert gaz.resolve(query) == Resolution()


# --- départements ---------------------------------------------------------------------------


def test_departements(gaz: Gazetteer) -> None:
    assert gaz.is_departement("56")
    assert gaz.is_departement("2A")
    assert gaz.is_departement("974")
    assert not gaz.is_departement("20")
    assert not gaz.is_departement("Ploërmel")
    communes = gaz.in_departement("56")
    assert len(communes) == 249
    assert communes[0].label == "Lorient (56)"
    assert all(c.departement == "56" for c in communes)


def test_departement_centroid(gaz: Gazetteer) -> None:
    centre = gaz.departement_centroid("56")
    assert centre is not None
    assert haversine_km(*centre, 47.76, -2.92) < 5  # pulled towards Lorient and Vannes
    assert gaz.departement_centroid("99") is None


# --- find_in_text ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "expected", "matched"),
    [
        ("une formation excel pas loin de Ploërmel en mars", PLOERMEL, "Ploërmel"),
        ("anglais redon", REDON, "redon"),
        ("bureautique près de 56800", PLOERMEL, "56800"),
        ("formation caces à 35600", REDON, "35600"),
        ("formation au 56 800", PLOERMEL, "56 800"),
        ("je cherche un cours d'anglais à Rennes", "35238", "Rennes"),
        ("formation secourisme vers josselyn", JOSSELIN, "josselyn"),
        ("caces autour de Ploermell", PLOERMEL, "Ploermell"),
        ("formation à Plörmel", PLOERMEL, "Plörmel"),
        ("formation à redonn", REDON, "redonn"),
        ("formation compta sur Vannes", "56260", "Vannes"),
        ("stage de secourisme au Mans", "72181", "Mans"),
        ("formation près du Mans", "72181", "Mans"),
        ("une formation pas loin de St Malo", "35288", "St Malo"),
        ("formation à Saint-Martin 32", "32389", "Saint-Martin"),
        ("mentorat à Vire", "14762", "Vire"),
        ("formation à La Baule", "44055", "La Baule"),
        ("formation aux Sables-d'Olonne", "85194", "Sables-d'Olonne"),
        ("formation près des Herbiers", "85109", "Herbiers"),
        ("formation à l'Île-d'Yeu", "85113", "l'Île-d'Yeu"),
        ("sst dans le coin de Redon", REDON, "Redon"),
        ("formation anglais Quimper", "29232", "Quimper"),
        ("je suis à la gare de Rennes", "35238", "Rennes"),
        ("formation sur le port de Brest", "29019", "Brest"),
        ("formation le 12 mars à Lorient", "56121", "Lorient"),
        ("budget 12 500 euros à Redon", REDON, "Redon"),
        ("j'habite à Pontivy et je veux apprendre excel", "56178", "Pontivy"),
        ("formation dans la région de Nantes", "44109", "Nantes"),
        ("cours de piano à Nice", "06088", "Nice"),
        # The "sur" inside a hyphenated name is no preposition (it read "Truyère" as a typo
        # of La Bruyère, in Haute-Saône).
        ("pas trop loin de Entraygues-sur-Truyère le matin", "12094", "Entraygues-sur-Truyère"),
        ("excel Entraygues-sur-Truyère", "12094", "Entraygues-sur-Truyère"),
    ],
)
def test_find_in_text_finds_the_place(
    gaz: Gazetteer, sentence: str, expected: str, matched: str
) -> None:
    commune, _, text = gaz.find_in_text(sentence)
    assert (insee(commune), text) == (expected, matched)


@pytest.mark.parametrize(
    "sentence",
    [
        "excel",
        "formation word en mars",
        "cours d'anglais",
        "compta",
        "formation secourisme",
        "caces cariste",
        "formation à distance",
        "formation en ligne",
        "sessions en avril",
        "formation à partir de mars",
        "excel près de chez moi",
        "formation vers la gare",
        "formation bureautique Marie",
        "formation à Tataouine",
        "Bonjour, je cherche une formation",
        "formation le 12 500",
        "",
    ],
)
def test_find_in_text_ignores_non_places(gaz: Gazetteer, sentence: str) -> None:
    assert gaz.find_in_text(sentence) == (None, [], "")


def test_find_in_text_ambiguous_place(gaz: Gazetteer) -> None:
    commune, candidates, matched = gaz.find_in_text("atelier cv à Saint-Martin")
    assert commune is None
    assert labels(candidates)[:2] == ["Saint-Martin (978)", "Saint-Martin (65)"]
    assert matched == "Saint-Martin"


def test_find_in_text_postal_code_alternatives(gaz: Gazetteer) -> None:
    commune, candidates, matched = gaz.find_in_text("bureautique près de 56800")
    assert insee(commune) == PLOERMEL
    assert "Taupont (56)" in labels(candidates)
    assert matched == "56800"
