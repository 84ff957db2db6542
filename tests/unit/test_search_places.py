"""The offer decides among homonym towns; regions and areas; school-year time phrases;
messages that name no topic. Over the sample data of the evaluation set."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.gazetteer import Gazetteer, default_gazetteer
from bot.search.chatter import is_chatter
from bot.search.departements import postcode_departement
from bot.search.homonyms import alternatives, settle_place
from bot.search.query import SearchRequest, parse_request
from bot.search.regions import departement_with_article, region_code
from bot.search.service import search
from tests.search_eval.evaluate import SAMPLE_NOW, sample_index

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return default_gazetteer()


def parse(text: str, gaz: Gazetteer, now: datetime = SAMPLE_NOW) -> SearchRequest:
    return parse_request(text, now=now, tz=PARIS, gazetteer=gaz)


def settled(text: str, gaz: Gazetteer) -> SearchRequest:
    return settle_place(sample_index(), parse(text, gaz), now=SAMPLE_NOW)


# --- homonyms ---------------------------------------------------------------------------------


def test_the_homonym_with_sessions_wins_and_the_other_is_an_alternative(gaz: Gazetteer) -> None:
    request = settled("excel à Murat", gaz)
    assert request.place is not None and request.place.label == "Murat (15)"
    assert [c.label for c in alternatives(request)] == ["Murat (03)"]


def test_sound_alikes_are_settled_by_the_offer(gaz: Gazetteer) -> None:
    request = settled("excel à Moron", gaz)
    assert request.place is not None and request.place.label == "Mauron (56)"
    assert request.place.corrected


def test_a_longer_larger_name_with_the_offer_wins(gaz: Gazetteer) -> None:
    request = settled("anglais à St Méen", gaz)
    assert request.place is not None and request.place.label == "Saint-Méen-le-Grand (35)"


def test_a_town_named_exactly_with_sessions_stays(gaz: Gazetteer) -> None:
    request = parse("bureautique à Ploërmel", gaz)
    assert settle_place(sample_index(), request, now=SAMPLE_NOW) is request


def test_nothing_separates_two_homonyms_without_offer_so_the_learner_is_asked(
    gaz: Gazetteer,
) -> None:
    # Two towns far from every space of the sample, made the same size: English is taught,
    # but around neither, and no population tells them apart.
    towns = [gaz.resolve(name).commune for name in ("Nice", "Strasbourg")]
    same_size = tuple(dataclasses.replace(c, population=1000) for c in towns if c)
    request = SearchRequest("anglais à X", ("anglais",), place_candidates=same_size)
    asked = settle_place(sample_index(), request, now=SAMPLE_NOW)
    assert asked.place is None and len(asked.place_candidates) == 2
    # Diving is taught nowhere: whichever town, the answer is "nothing", so no question.
    diving = dataclasses.replace(request, topic_words=("plongee",))
    assert settle_place(sample_index(), diving, now=SAMPLE_NOW).place is not None


# --- areas ------------------------------------------------------------------------------------


def test_a_region_by_name_keeps_the_search_to_its_departements(gaz: Gazetteer) -> None:
    request = parse("anglais en Bretagne", gaz)
    assert request.place is not None and request.place.kind == "region"
    assert request.place.area == ("22", "29", "35", "56")
    outcome = search(sample_index(), request, now=SAMPLE_NOW)
    assert outcome.results
    assert {postcode_departement(r.session.space.postcode) for r in outcome.results} <= {
        "22", "29", "35", "56"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "region"), [("english course in Brittany", "53"), ("sst en Normandie", "28")]
)
def test_regions_in_french_and_english(text: str, region: str, gaz: Gazetteer) -> None:
    request = parse(text, gaz)
    assert request.place is not None and request.place.region == region


def test_a_departement_by_name_or_number(gaz: Gazetteer) -> None:
    for text in ("excel dans le Morbihan", "excel dans le 56"):
        request = parse(text, gaz)
        assert request.place is not None and request.place.area == ("56",)


def test_bain_de_bretagne_is_a_town_not_the_region(gaz: Gazetteer) -> None:
    request = parse("bureautique à Bain-de-Bretagne", gaz)
    assert request.place is not None and request.place.kind == "commune"


def test_area_names_in_french() -> None:
    assert departement_with_article("56", "Morbihan") == "le Morbihan"
    assert departement_with_article("50", "Manche") == "la Manche"
    assert departement_with_article("01", "Ain") == "l'Ain"
    assert departement_with_article("40", "Landes") == "les Landes"
    assert departement_with_article("34", "Hérault") == "l'Hérault"
    assert region_code("bretagne") == ("53", "Bretagne", "en Bretagne")
    assert postcode_departement("20000") == "2A" and postcode_departement("97400") == "974"


# --- school-year time phrases -----------------------------------------------------------------


def _window(text: str, gaz: Gazetteer, now: datetime) -> tuple[date | None, date | None]:
    when = parse(text, gaz, now).when
    start = when.start.astimezone(PARIS).date() if when.start else None
    end = when.end.astimezone(PARIS).date() if when.end else None
    return start, end


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 25, 9, tzinfo=UTC), (date(2027, 9, 1), date(2027, 10, 16))),
        (datetime(2027, 9, 10, 9, tzinfo=UTC), (date(2027, 9, 10), date(2027, 10, 16))),
        (datetime(2027, 10, 20, 9, tzinfo=UTC), (date(2028, 9, 1), date(2028, 10, 16))),
    ],
)
def test_a_la_rentree(now: datetime, expected: tuple[date, date], gaz: Gazetteer) -> None:
    assert _window("excel à la rentrée", gaz, now) == expected


@pytest.mark.parametrize(
    ("now", "resume"),
    [
        (datetime(2026, 11, 25, 9, tzinfo=UTC), date(2027, 1, 4)),  # before Noël
        (datetime(2027, 2, 25, 9, tzinfo=UTC), date(2027, 3, 8)),  # during the winter ones
        (datetime(2027, 7, 14, 9, tzinfo=UTC), date(2027, 9, 1)),  # summer
        # The official calendar (vacances-scolaires-france): winter 2028 is 5-21 February.
        (datetime(2028, 2, 10, 9, tzinfo=UTC), date(2028, 2, 21)),
        # The Ascension bridge is not "les vacances": after it, the summer ones.
        (datetime(2027, 5, 5, 9, tzinfo=UTC), date(2027, 9, 1)),
        (datetime(2029, 1, 10, 9, tzinfo=UTC), date(2029, 9, 1)),  # past the table
    ],
)
def test_apres_les_vacances(now: datetime, resume: date, gaz: Gazetteer) -> None:
    assert _window("anglais après les vacances", gaz, now) == (resume, None)
    assert parse("anglais après les vacances", gaz, now).topic_words == ("anglais",)


# --- messages without a topic -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "merci !",
        "👍",
        "?!",
        "...",
        "ok",
        "bonjour",
        "thanks a lot",
        "'; DROP TABLE users; --",
        "SELECT * FROM sessions",
        "<script>alert(1)</script>",
    ],
)
def test_chatter(text: str, gaz: Gazetteer) -> None:
    assert is_chatter(parse(text, gaz))


@pytest.mark.parametrize("text", ["excel", "Ploërmel", "kombucha", "excel; word", "cuisine"])
def test_requests_are_not_chatter(text: str, gaz: Gazetteer) -> None:
    assert not is_chatter(parse(text, gaz))


def test_an_abbreviated_town_in_a_request(gaz: Gazetteer) -> None:
    request = parse("anglais à ND de Monts", gaz)
    assert request.place is not None and request.place.label == "Notre-Dame-de-Monts (85)"
    assert request.topic_words == ("anglais",)


@pytest.mark.parametrize("text", ["anglais à S. Méen", "anglais S. Méen", "anglais à St Méen"])
def test_s_dot_is_saint_in_a_request(text: str, gaz: Gazetteer) -> None:
    request = settled(text, gaz)
    assert request.place is not None and request.place.label == "Saint-Méen-le-Grand (35)"
    assert request.topic_words == ("anglais",)


def test_a_lowercase_town_typed_last_in_a_request(gaz: Gazetteer) -> None:
    request = settled("anglais josslin", gaz)
    assert request.place is not None and request.place.label == "Josselin (56)"
    assert request.topic_words == ("anglais",)


def test_the_official_calendar_covers_the_school_years_to_2028() -> None:
    """Zone B from vacances-scolaires-france: five holidays a school year, no bridge."""
    from bot.search.when.school import holidays

    periods = [p for p in holidays() if date(2025, 9, 1) <= p[0] < date(2028, 9, 1)]
    assert len(periods) == 15
    assert (date(2026, 12, 19), date(2027, 1, 4)) in periods  # Noël 2026
    assert periods[-1] == (date(2028, 7, 4), date(2028, 9, 1))  # summer 2028
