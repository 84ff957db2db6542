"""Search service and index over plain SessionDocs: filters, ranking, widening, collapse."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.gazetteer import Gazetteer, default_gazetteer
from bot.search.index import SearchIndex, SessionDoc, SpaceDoc
from bot.search.query import Place, SearchRequest, parse_request
from bot.search.service import SearchOutcome, search

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # the conftest clock

# Real points: Ploërmel, Josselin (11 km), Redon (39 km), Vire (about 200 km).
PLOERMEL = SpaceDoc(1, "Relais de Ploërmel", "Ploërmel", "56800", 47.93172, -2.39781, True)
JOSSELIN = SpaceDoc(2, "Coworking de Josselin", "Josselin", "56120", 47.95291, -2.54388, False)
REDON = SpaceDoc(3, "Tiers-lieu de Redon", "Redon", "35600", 47.65091, -2.08384, True)
VIRE = SpaceDoc(4, "Espace de Vire", "Vire Normandie", "14500", 48.83862, -0.88757, True)

_ids = itertools.count(1)


def doc(
    title: str,
    space: SpaceDoc,
    *,
    days: float = 10,
    topics: str = "",
    organisation: str = "Org A",
    **changes: object,
) -> SessionDoc:
    number = next(_ids)
    start = NOW + timedelta(days=days)
    base = SessionDoc(
        id=number,
        external_id=f"S-{number:03}",
        title=title,
        organisation=organisation,
        topics=topics,
        description="",
        starts_at=start,
        ends_at=start + timedelta(hours=7),
        seats=10,
        seats_taken=0,
        modality="presentiel",
        format="formation",
        price_eur=200.0,
        cpf=False,
        status="scheduled",
        space=space,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return default_gazetteer()


def run(index: SearchIndex, text: str, gaz: Gazetteer, **kwargs: object) -> SearchOutcome:
    request = parse_request(text, now=NOW, tz=PARIS, gazetteer=gaz)
    return search(index, request, now=NOW, **kwargs)  # type: ignore[arg-type]


def ids(outcome: SearchOutcome) -> list[str]:
    return [r.session.title for r in outcome.results]


def test_cancelled_and_past_sessions_never_appear(gaz: Gazetteer) -> None:
    index = SearchIndex(
        [
            doc("Excel initiation", PLOERMEL, days=-1),
            doc("Excel initiation", PLOERMEL, days=0),  # starts right now: too late
            doc("Excel TCD", PLOERMEL, status="cancelled"),
            doc("Excel perfectionnement", PLOERMEL, days=3),
        ]
    )
    assert ids(run(index, "excel ploermel", gaz)) == ["Excel perfectionnement"]


def test_full_sessions_are_kept_and_flagged(gaz: Gazetteer) -> None:
    index = SearchIndex([doc("Excel", PLOERMEL, seats=8, seats_taken=8)])
    (result,) = run(index, "excel ploermel", gaz).results
    assert (result.full, result.seats_left) == (True, 0)


def test_ranked_by_relevance_then_distance_then_date(gaz: Gazetteer) -> None:
    index = SearchIndex(
        [
            doc("Atelier bureautique", JOSSELIN, organisation="B"),
            doc("Excel", PLOERMEL, days=20, organisation="C", topics="excel;bureautique"),
            doc("Word", PLOERMEL, days=5, organisation="D", topics="word;bureautique"),
            doc("PowerPoint", JOSSELIN, days=1, organisation="E", topics="powerpoint"),
        ]
    )
    outcome = run(index, "bureautique ploermel", gaz)
    # The exact concept first; then the same relevance, nearest then soonest.
    assert ids(outcome) == ["Atelier bureautique", "Word", "Excel", "PowerPoint"]
    assert [r.distance_km for r in outcome.results] == [11.1, 0.0, 0.0, 11.1]
    assert all(0 < r.score <= 1 for r in outcome.results)


def test_radius_widens_when_nothing_is_near(gaz: Gazetteer) -> None:
    index = SearchIndex([doc("Anglais", REDON, topics="anglais")])
    outcome = run(index, "anglais ploermel", gaz)
    assert (outcome.radius_km, outcome.widened) == (50.0, True)
    assert outcome.results[0].distance_km == pytest.approx(39.1, abs=0.2)
    assert run(index, "anglais ploermel", gaz, widen=False).results == ()
    far = run(index, "anglais vire", gaz)
    assert (far.results, far.radius_km, far.widened) == ((), 100.0, True)


def test_explicit_radius(gaz: Gazetteer) -> None:
    index = SearchIndex([doc("Anglais", JOSSELIN), doc("Anglais", REDON, organisation="B")])
    outcome = run(index, "anglais ploermel", gaz, radius_km=5, widen=False)
    assert outcome.results == ()
    outcome = run(index, "anglais dans un rayon de 20 km autour de Ploërmel", gaz)
    assert [r.session.space.city for r in outcome.results] == ["Josselin"]


def test_one_organisation_does_not_flood_the_results(gaz: Gazetteer) -> None:
    sessions = [doc("SST initial", PLOERMEL, days=d, topics="sst") for d in (30, 10, 20)]
    sessions += [doc("SST initial", JOSSELIN, days=d, topics="sst") for d in (2, 4)]
    sessions += [doc("SST initial", JOSSELIN, organisation="Org B", topics="sst")]
    index = SearchIndex(sessions)
    outcome = run(index, "sst ploermel", gaz)
    first, second = outcome.results
    # The nearest, then soonest, session stands for its group, with the count of the others.
    assert (first.session.space.city, first.other_dates) == ("Ploërmel", 4)
    assert first.session.starts_at == NOW + timedelta(days=10)
    assert (second.session.organisation, second.other_dates) == ("Org B", 0)


def test_a_session_with_seats_stands_for_its_group(gaz: Gazetteer) -> None:
    index = SearchIndex(
        [
            doc("SST", PLOERMEL, days=2, seats_taken=10, topics="sst"),
            doc("SST", PLOERMEL, days=9, topics="sst"),
        ]
    )
    (result,) = run(index, "sst ploermel", gaz).results
    assert (result.full, result.other_dates) == (False, 1)


def test_without_a_place_no_distance_filter(gaz: Gazetteer) -> None:
    index = SearchIndex(
        [doc("Anglais", VIRE, days=3), doc("Anglais", REDON, days=1, organisation="B")]
    )
    outcome = run(index, "anglais", gaz)
    assert outcome.needs_place
    assert outcome.radius_km is None
    assert [(r.session.space.city, r.distance_km) for r in outcome.results] == [
        ("Redon", None),
        ("Vire Normandie", None),
    ]


def test_unknown_ambiguous_and_unmatched(gaz: Gazetteer) -> None:
    index = SearchIndex([doc("Excel", PLOERMEL)])
    unknown = run(index, "excel à Tataouine", gaz)
    assert (unknown.unknown_place, unknown.results) == ("Tataouine", ())
    ambiguous = run(index, "excel ruffec", gaz)
    assert len(ambiguous.place_candidates) >= 2 and ambiguous.results == ()
    nothing = run(index, "plongée sous-marine ploermel", gaz)
    assert (nothing.no_topic_match, nothing.results) == (True, ())


def test_time_window_and_filters(gaz: Gazetteer) -> None:
    evening = NOW.replace(hour=17) + timedelta(days=6)  # 18:00 Paris, Tuesday 1 December
    index = SearchIndex(
        [
            doc("Anglais", PLOERMEL, days=7),
            dataclasses.replace(
                doc("Anglais soir", PLOERMEL, organisation="B"), starts_at=evening
            ),
            doc("Anglais en ligne", PLOERMEL, organisation="C", modality="distanciel", days=8),
            doc("Anglais CPF", PLOERMEL, organisation="D", cpf=True, days=100),
        ]
    )
    assert ids(run(index, "anglais le soir ploermel", gaz)) == ["Anglais soir"]
    assert ids(run(index, "anglais à distance", gaz)) == ["Anglais en ligne"]
    assert ids(run(index, "anglais cpf", gaz)) == ["Anglais CPF"]
    assert "Anglais CPF" not in ids(run(index, "anglais ce mois-ci", gaz))
    assert ids(run(index, "anglais le mardi", gaz)) == ["Anglais soir"]


def test_online_sessions_ignore_the_radius(gaz: Gazetteer) -> None:
    index = SearchIndex([doc("VAE", VIRE, topics="vae", modality="distanciel")])
    outcome = run(index, "vae en visio ploermel", gaz)
    assert outcome.radius_km is None
    assert outcome.results[0].distance_km is not None and outcome.results[0].distance_km > 100


def test_empty_topic_lists_everything_near(gaz: Gazetteer) -> None:
    index = SearchIndex([doc("Excel", PLOERMEL), doc("Anglais", VIRE, organisation="B")])
    assert ids(run(index, "formations à Ploërmel", gaz)) == ["Excel"]


def test_limit(gaz: Gazetteer) -> None:
    index = SearchIndex([doc(f"Excel {n}", PLOERMEL, organisation=f"O{n}") for n in range(5)])
    outcome = run(index, "excel ploermel", gaz, limit=2)
    assert (len(outcome.results), outcome.total) == (2, 5)


def test_words_of_indexed_sessions_are_typo_targets(gaz: Gazetteer) -> None:
    # Not in the topic table: a word becomes a typo target once an indexed session uses it.
    assert run(SearchIndex([doc("Excel", PLOERMEL)]), "serigrafie", gaz).results == ()
    index = SearchIndex([doc("Sérigraphie artisanale", PLOERMEL, topics="sérigraphie")])
    assert ids(run(index, "serigrafie", gaz)) == ["Sérigraphie artisanale"]


def test_seat_counts_can_be_refreshed(gaz: Gazetteer) -> None:
    session = doc("Excel", PLOERMEL, seats=4)
    index = SearchIndex([session])
    index.set_seats_taken(session.id, 4)
    (result,) = run(index, "excel ploermel", gaz).results
    assert result.full


def test_a_place_can_be_given_apart_from_the_text(gaz: Gazetteer) -> None:
    index = SearchIndex([doc("Excel", JOSSELIN)])
    request = SearchRequest(text="excel", topic_words=("excel",))
    located = request.with_place(Place.from_point(47.93, -2.40, "ma position"))
    outcome = search(index, located, now=NOW)
    assert outcome.results[0].distance_km == pytest.approx(11.0, abs=0.3)
    assert not outcome.needs_place
