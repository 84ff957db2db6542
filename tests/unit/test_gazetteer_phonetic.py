"""Towns as people type them: the Phonex key, sound-alike and mistyped names, and the names
that must never be "corrected"."""

from __future__ import annotations

import pytest

from bot.gazetteer import Commune, Gazetteer, default_gazetteer, normalize
from bot.gazetteer.phonetic import phonex
from bot.gazetteer.typos import _keeps_letters_or_sound


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return default_gazetteer()


def labels(communes: list[Commune]) -> list[str]:
    return [c.label for c in communes]


# --- the algorithm ----------------------------------------------------------------------------


def test_brouards_example_spellings_share_one_key() -> None:
    # The example of Brouard's article: two spellings of one sound.
    assert phonex(normalize("PHYLAURHEIMSMET")) == phonex(normalize("FILLAUREINSMAITH"))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("mauron", "moron"),  # au / o
        ("ploermel", "ploermelle"),  # a mute final e, a doubled l
        ("rennes", "renne"),
        ("lorient", "loriant"),  # en / an
        ("quimperle", "kimperle"),  # qu / k
        ("vannes", "vanne"),
        ("phalsbourg", "falsbourg"),  # ph / f
    ],
)
def test_spellings_of_one_sound_share_a_key(a: str, b: str) -> None:
    assert phonex(a) == phonex(b)


@pytest.mark.parametrize(
    ("a", "b"), [("paris", "parisot"), ("redon", "rennes"), ("vire", "vitre")]
)
def test_different_sounds_have_different_keys(a: str, b: str) -> None:
    assert phonex(a) != phonex(b)


def test_each_word_of_a_name_gets_its_key() -> None:
    assert len(phonex("saint meen le grand").split()) == 4
    assert phonex("") == ""


# --- resolving typed names --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Ploermelle", "Ploërmel (56)"),
        ("Josslin", "Josselin (56)"),
        ("Mloermel", "Ploërmel (56)"),  # a wrong first letter, the rest right
        ("Ploermel", "Ploërmel (56)"),
    ],
)
def test_a_mistyped_town_is_found_and_marked_corrected(
    typed: str, expected: str, gaz: Gazetteer
) -> None:
    found = gaz.resolve(typed)
    assert found.commune is not None and found.commune.label == expected


def test_a_sound_alike_offers_every_town_of_that_sound(gaz: Gazetteer) -> None:
    found = gaz.resolve("Moron")
    assert found.corrected and found.ambiguous
    assert "Mauron (56)" in labels(found.candidates)


def test_st_is_saint(gaz: Gazetteer) -> None:
    found = gaz.resolve("St Méen")
    assert found.commune is not None and found.commune.name == "Saint-Méen"
    # The larger Saint-Méen-le-Grand is one of the towns a learner may have meant.
    assert "Saint-Méen-le-Grand (35)" in labels(gaz.namesakes(found.commune))


def test_namesakes_are_the_homonyms_most_populous_first(gaz: Gazetteer) -> None:
    murat = gaz.by_insee("15138")
    assert murat is not None and murat.name == "Murat"
    assert labels(gaz.namesakes(murat)) == ["Murat (15)", "Murat (03)"]


@pytest.mark.parametrize(
    "text",
    ["Paris", "Rennes", "Vannes", "Redon"],
)
def test_an_exact_town_is_never_corrected(text: str, gaz: Gazetteer) -> None:
    found = gaz.resolve(text)
    assert found.commune is not None and not found.corrected
    assert normalize(found.commune.name) == normalize(text)


@pytest.mark.parametrize(
    "text",
    [
        "une formation excel",
        "merci beaucoup",
        "je voudrais apprendre",
        "blablabla",
        "xyzzyq",
        "formation à xkcdqw",
        "cours de wordpress à distance",
    ],
)
def test_words_that_are_no_town_stay_no_town(text: str, gaz: Gazetteer) -> None:
    assert gaz.find_in_text(text) == (None, [], "")


def test_a_correction_keeps_the_letters_or_the_sound(gaz: Gazetteer) -> None:
    assert not _keeps_letters_or_sound("paris", "parisot")  # neither sound nor most letters
    assert _keeps_letters_or_sound("josslin", "josselin")  # most letters
    assert _keeps_letters_or_sound("moron", "mauron")  # the sound
    assert gaz.typo_hits("excel", None) == []  # a topic word is never corrected


def test_a_capitalised_sound_alike_counts_without_a_preposition(gaz: Gazetteer) -> None:
    commune, _, matched = gaz.find_in_text("anglais Ploermelle")
    assert commune is not None and commune.label == "Ploërmel (56)" and matched == "Ploermelle"
    # Lower case, or a topic capitalised at the start of a message: no town.
    assert gaz.find_in_text("anglais ploermelle")[0] is None
    assert gaz.find_in_text("Comptabilité Générale") == (None, [], "")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ND de Monts", "Notre-Dame-de-Monts (85)"),
        ("Ste Anne d'Auray", "Sainte-Anne-d'Auray (56)"),
    ],
)
def test_abbreviations(typed: str, expected: str, gaz: Gazetteer) -> None:
    found = gaz.resolve(typed)
    assert found.commune is not None and found.commune.label == expected


@pytest.mark.parametrize(
    ("text", "town"),
    [
        ("anglais à S. Méen", "Saint-Méen"),  # "S." is Saint; the offer then decides
        ("S. Méen", "Saint-Méen"),
        ("anglais josslin", "Josselin"),  # lowercase, last, a letter missing
        ("excel near Ploërmel", "Ploërmel"),  # English prepositions
        ("excel close to Josslin", "Josselin"),
    ],
)
def test_abbreviations_lowercase_typos_and_english_prepositions(
    text: str, town: str, gaz: Gazetteer
) -> None:
    commune, _, _ = gaz.find_in_text(text)
    assert commune is not None and commune.name == town


def test_s_without_its_period_is_not_saint(gaz: Gazetteer) -> None:
    assert normalize("S Méen") == "s meen"
    assert normalize("S. Méen") == "saint meen"


@pytest.mark.parametrize(
    "text",
    [
        "cours de violon",  # Volon (70): a letter away, but not a town Proxi serves
        "permis poids lourds",  # Lourdes: too short to correct without a capital
        "il n'y a personne",  # Péronne
        "caces nacelle",  # Naucelle
        "bilan carbone",  # Carbonne
        "anglais josslin bientôt",  # a lowercase typo is only read as the last word
    ],
)
def test_lowercase_words_are_not_corrected_into_towns(text: str, gaz: Gazetteer) -> None:
    commune, candidates, _ = gaz.find_in_text(text)
    assert commune is None and candidates == []
