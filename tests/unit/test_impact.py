"""Travel saved: quarters in Paris time, days of a place, distance avoided (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.gazetteer import default_gazetteer
from bot.geo import haversine_km
from bot.impact.distances import ROAD_FACTOR, Point, avoided_km, avoided_one_way_km, road_km
from bot.impact.quarters import Quarter, recent_quarters
from bot.impact.service import MAX_DAYS, centres_of, session_days

PARIS = ZoneInfo("Europe/Paris")
PLOERMEL_SPACE = Point(47.932, -2.398)


def test_quarter_bounds_are_paris_midnights_in_utc() -> None:
    start, end = Quarter(2026, 4).bounds(PARIS)
    assert start == datetime(2026, 9, 30, 22, 0, tzinfo=UTC)  # 1 October 00:00, summer time
    assert end == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)  # 1 January 00:00, winter time


def test_a_moment_belongs_to_the_quarter_of_its_paris_date() -> None:
    new_year_in_paris = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January
    assert Quarter.of(new_year_in_paris, PARIS) == Quarter(2027, 1)
    assert Quarter.of(datetime(2026, 12, 31, 22, 59, tzinfo=UTC), PARIS) == Quarter(2026, 4)


def test_quarters_parse_and_go_back_across_years() -> None:
    assert Quarter.parse("2026q1") == Quarter.parse(" 2026-Q1 ") == Quarter(2026, 1)
    assert [str(q) for q in recent_quarters(Quarter(2026, 2), 4)] == [
        "2026Q2",
        "2026Q1",
        "2025Q4",
        "2025Q3",
    ]
    for bad in ("2026Q5", "Q4", "2026", "T4 2026"):
        with pytest.raises(ValueError):
            Quarter.parse(bad)


def test_the_distance_avoided_is_never_negative() -> None:
    vannes = Point(47.6586, -2.7599)
    # The space (Ploërmel) is farther from Vannes than Vannes's own centre (0 km).
    assert avoided_one_way_km(home=vannes, space=PLOERMEL_SPACE, centre_km=0.0) == 0.0


def test_round_trip_each_day() -> None:
    home = Point(47.9106, -2.2845)  # Augan, about 9 km from the space as the crow flies
    centre_km = 60.0
    one_way = avoided_one_way_km(home=home, space=PLOERMEL_SPACE, centre_km=centre_km)
    crow = haversine_km(home.latitude, home.longitude, 47.932, -2.398)
    assert one_way == pytest.approx(centre_km - crow * ROAD_FACTOR)
    assert avoided_km(one_way_km=one_way, days=3) == pytest.approx(6 * one_way)


def test_the_centre_is_the_nearest_commune_of_50000_inhabitants() -> None:
    centres = centres_of(default_gazetteer(), 50_000)
    augan = default_gazetteer().by_insee("56006")
    assert augan is not None
    name, km = centres.nearest(Point(augan.latitude, augan.longitude))
    assert name == "Vannes"
    assert km == pytest.approx(road_km(Point(augan.latitude, augan.longitude), Point(
        47.6586, -2.7599)), rel=0.05)  # fmt: skip
    assert 100 < len(centres.centres) < 200
    assert all(name != "Ploërmel" for name, _ in centres.centres)  # 10,000 inhabitants


def _at(day: int, hour: int, month: int = 3) -> datetime:
    return datetime(2027, month, day, hour, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("start", "end", "hours", "days"),
    [
        (_at(2, 9), _at(2, 17), None, 1),  # one day
        (_at(2, 9), _at(3, 17), 14.0, 2),  # two days, 14 h
        (_at(2, 9), _at(6, 17), 14.0, 2),  # five calendar days but 14 h: two training days
        (_at(2, 18), _at(2, 20), 2.0, 1),  # an evening counts as a day
        (_at(1, 9), _at(30, 17, month=6), None, MAX_DAYS),  # permanent entry: capped
    ],
)
def test_days_of_a_place(start: datetime, end: datetime, hours: float | None, days: int) -> None:
    assert session_days(start, end, hours, PARIS) == days
