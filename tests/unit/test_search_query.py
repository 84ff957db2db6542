"""Understanding requests: topic words, place, time window (Paris time), modality, odd input."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FrozenClock
from bot.gazetteer import Gazetteer, default_gazetteer
from bot.search.query import MAX_REQUEST_CHARS, SearchRequest, parse_request
from bot.search.when import EVENING, When

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return default_gazetteer()


def parse(text: str, gaz: Gazetteer, now: datetime | None = None) -> SearchRequest:
    # The conftest clock's moment: Wednesday 25 November 2026, 10:00 in Paris.
    now = now or datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    return parse_request(text, now=now, tz=PARIS, gazetteer=gaz)


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


# --- topic words ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("je cherche une formation excel pas loin de Ploërmel en mars", ("excel",)),
        ("Bonjour ! Auriez-vous un cours d'anglais svp ?", ("anglais",)),
        ("compta pour ma tpe vers malestroit", ("compta", "tpe")),
        ("je veux apprendre a parler en public", ("parler", "public")),
        ("excel course near Redon in March", ("excel",)),
        ("manager une équipe à distance", ("manager", "equipe", "distance")),
        ("vendre en ligne", ("vendre", "ligne")),
    ],
)
def test_topic_words_are_what_is_left_after_filler(
    text: str, words: tuple[str, ...], gaz: Gazetteer
) -> None:
    assert parse(text, gaz).topic_words == words


# --- places -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "insee"),
    [
        ("une formation excel pas loin de Ploërmel en mars", "56165"),
        ("anglais redon", "35236"),
        ("secourisme autour de Mauron", "56127"),
        ("bureautique près de 56800", "56165"),
        ("exel ploermel", "56165"),
        ("sst st flour", "15187"),
        ("anglais à Vire", "14762"),  # a former commune, now Vire Normandie
        ("sst Ruffec en Charente", "16292"),  # the département picks among homonyms
    ],
)
def test_finds_the_commune(text: str, insee: str, gaz: Gazetteer) -> None:
    request = parse(text, gaz)
    assert request.place is not None
    assert (request.place.kind, request.place.insee) == ("commune", insee)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("caces 56", "56"),
        ("anglais dans le 35", "35"),
        ("excel dans le Morbihan", "56"),
        ("monter ma boîte en Haute-Vienne", "87"),  # not the commune Vienne (38)
        ("sst dans la Somme", "80"),
    ],
)
def test_finds_a_departement_with_a_wider_radius(text: str, code: str, gaz: Gazetteer) -> None:
    request = parse(text, gaz)
    assert request.place is not None
    assert (request.place.kind, request.place.departement) == ("departement", code)
    assert request.place.default_radius_km > 30
    assert not any(w.isdigit() for w in request.topic_words)


@pytest.mark.parametrize(
    "text",
    [
        "sst 14 h",  # a duration, not Calvados
        "psc 1",
        "excel pas cher",  # not the Cher
        "sst en somme",
        "prise de parole en réunion",  # not La Réunion
        "gérer mes priorités au boulot",  # Boulot is a commune, here it means work
        "formation wordpress",
        "excel près de chez moi",
    ],
)
def test_ordinary_words_are_not_places(text: str, gaz: Gazetteer) -> None:
    request = parse(text, gaz)
    assert request.place is None
    assert request.unknown_place is None
    assert request.modality is None


def test_unknown_place_is_reported(gaz: Gazetteer) -> None:
    request = parse("formation excel à Tataouine", gaz)
    assert (request.place, request.unknown_place) == (None, "Tataouine")
    assert request.topic_words == ("excel",)


def test_ambiguous_place_carries_candidates(gaz: Gazetteer) -> None:
    request = parse("créer son entreprise ruffec", gaz)
    assert request.place is None
    assert {c.departement for c in request.place_candidates} >= {"16", "36"}


def test_with_place_replaces_the_place(gaz: Gazetteer) -> None:
    request = parse("excel à Tataouine", gaz)
    moved = request.with_place(parse("redon", gaz).place)
    assert moved.unknown_place is None
    assert moved.place is not None and moved.place.insee == "35236"


# --- time windows -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        # now: Wednesday 25 November 2026, 10:00
        ("excel en mars", paris(2027, 3, 1), paris(2027, 4, 1)),
        ("excel en novembre", paris(2026, 11, 25, 10), paris(2026, 12, 1)),  # this month
        ("excel en octobre", paris(2027, 10, 1), paris(2027, 11, 1)),  # the next October
        ("excel en janvier 2027", paris(2027, 1, 1), paris(2027, 2, 1)),
        ("excel in March", paris(2027, 3, 1), paris(2027, 4, 1)),
        ("excel le 15 mars", paris(2027, 3, 15), paris(2027, 3, 16)),
        ("excel début avril", paris(2027, 4, 1), paris(2027, 4, 11)),
        ("cette semaine", paris(2026, 11, 25, 10), paris(2026, 11, 30)),
        ("la semaine prochaine", paris(2026, 11, 30), paris(2026, 12, 7)),
        ("ce week-end", paris(2026, 11, 28), paris(2026, 11, 30)),
        ("ce mois-ci", paris(2026, 11, 25, 10), paris(2026, 12, 1)),
        ("le mois prochain", paris(2026, 12, 1), paris(2027, 1, 1)),
        ("demain", paris(2026, 11, 26), paris(2026, 11, 27)),
        ("ce samedi", paris(2026, 11, 28), paris(2026, 11, 29)),
        ("avant l'été", paris(2026, 11, 25, 10), paris(2027, 6, 21)),
        ("cet été", paris(2027, 6, 21), paris(2027, 9, 23)),
    ],
)
def test_time_windows_in_paris_time(
    text: str, start: datetime, end: datetime, gaz: Gazetteer
) -> None:
    when = parse(text, gaz).when
    assert (when.start, when.end) == (start.astimezone(UTC), end.astimezone(UTC))
    assert when.start is not None and when.start.tzinfo is UTC


def test_month_in_the_same_month_is_this_month(gaz: Gazetteer) -> None:
    when = parse("anglais en mars", gaz, now=paris(2027, 3, 10, 12)).when
    assert (when.start, when.end) == (paris(2027, 3, 10, 12), paris(2027, 4, 1))


def test_windows_cross_the_year(gaz: Gazetteer) -> None:
    now = paris(2026, 12, 28, 9)  # a Monday
    assert parse("le mois prochain", gaz, now).when.end == paris(2027, 2, 1)
    assert parse("la semaine prochaine", gaz, now).when.start == paris(2027, 1, 4)
    assert parse("en décembre", gaz, now).when.end == paris(2027, 1, 1)


def test_local_midnights_across_the_dst_change(gaz: Gazetteer) -> None:
    # Saturday 27 March 2027; clocks go forward on the night to Sunday 28.
    when = parse("demain", gaz, now=paris(2027, 3, 27, 10)).when
    assert when.start == datetime(2027, 3, 27, 23, 0, tzinfo=UTC)  # 00:00 CET
    assert when.end == datetime(2027, 3, 28, 22, 0, tzinfo=UTC)  # 00:00 CEST: a 23-hour day
    april = parse("en avril", gaz, now=paris(2027, 3, 27, 10)).when
    assert april.start == datetime(2027, 3, 31, 22, 0, tzinfo=UTC)


def test_evening_means_local_time_in_summer_and_winter(gaz: Gazetteer) -> None:
    when = parse("anglais le soir", gaz).when
    assert when.day_parts == (EVENING,)
    assert when.accepts(paris(2027, 7, 1, 18, 0), PARIS)  # 16:00 UTC
    assert when.accepts(paris(2027, 1, 5, 17, 0), PARIS)
    assert not when.accepts(paris(2027, 7, 1, 16, 30), PARIS)  # 14:30 UTC


def test_weekdays_and_day_parts(gaz: Gazetteer) -> None:
    when = parse("anglais le mardi soir", gaz).when
    assert when.weekdays == {1}
    assert when.accepts(paris(2027, 1, 19, 18), PARIS)  # a Tuesday evening
    assert not when.accepts(paris(2027, 1, 20, 18), PARIS)  # Wednesday
    assert parse("sst les samedis", gaz).when.weekdays == {5}
    assert parse("excel le week-end", gaz).when.weekdays == {5, 6}
    assert parse("excel en semaine", gaz).when.weekdays == {0, 1, 2, 3, 4}
    assert parse("on saturdays", gaz).when.weekdays == {5}


def test_time_words_without_a_time_meaning(gaz: Gazetteer) -> None:
    # "été" is also "been"; "may" an English verb.
    assert parse("j'ai été licencié, reconversion", gaz).when == When()
    assert parse("may I learn excel", gaz).when == When()
    assert parse("excel", gaz).when == When()


# --- filters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "modality"),
    [
        ("anglais à distance", "distanciel"),
        ("anglais en ligne", "distanciel"),
        ("vae en visio", "distanciel"),
        ("english online", "distanciel"),
        ("sst en présentiel", "presentiel"),
        ("management mixte", "blended"),
        ("manager une équipe à distance", None),  # the topic, not the modality
        ("vendre en ligne", None),
        ("remote management", None),
    ],
)
def test_modality(text: str, modality: str | None, gaz: Gazetteer) -> None:
    assert parse(text, gaz).modality == modality


def test_other_filters(gaz: Gazetteer) -> None:
    request = parse("formation gratuite accessible pmr éligible cpf", gaz)
    assert (request.free_only, request.accessible_only, request.cpf_only) == (True, True, True)
    assert request.topic_words == ()
    assert parse("caces dans un rayon de 20 km autour de Vire", gaz).radius_km == 20.0
    assert parse("anglais à moins de 15km de Redon", gaz).radius_km == 15.0


# --- odd input --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "😀😀🙏", "???", "\x00\x07\x1b\u200b"])
def test_empty_or_emoji_only(text: str, gaz: Gazetteer) -> None:
    request = parse(text, gaz)
    assert request.topic_words == ()
    assert request.place is None
    assert request.when == When()


def test_html_and_sql_are_just_words(gaz: Gazetteer) -> None:
    request = parse("<script>alert(1)</script> excel '; DROP TABLE training_session; --", gaz)
    assert "excel" in request.topic_words
    assert request.place is None


def test_long_text_is_truncated_at_a_word_boundary(gaz: Gazetteer) -> None:
    text = "excel à Redon " + "blabla " * 700  # about 4,900 characters
    request = parse(text[:4000], gaz)
    assert request.truncated
    assert len(request.text) <= MAX_REQUEST_CHARS
    assert request.text.split()[-1] == "blabla"
    assert request.place is not None and request.place.insee == "35236"


def test_a_long_repeated_word_is_truncated_then_parsed(gaz: Gazetteer, clock: FrozenClock) -> None:
    # How long parsing takes is measured by bench/bench_search.py, not asserted here.
    request = parse_request("sst " * 1000, now=clock.now(), tz=PARIS, gazetteer=gaz)
    assert request.truncated
    assert len(request.text) <= MAX_REQUEST_CHARS
    assert set(request.topic_words) == {"sst"}
