"""The topic table (data/topics.toml): loading, normalisation, concepts and expansion."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.search.topics import STOP_WORDS, TopicTable, default_topics, normalize, stem, words


@pytest.fixture(scope="module")
def table() -> TopicTable:
    return default_topics()


def test_normalises_like_the_gazetteer() -> None:
    assert normalize("Comptabilité – TPE") == "comptabilite tpe"
    assert words("Je cherche une formation EXCEL") == ["excel"]
    assert words("Tableaux croisés dynamiques") == ["tableau", "croise", "dynamique"]
    assert stem("chariots") == stem("chariot")
    assert stem("sst") == "sst"


def test_the_shipped_table_is_rich_and_consistent(table: TopicTable) -> None:
    assert len(table) >= 80
    subjects = [c for c in table.concepts.values() if c.kind == "subject"]
    assert len(subjects) >= 70
    assert all(c.label and c.terms for c in table.concepts.values())
    # No term is made only of stop words or reduced to something it does not mean.
    assert not any(w in STOP_WORDS for c in table.concepts.values() for t in c.terms for w in t)


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("compta", "comptabilite"),
        ("SST", "sst"),
        ("PSC1", "psc1"),
        ("psc 1", "psc1"),
        ("CACES", "caces"),
        ("VAE", "vae"),
        ("TPE", "tpe"),
        ("HACCP", "hygiene_alimentaire"),
        ("PAO", "graphisme"),
        ("tableur", "excel"),
        ("parler en public", "prise_de_parole"),
        ("site internet", "site_web"),
        ("micro-entreprise", "micro_entreprise"),
        ("auto entrepreneur", "micro_entreprise"),
        ("first aid", "secourisme"),
        ("english", "anglais"),
        ("spreadsheet", "excel"),
        ("forklift", "caces"),
        ("bookkeeping", "comptabilite"),
        ("public speaking", "prise_de_parole"),
        ("word", "word"),
        ("wordpress", "wordpress"),
    ],
)
def test_synonyms_acronyms_and_english(text: str, concept: str, table: TopicTable) -> None:
    assert table.concepts_in(words(text)) == {concept}


@pytest.mark.parametrize(
    ("broad", "narrow"),
    [
        ("bureautique", {"excel", "word", "powerpoint"}),
        ("secourisme", {"sst", "psc1"}),
        ("site_web", {"wordpress", "site_vitrine"}),
        ("langues", {"anglais", "espagnol"}),
        ("informatique", {"bureautique", "excel"}),  # transitive
        ("reconversion", {"vae", "bilan_competences"}),
    ],
)
def test_broader_terms_expand_downwards(broad: str, narrow: set[str], table: TopicTable) -> None:
    assert narrow <= table.closure(broad)
    assert all(broad not in table.closure(n) for n in narrow)


def test_segment_prefers_the_longest_term(table: TopicTable) -> None:
    tokens = words("manager une équipe à distance")
    segments = table.segment(tokens)
    assert [(s.concept, s.end - s.start) for s in segments] == [("management_distance", 3)]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "topics.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_term_in_two_concepts_is_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[concepts.a]\nlabel = "A"\nterms = ["excel"]\n'
        '[concepts.b]\nlabel = "B"\nterms = ["Excel"]\n',
    )
    with pytest.raises(ValueError, match="both"):
        TopicTable.load(path)


def test_a_phrase_cut_down_by_stop_words_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, '[concepts.a]\nlabel = "A"\nterms = ["premiers pas"]\n')
    with pytest.raises(ValueError, match="stop words"):
        TopicTable.load(path)


def test_unknown_narrower_concept_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, '[concepts.a]\nlabel = "A"\nterms = ["a1"]\nnarrower = ["nope"]\n')
    with pytest.raises(ValueError, match="unknown"):
        TopicTable.load(path)
