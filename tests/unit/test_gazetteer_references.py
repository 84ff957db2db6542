"""The gazetteer checked against reference facts: postal codes, town centres, former
communes, overseas collectivities, Petites Villes de Demain (data/communes.csv as shipped)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.gazetteer import DEFAULT_PATH, Commune, Gazetteer, default_gazetteer, haversine_km

PVD_PATH = Path(DEFAULT_PATH).parent / "petites_villes_de_demain.csv"


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return default_gazetteer()


# --- postal codes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("postcode", "insee"),
    [
        ("12300", "12013"),  # Aubin, besides 12110
        ("20166", "2A004"),  # Ajaccio (Porticcio side), besides 20000 20090 20167
        ("20129", "2A004"),
        ("01510", "01453"),  # Arvière-en-Valromey
        ("07000", "07277"),  # Saint-Michel-de-Boulogne
        ("49300", "49099"),  # Cholet
        ("13002", "13055"),  # Marseille's arrondissements belong to the city
        ("97150", "97801"),  # Saint-Martin
        ("97133", "97701"),  # Saint-Barthélemy
    ],
)
def test_postcode_pairs_of_the_reference_are_known(
    gaz: Gazetteer, postcode: str, insee: str
) -> None:
    commune = gaz.by_insee(insee)
    assert commune is not None and postcode in commune.postcodes
    assert commune in gaz.by_postcode(postcode)


def test_every_postcode_pair_is_there() -> None:
    # La Poste's pairs (through decoupage-administratif) plus the 308 that codes-postaux adds.
    with DEFAULT_PATH.open(encoding="utf-8", newline="") as fh:
        pairs = sum(len(r["postcodes"].split()) for r in csv.DictReader(fh))
    assert pairs >= 35_493 + 308


# --- town centres ---------------------------------------------------------------------------

# Town halls (chef-lieux) of well-known towns, from the town's own address; each commune's
# point must be within 2 km. Several were far off before GeoNames checked the town halls.
TOWN_CENTRES = {
    "49099": (47.0597, -0.8790),  # Cholet (was 7 km off: a wrong town-hall point)
    "56165": (47.932, -2.398),  # Ploërmel
    "35236": (47.651, -2.084),  # Redon
    "56091": (47.9547, -2.5470),  # Josselin
    "56260": (47.6559, -2.7603),  # Vannes
    "29232": (47.9960, -4.1026),  # Quimper
    "2A004": (41.9192, 8.7386),  # Ajaccio
    "2B033": (42.6977, 9.4508),  # Bastia
    "35238": (48.1114, -1.6800),  # Rennes (was 2 km off: a district town hall)
    "44109": (47.2184, -1.5536),  # Nantes
    "29019": (48.3904, -4.4861),  # Brest
    "56121": (47.7483, -3.3700),  # Lorient
    "35288": (48.6493, -2.0257),  # Saint-Malo (intra-muros)
    "56178": (48.0686, -2.9631),  # Pontivy
    "22050": (48.4556, -2.0503),  # Dinan
    "49007": (47.4712, -0.5518),  # Angers
    "53130": (48.0707, -0.7734),  # Laval
    "33529": (44.6316, -1.1451),  # La Teste-de-Buch (was 11 km off: the Cazaux annex)
    "91223": (48.4346, 2.1616),  # Étampes (was 2 km off: the outline's centroid)
    "95127": (49.0365, 2.0761),  # Cergy (was 3 km off)
    "2A362": (41.7494, 9.1711),  # Zonza (was 16 km off)
    "97801": (18.0675, -63.0826),  # Saint-Martin: Marigot
    "97701": (17.8958, -62.8508),  # Saint-Barthélemy: Gustavia
}


@pytest.mark.parametrize(("insee", "point"), TOWN_CENTRES.items())
def test_each_point_is_the_town_centre(
    gaz: Gazetteer, insee: str, point: tuple[float, float]
) -> None:
    commune = gaz.by_insee(insee)
    assert commune is not None
    assert haversine_km(commune.latitude, commune.longitude, *point) < 2


# --- former communes ------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["Bruis (05)", "Bruis", "05 Bruis", "Montmorin 05"])
def test_former_commune_of_an_older_cog_leads_to_its_current_commune(
    gaz: Gazetteer, query: str
) -> None:
    # Bruis and Montmorin merged into Valdoule (05) in 2016; not Le Buis (87) by typo.
    res = gaz.resolve(query)
    assert res.commune is not None and res.commune.label == "Valdoule (05)"
    assert not res.corrected


def test_no_typo_correction_outside_the_departement_named() -> None:
    def commune(code: str, name: str) -> Commune:
        return Commune(code, name, ("99999",), code[:2], "00", 300, 45.0, 1.0)

    gaz = Gazetteer([commune("87020", "Le Buis"), commune("05024", "Valdoule")])
    assert gaz.resolve("Bruis").commune == commune("87020", "Le Buis")  # no hint: a typo
    assert gaz.resolve("Bruis (05)").commune is None
    assert not gaz.resolve("Bruis (05)").ambiguous
    assert gaz.resolve("Le Buis 05").commune == commune("87020", "Le Buis")  # exact elsewhere


def test_former_name_wins_over_smaller_communes_starting_with_it(gaz: Gazetteer) -> None:
    res = gaz.resolve("Hesdin")
    assert res.commune is not None and res.commune.label == "Hesdin-la-Forêt (62)"
    assert not res.ambiguous
    commune, _, matched = gaz.find_in_text("un atelier à Hesdin en mai")
    assert commune is not None and commune.insee == "62447" and matched == "Hesdin"
    assert gaz.resolve("Hesdin-l'Abbé").commune == gaz.by_insee("62448")


@pytest.mark.parametrize(
    "sentence", ["un atelier à ciel ouvert", "un charmant atelier", "une cellule emploi"]
)
def test_former_names_that_are_common_words_are_not_places(gaz: Gazetteer, sentence: str) -> None:
    # Ciel, Charmant and Cellule are former communes of the older COG.
    assert gaz.find_in_text(sentence) == (None, [], "")


def test_former_name_is_still_a_choice_when_a_larger_town_starts_with_it(
    gaz: Gazetteer,
) -> None:
    res = gaz.resolve("Boulogne")
    assert res.ambiguous
    assert [c.label for c in res.candidates[:3]] == [
        "Boulogne-Billancourt (92)",
        "Boulogne-sur-Mer (62)",
        "Essarts-en-Bocage (85)",
    ]


# --- overseas collectivities ----------------------------------------------------------------


def test_saint_martin_and_saint_barthelemy_are_places(gaz: Gazetteer) -> None:
    assert [c.insee for c in gaz.by_postcode("97150")] == ["97801"]
    assert gaz.resolve("Saint-Martin 978").commune == gaz.by_insee("97801")
    assert gaz.resolve("Saint-Barthélemy (977)").commune == gaz.by_insee("97701")
    assert gaz.nearest(18.07, -63.08) == gaz.by_insee("97801")
    # They never dwarf their homonyms in France: "Saint-Martin" remains a question.
    assert gaz.resolve("Saint-Martin").ambiguous


# --- Petites Villes de Demain ---------------------------------------------------------------


def test_petites_villes_de_demain_are_marked(gaz: Gazetteer) -> None:
    with PVD_PATH.open(encoding="utf-8", newline="") as fh:
        codes = {row["insee"] for row in csv.DictReader(fh)}
    assert len(codes) == 1_606
    assert {c.insee for c in gaz.communes if c.pvd} == codes
    ploermel, redon = gaz.by_insee("56165"), gaz.by_insee("35236")
    assert ploermel is not None and ploermel.pvd
    assert redon is not None and not redon.pvd
