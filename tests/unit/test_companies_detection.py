"""Employer phrasing, head counts and contacts; drafts filled from sentences and answers."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.companies.detection import contact_in, head_count, is_employer_request
from bot.companies.drafts import CONTACT, WHAT, WHERE, Draft, fill
from bot.gazetteer import default_gazetteer

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    "text",
    [
        "une formation SST pour 6 salariés à Mauron",
        "formation excel pour mon équipe",
        "une formation pour mes employés",
        "notre entreprise cherche une formation habilitation électrique",
        "formation gestes et postures pour nos agents",
        "in-house first aid training",
        "intra-entreprise SST",
        "first aid for my staff",
        "Excel training for my employees in Redon",
        "for my team of 6",
        "CACES pour 3 collaborateurs",
    ],
)
def test_employer_phrasing_is_recognised(text: str) -> None:
    assert is_employer_request(text)


@pytest.mark.parametrize(
    "text",
    [
        "formation excel à Mauron",
        "créer mon entreprise à Redon",
        "création d'entreprise",
        "formation pour créer son entreprise",
        "je veux reprendre mon entreprise",
        "comptabilité pour mon entreprise",
        "anglais pour mon travail",
        "SST Ploërmel",
        "caces 56",
        "une formation pas loin de Ploërmel en mars",
        "",
    ],
)
def test_a_learners_search_is_not_an_employer_request(text: str) -> None:
    assert not is_employer_request(text)


@pytest.mark.parametrize(
    ("text", "bare", "expected"),
    [
        ("pour 6 salariés", False, 6),
        ("pour six personnes", False, 6),
        ("team of 12", False, 12),
        ("mon équipe de 8", False, 8),
        ("SST, 4", True, 4),
        ("SST, 4", False, None),
        ("pour 0 salarié", False, None),
    ],
)
def test_head_count(text: str, bare: bool, expected: int | None) -> None:
    assert head_count(text, bare=bare) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("appelez le 06 12 34 56 78", "06 12 34 56 78"),
        ("+33 6 12 34 56 78", "+33 6 12 34 56 78"),
        ("rh@menuiserie.fr merci", "rh@menuiserie.fr"),
        ("via Telegram", "Telegram"),
        ("demain", None),
    ],
)
def test_contact(text: str, expected: str | None) -> None:
    assert contact_in(text) == expected


def _fill(draft: Draft, text: str, **kwargs: bool) -> Draft:
    return fill(draft, text, now=NOW, tz=PARIS, gazetteer=default_gazetteer(), **kwargs)


def test_one_sentence_fills_what_it_says_and_only_the_rest_is_asked() -> None:
    draft = _fill(Draft(), "une formation SST pour 6 salariés à Mauron")
    assert (draft.concept_id, draft.head_count, draft.place_label) == ("sst", 6, "Mauron (56)")
    assert draft.next_question() == (WHERE, False)  # the period
    draft = _fill(draft.asking(WHERE), "en mars, rh@menuiserie.fr")
    assert (draft.period_label, draft.contact) == ("en mars", "rh@menuiserie.fr")
    assert draft.next_question() is None


def test_at_most_three_questions_then_only_required_parts_again() -> None:
    draft = Draft().asking(WHAT)
    draft = _fill(draft, "euh")
    assert draft.next_question() == (WHAT, True)  # the topic is needed to route it
    draft = _fill(draft, "secourisme")
    assert draft.next_question() == (WHERE, False)  # the count was asked once: not again
    draft = _fill(draft.asking(WHERE), "bientôt")
    assert draft.next_question() == (WHERE, True)  # the town is needed
    draft = _fill(draft, "Josselin")
    assert draft.next_question() == (CONTACT, False)
    draft = _fill(draft.asking(CONTACT), "je ne sais pas")
    assert draft.next_question() is None  # contact optional once asked
    assert len(draft.asked) == 3


def test_a_change_replaces_what_it_names() -> None:
    draft = _fill(Draft(), "SST pour 6 salariés à Mauron en mars")
    changed = _fill(draft, "8 personnes à Josselin", replace=True)
    assert (changed.head_count, changed.place_label) == (8, "Josselin (56)")
    assert (changed.concept_id, changed.period_label) == ("sst", "en mars")


def test_a_draft_round_trips_as_plain_data() -> None:
    draft = _fill(Draft(), "SST pour 6 salariés à Mauron en mars").asking(CONTACT)
    assert Draft.from_dict(draft.to_dict()) == draft
    assert Draft.from_dict({"unknown": 1}) is None
    assert Draft.from_dict(None) is None


def test_a_lone_number_is_a_count_only_in_the_answer_to_how_many() -> None:
    draft = _fill(Draft(), "formation SST pour mon équipe").asking(WHAT)
    assert draft.head_count is None
    on_where = _fill(draft.asking(WHERE), "à Mauron le 10 mars, 06 12 34 56 78")
    assert on_where.head_count is None and on_where.contact == "06 12 34 56 78"
    assert _fill(draft, "7").head_count == 7
