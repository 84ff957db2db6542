"""The tutors' typed availability shortcut, wall-time arithmetic across DST, space matching."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.mentoring.english import to_french
from bot.mentoring.parsing import (
    AvailabilityRequest,
    ParseError,
    match_space,
    parse_availability,
)
from bot.mentoring.timing import local_to_utc, next_weekday, split_range, weekly_dates

PARIS = ZoneInfo("Europe/Paris")
# Wednesday 25 November 2026, 10:00 in Paris (the `clock` fixture's time).
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def parse(text: str, now: datetime = NOW) -> AvailabilityRequest:
    return parse_availability(text, now=now, tz=PARIS)


def test_weekday_range_and_place() -> None:
    assert parse("mardi 14h-16h à Redon") == AvailabilityRequest(
        day=date(2026, 12, 1),
        start=time(14),
        end=time(16),
        recurring=False,
        weeks=None,
        appointment_minutes=60,
        seats=1,
        online=False,
        online_url=None,
        place_text="Redon",
        length_assumed=True,  # two appointments of the default hour: shown before saving
    )


def test_the_length_is_assumed_only_when_a_range_is_cut_by_default() -> None:
    assert parse("mardi 14h-15h à Redon").length_assumed is False  # one slot, the range
    assert parse("mardi 14h-17h, 45 min, à Redon").length_assumed is False  # stated
    assert parse("mardi 14h-16h groupe 6 places").length_assumed is False  # a group: whole range
    assert parse("mardi 14h-17h à Redon").length_assumed is True


def test_online_with_half_hours() -> None:
    request = parse("jeudi 9h30-12h en ligne")
    assert (request.day, request.start, request.end) == (date(2026, 11, 26), time(9, 30), time(12))
    assert (request.online, request.place_text) == (True, None)


def test_a_date_already_passed_this_year_is_next_year() -> None:
    request = parse("le 12/03 10h-11h30 Josselin")
    assert (request.day, request.start, request.end) == (date(2027, 3, 12), time(10), time(11, 30))
    assert request.place_text == "Josselin"
    assert parse("le 12 mars 10h-11h Josselin").day == date(2027, 3, 12)
    assert parse("le 3/12 10h-11h Josselin").day == date(2026, 12, 3)


def test_weekly_with_appointment_length() -> None:
    request = parse("tous les mardis 14h-17h, 45 min, à Redon")
    assert request.recurring
    assert (request.weekday, request.day) == (1, date(2026, 12, 1))
    assert (request.appointment_minutes, request.place_text) == (45, "Redon")
    assert parse("chaque lundi 14h-16h pendant 4 semaines à Vannes").weeks == 4


def test_group_slot_takes_the_whole_range() -> None:
    request = parse("mardi 14:00-17:00 groupe 6 places")
    assert (request.seats, request.appointment_minutes, request.group) == (6, 180, True)
    assert request.place_text is None
    assert parse("mardi 14h-16h groupe de 8 à Redon").seats == 8


def test_today_when_still_ahead_else_next_week() -> None:
    assert parse("mercredi 11h-12h").day == date(2026, 11, 25)
    assert parse("mercredi 9h-10h").day == date(2026, 12, 2)  # 9:00 has passed


def test_filler_words_and_articles_are_not_the_place() -> None:
    request = parse("Dispo mercredi de 14h à 16h à la Maison de l'emploi de Ploërmel")
    assert request.place_text == "Maison de l'emploi de Ploërmel"
    assert parse("mardi 14h-17h 45 min").end == time(17)  # "17h 45 min" is not 17:45


def test_a_link_makes_it_online() -> None:
    request = parse("le 12 mars 10h-12h visio https://meet.jit.si/proxi-abc")
    assert (request.online, request.online_url) == (True, "https://meet.jit.si/proxi-abc")
    assert request.place_text is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("mardi à Redon", "no_time"),
        ("14h-16h à Redon", "no_day"),
        ("mardi 16h-14h", "end_before_start"),
        ("mardi 25h-26h", "bad_time"),
        ("le 31/02 10h-11h", "bad_date"),
        ("mardi 12/03/2027 14h-15h", "weekday_mismatch"),
        ("groupe mardi 14h-16h", "group_seats"),
        ("mardi 14h-15h, 90 min", "bad_duration"),
        ("mardi 14h-15h http://insecure.example", "not_https"),
        ("mardi 14h-15h en ligne à Redon", "place_and_online"),
        ("aujourd'hui 8h-9h", "date_in_past"),
    ],
)
def test_errors_have_reason_codes(text: str, reason: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert caught.value.reason == reason


def test_weekly_wall_time_survives_both_dst_changes() -> None:
    # Tuesdays from 23 March 2027, across the last Sunday of March (the 28th).
    now = datetime(2027, 3, 22, 9, 0, tzinfo=UTC)
    days = weekly_dates(1, time(14), weeks=2, now=now, tz=PARIS)
    assert days == [date(2027, 3, 23), date(2027, 3, 30)]
    starts = [local_to_utc(day, time(14), PARIS) for day in days]
    assert [s.hour for s in starts] == [13, 12]  # UTC moves...
    assert {s.astimezone(PARIS).hour for s in starts} == {14}  # ...Paris does not
    # And across the last Sunday of October 2027 (the 31st).
    now = datetime(2027, 10, 25, 9, 0, tzinfo=UTC)
    days = weekly_dates(1, time(14), weeks=2, now=now, tz=PARIS)
    assert days == [date(2027, 10, 26), date(2027, 11, 2)]
    assert [local_to_utc(day, time(14), PARIS).hour for day in days] == [12, 13]


def test_split_range_and_a_skipped_wall_time() -> None:
    spans = split_range(date(2026, 12, 1), time(14), time(17), 45, PARIS)
    assert [(s.astimezone(PARIS).time(), e.astimezone(PARIS).time()) for s, e in spans] == [
        (time(14), time(14, 45)),
        (time(14, 45), time(15, 30)),
        (time(15, 30), time(16, 15)),
        (time(16, 15), time(17)),
    ]
    # 02:30 does not exist on 28 March 2027: it is read as 03:30 summer time.
    assert local_to_utc(date(2027, 3, 28), time(2, 30), PARIS) == datetime(
        2027, 3, 28, 1, 30, tzinfo=UTC
    )
    assert next_weekday(2, time(11), now=NOW, tz=PARIS) == date(2026, 11, 25)


SPACES = [
    (1, "Relais d'Entreprises de Ploërmel", "Ploërmel"),
    (2, "Espace Redon Agglomération", "Redon"),
    (3, "Tiers-lieu La Fabrique", "Redon"),
    (4, "Espace Josselin", "Josselin"),
]


def test_match_space_by_city_name_and_typos() -> None:
    def ids(text: str) -> list[int]:
        return [match.id for match in match_space(text, SPACES)]

    assert ids("Ploermel") == [1]
    assert ids("Relais Ploërmel") == [1]
    assert ids("josselin") == [4]
    assert ids("La Fabrique") == [3]
    assert sorted(ids("Redon")) == [2, 3]  # two spaces in Redon: the tutor chooses
    assert sorted(ids("Redn")) == [2, 3]
    assert ids("Paris") == []
    assert ids("") == []


@pytest.mark.parametrize(
    ("english", "french"),
    [
        ("Tuesday 2pm-4pm at Redon", "mardi 14h-16h à Redon"),
        ("every Tuesday 2pm to 5pm, 45 min, at Redon", "tous les mardi 14h-17h, 45 min, à Redon"),
        ("tomorrow 10am-11am in Josselin", "demain 10h-11h à Josselin"),
        ("Friday 14:00-16:00 group of 6 people", "vendredi 14:00-16:00 groupe de 6 places"),
        ("every monday 9am-10am for 6 weeks", "tous les lundi 9h-10h pendant 6 semaines"),
        (
            "thursday 9am-10am online https://v.example/at/in",
            "jeudi 9h-10h online https://v.example/at/in",
        ),
        ("mardi 14h-16h à Redon", "mardi 14h-16h à Redon"),  # French stays as it is
    ],
)
def test_english_phrases_are_read_in_french(english: str, french: str) -> None:
    assert to_french(english) == french


def test_an_english_phrase_parses_like_the_french_one() -> None:
    assert parse("Tuesday 2pm-4pm at Redon") == parse("mardi 14h-16h à Redon")
    weekly = parse("every Tuesday 2pm-5pm, 45 min, at Redon")
    assert (weekly.recurring, weekly.appointment_minutes, weekly.place_text) == (True, 45, "Redon")
