"""Calendar files, slot ranking and the reminder plan: pure functions over plain views."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot.mentoring.finder import rank, topic_matches
from bot.mentoring.ics import appointment_ics, ics_filename
from bot.mentoring.reminding import reminder_kind, reminder_plan
from bot.mentoring.views import AppointmentView, Place, SlotView

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)  # Tuesday 1 December, 14:00 in Paris
STAMP = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
PLOERMEL = Place(
    space_id=1,
    name="Relais d'Entreprises de Ploërmel",
    address="1 rue de la Gare",
    postcode="56800",
    city="Ploërmel",
    latitude=47.932,
    longitude=-2.398,
)


def appointment(**changes: object) -> AppointmentView:
    view = AppointmentView(
        id=7,
        status="confirmed",
        slot_id=3,
        tutor_id=2,
        tutor_name="Claire Martin",
        tutor_user_id=900,
        learner_id=42,
        learner_name="Louis Le Goff",
        starts_at=START,
        ends_at=START + timedelta(minutes=45),
        place=PLOERMEL,
        message="Reconversion vers la comptabilité",
        reason=None,
        ics_uid="0b5e@proxi",
        ics_sequence=0,
        attended=None,
        attendance_by=None,
        rating=None,
        created_at=STAMP,
        rescheduled_from_id=None,
    )
    return replace(view, **changes)  # type: ignore[arg-type]


def parse(data: bytes) -> tuple[Calendar, object]:
    calendar = Calendar.from_ical(data)
    [event] = calendar.walk("VEVENT")
    return calendar, event


def test_request_parses_back_with_utc_times_and_the_place() -> None:
    view = appointment()
    calendar, event = parse(appointment_ics(view, organizer_name="Proxi", tz=PARIS, stamp=STAMP))
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]).startswith("-//Proxi")
    assert str(event["UID"]) == "0b5e@proxi"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == START + timedelta(minutes=45)
    assert event.decoded("DTSTAMP") == STAMP
    assert str(event["SUMMARY"]) == "Rendez-vous de mentorat avec Claire Martin"
    assert "1 rue de la Gare, 56800 Ploërmel" in str(event["LOCATION"])
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "mardi 1er décembre, de 14:00 à 14:45" in str(event["DESCRIPTION"])
    assert b"DTSTART:20261201T130000Z" in appointment_ics(
        view, organizer_name="Proxi", tz=PARIS, stamp=STAMP
    )
    assert ics_filename(view, PARIS) == "rdv-mentorat-2026-12-01.ics"


def test_online_appointment_has_the_link_as_location_and_url() -> None:
    view = appointment(place=Place(online_url="https://meet.jit.si/proxi-7"))
    _, event = parse(appointment_ics(view, organizer_name="Proxi", tz=PARIS, stamp=STAMP))
    assert str(event["LOCATION"]) == "https://meet.jit.si/proxi-7"
    assert str(event["URL"]) == "https://meet.jit.si/proxi-7"


def test_cancel_keeps_the_uid_with_a_higher_sequence() -> None:
    request = appointment()
    cancelled = appointment(status="cancelled", ics_sequence=1)
    _, first = parse(appointment_ics(request, organizer_name="Proxi", tz=PARIS, stamp=STAMP))
    calendar, second = parse(
        appointment_ics(cancelled, method="CANCEL", organizer_name="Proxi", tz=PARIS, stamp=STAMP)
    )
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(second["UID"]) == str(first["UID"])
    assert second["SEQUENCE"] > first["SEQUENCE"]
    assert str(second["STATUS"]) == "CANCELLED"


def slot(slot_id: int, *, hours: int, place: Place) -> SlotView:
    return SlotView(
        id=slot_id,
        tutor_id=1,
        tutor_name="Claire",
        tutor_user_id=900,
        starts_at=START + timedelta(hours=hours),
        ends_at=START + timedelta(hours=hours + 1),
        seats=1,
        seats_taken=0,
        series_id=None,
        cancelled=False,
        place=place,
    )


def test_rank_nearest_spaces_then_online_and_far_ones_left_out() -> None:
    near_space = PLOERMEL
    other = replace(PLOERMEL, space_id=2, name="Redon", latitude=47.652, longitude=-2.084)
    far = replace(PLOERMEL, space_id=3, name="Paris", latitude=48.857, longitude=2.352)
    online = Place(online_url="https://meet.jit.si/x")
    slots = [
        slot(1, hours=1, place=online),
        slot(2, hours=2, place=other),
        slot(3, hours=48, place=near_space),
        slot(4, hours=3, place=far),
        slot(5, hours=5, place=near_space),
        slot(6, hours=0, place=online),
    ]
    ranked = rank(slots, near=(47.93, -2.40), radius_km=50)
    assert [s.id for s in ranked] == [5, 3, 2, 6, 1]
    assert ranked[0].distance_km is not None and ranked[0].distance_km < 1
    assert [s.id for s in rank(slots, near=None, radius_km=50)] == [6, 1, 2, 4, 5, 3]


def test_topic_matching_tolerates_case_accents_and_typos() -> None:
    topics = "Bureautique, Excel, CV et entretien d'embauche, comptabilité"
    assert topic_matches(["exel"], topics)
    assert topic_matches(["Comptabilite"], topics)
    assert topic_matches(["soudure", "entretien embauche"], topics)
    assert not topic_matches(["soudure"], topics)
    assert not topic_matches(["excel"], "")


def test_reminder_plan_gives_both_sides_each_offset_and_the_attendance_check() -> None:
    view = appointment()
    plan = reminder_plan(view)
    assert [(p["kind"], p["recipient_id"]) for p in plan] == [
        ("appointment_24h", 42),
        ("appointment_1h", 42),
        ("attendance_check", 42),
        ("appointment_24h", 900),
        ("appointment_1h", 900),
        ("attendance_check", 900),
    ]
    first, one_hour = plan[0], plan[1]
    assert first["due_at"] == START - timedelta(hours=24)
    assert first["deadline_at"] == START
    assert (first["urgent"], one_hour["urgent"]) == (False, True)
    assert first["dedupe_key"] == "appt:7:appointment_24h:42"
    assert plan[2]["due_at"] > view.ends_at
    assert {p["appointment_id"] for p in plan} == {7}
    # A tutor without a Telegram account gets nothing; other offsets get their own kinds.
    assert len(reminder_plan(appointment(tutor_user_id=None))) == 3
    assert reminder_kind(timedelta(minutes=30)) == "appointment_30min"
    assert reminder_kind(timedelta(days=2)) == "appointment_2d"


def test_the_calendar_entry_speaks_the_readers_language() -> None:
    from bot.i18n import translator

    _, event = parse(
        appointment_ics(
            appointment(), organizer_name="Proxi", tz=PARIS, stamp=STAMP, t=translator("en")
        )
    )
    assert str(event["summary"]).startswith("Mentoring appointment with")
    assert "Tuesday 1 December, from 14:00 to 14:45 (Paris time)" in str(event["description"])
