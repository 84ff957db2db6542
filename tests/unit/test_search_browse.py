"""Refining a result list: the radius and month choices, and when widening stops."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.gazetteer import default_gazetteer
from bot.search.browse import (
    Browse,
    effective_request,
    month_choices,
    nothing_within_reach,
    radius_choices,
)
from bot.search.query import SearchRequest, parse_request
from bot.search.service import SearchOutcome

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2027, 1, 20, 10, 0, tzinfo=UTC)


def _browse(text: str) -> Browse:
    return Browse(parse_request(text, now=NOW, tz=PARIS, gazetteer=default_gazetteer()))


def test_radius_choices_mark_the_one_in_use() -> None:
    choices = radius_choices(50.0)
    assert [(c.value, c.current) for c in choices] == [
        ("10", False),
        ("30", False),
        ("50", True),
        ("100", False),
    ]
    assert not any(c.current for c in radius_choices(None))


def test_a_chosen_radius_is_one_of_the_choices() -> None:
    browse = _browse("excel près de Redon").on_page(2)
    assert browse.with_radius(10).radius_km == 10
    assert browse.with_radius(99).radius_km == 100  # a forged value: the nearest choice
    assert browse.with_radius(10).page == 0


def test_month_choices_offer_as_asked_only_when_the_request_named_a_time() -> None:
    asked = _browse("excel près de Redon en mars")
    values = [(c.value, c.current) for c in month_choices(asked, now=NOW, tz=PARIS)]
    assert values == [
        ("asked", True),
        ("all", False),
        ("0", False),
        ("1", False),
        ("2", False),
        ("3", False),
    ]
    plain = _browse("excel près de Redon")
    assert [c.value for c in month_choices(plain, now=NOW, tz=PARIS)][:2] == ["all", "0"]
    assert month_choices(plain.with_month("1"), now=NOW, tz=PARIS)[2].current


def test_all_dates_drops_the_requests_own_time() -> None:
    asked = _browse("excel près de Redon en mars")
    assert effective_request(asked, now=NOW, tz=PARIS).when.start is not None
    every = asked.with_month("all")
    assert every.month_in_use() == "all"
    assert effective_request(every, now=NOW, tz=PARIS).when.start is None
    assert every.with_month("asked").month_in_use() == "asked"


def test_nothing_within_reach_only_at_the_largest_radius() -> None:
    place = _browse("excel près de Redon").request.place
    request = SearchRequest(text="x", place=place)
    assert nothing_within_reach(SearchOutcome(request, place=place, radius_km=100))
    assert not nothing_within_reach(SearchOutcome(request, place=place, radius_km=50))
    assert not nothing_within_reach(SearchOutcome(request, place=None, radius_km=100))
