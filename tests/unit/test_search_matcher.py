"""Topic relevance: typos, expansion, and above all precision (nothing rather than wrong)."""

from __future__ import annotations

import pytest

from bot.search.matcher import Features, Vocabulary, compile_query, features, score
from bot.search.topics import TopicTable, default_topics


@pytest.fixture(scope="module")
def table() -> TopicTable:
    return default_topics()


# A small catalogue, phrased the way organisations write (not the sample's exact wording).
CATALOGUE = {
    "excel": ("Excel pour débutants", "excel;tableur;bureautique", "Formules et graphiques."),
    "excel_pro": ("Excel avancé", "excel;perfectionnement", "Macros, RECHERCHEX et TCD."),
    "word": ("Word : courriers et rapports", "word;traitement de texte", ""),
    "wordpress": ("Créer un site avec WordPress", "wordpress;site internet", ""),
    "excellence": ("Viser l'excellence au service client", "relation client", ""),
    "sst": ("Sauveteur Secouriste du Travail", "sst;secourisme", "Protéger, alerter, secourir."),
    "psc1": ("PSC1 premiers secours", "psc1", "Les gestes qui sauvent."),
    "compta": ("Bases de la comptabilité", "comptabilité;tpe", ""),
    "anglais": ("Anglais : reprendre confiance", "anglais;langues", ""),
    "parole": ("Prendre la parole en réunion", "prise de parole;oral", ""),
    "haccp": ("HACCP en restauration", "haccp;hygiène alimentaire;restauration", ""),
    "marketing": ("Marketing local", "marketing", "Formation pratique, avec un cours en ligne."),
}


@pytest.fixture(scope="module")
def catalogue(table: TopicTable) -> dict[str, Features]:
    return {key: features(*texts, table) for key, texts in CATALOGUE.items()}


@pytest.fixture(scope="module")
def vocabulary(table: TopicTable, catalogue: dict[str, Features]) -> Vocabulary:
    vocab = Vocabulary(table)
    for feats in catalogue.values():
        strong = [w for w, weight in feats.words.items() if weight >= 0.9]
        vocab.add(strong, [w for w in feats.words if w not in strong])
    return vocab


def matches(
    text: str, table: TopicTable, vocabulary: Vocabulary, catalogue: dict[str, Features]
) -> dict[str, float]:
    query = compile_query(text.split(), table, vocabulary)
    scored = {key: score(query, feats) for key, feats in catalogue.items()}
    return {key: s for key, s in scored.items() if s > 0}


def best(found: dict[str, float]) -> str:
    return max(found, key=lambda k: found[k])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("excel", {"excel", "excel_pro"}),
        ("word", {"word"}),  # never WordPress
        ("wordpress", {"wordpress"}),
        ("secourisme", {"sst", "psc1"}),
        ("bureautique", {"excel", "excel_pro", "word"}),
        ("tableur", {"excel", "excel_pro"}),
        ("compta", {"compta"}),
        ("restaurant", {"haccp"}),
    ],
)
def test_exact_and_expanded(text: str, expected: set[str], table, vocabulary, catalogue) -> None:
    assert set(matches(text, table, vocabulary, catalogue)) == expected


@pytest.mark.parametrize(
    ("typo", "key"),
    [
        ("exel", "excel"),
        ("excell", "excel"),
        ("comptabilitée", "compta"),
        ("anglai", "anglais"),
        ("secourime", "sst"),
        ("wordpres", "wordpress"),
    ],
)
def test_typos_of_four_letters_or_more(typo: str, key: str, table, vocabulary, catalogue) -> None:
    assert key in matches(typo, table, vocabulary, catalogue)


def test_formaton_is_filler_after_correction(table, vocabulary) -> None:
    query = compile_query(["formaton", "exel"], table, vocabulary)
    assert [u.key for u in query.units] == ["excel"]
    assert ("formaton", "formation") in query.corrections


@pytest.mark.parametrize(
    "text",
    [
        "excellence",  # not Excel
        "wird",  # too far from "word"
        "plongée sous-marine",
        "pilote d'avion",
        "cours de cuisine japonaise",
        "yoga",
        "permis de conduire",
        "japonaise",
    ],
)
def test_off_topic_returns_nothing(text: str, table, vocabulary, catalogue) -> None:
    assert "excel" not in matches(text, table, vocabulary, catalogue)
    if text != "excellence":
        assert matches(text, table, vocabulary, catalogue) == {}


def test_generic_words_are_no_topic(table, vocabulary) -> None:
    # "formation", "cours", "atelier" say nothing of *what*: the topic is empty, and the
    # service then lists every session near the learner.
    assert compile_query(["formation", "cours", "atelier"], table, vocabulary).empty


def test_generic_words_do_not_carry_a_match(table, vocabulary, catalogue) -> None:
    # "en ligne" and "formation" appear in the marketing description: not a reason to match.
    assert matches("formation en ligne", table, vocabulary, catalogue) == {}


def test_description_alone_never_qualifies(table, vocabulary, catalogue) -> None:
    # "TCD" only appears in the advanced Excel course's description.
    found = matches("graphiques", table, vocabulary, catalogue)
    assert found == {}


def test_multi_word_requests_need_the_main_concept(table, vocabulary, catalogue) -> None:
    found = matches("comptabilité pour restaurant", table, vocabulary, catalogue)
    assert set(found) == {"compta"}  # not HACCP, which only shares the qualifier


def test_qualifiers_refine_the_ranking(table, vocabulary, catalogue) -> None:
    found = matches("excel débutant", table, vocabulary, catalogue)
    assert best(found) == "excel"
    found = matches("excel perfectionnement", table, vocabulary, catalogue)
    assert best(found) == "excel_pro"


def test_scores_are_in_zero_one(table, vocabulary, catalogue) -> None:
    for text in ("excel", "bureautique", "secourisme premiers secours", "anglais oral"):
        for value in matches(text, table, vocabulary, catalogue).values():
            assert 0 < value <= 1


def test_free_words_need_most_of_them_found(table, vocabulary, catalogue) -> None:
    # No concept here: two thirds of the words must be found, one of them in the title.
    assert matches("reprendre confiance japon", table, vocabulary, catalogue) == {
        "anglais": 0.6667
    }
    assert matches("confiance japon", table, vocabulary, catalogue) == {}
