"""Tutors' availability and the learners' slot finder, on SQLite and PostgreSQL."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from bot.mentoring.appointments import request
from bot.mentoring.availability import (
    add_range,
    add_slot,
    add_weekly,
    list_slots,
    tutor_for_user,
)
from bot.mentoring.errors import (
    InvalidSlot,
    NotYours,
    SlotBooked,
    SlotInPast,
    SlotOverlap,
    UnknownSpace,
)
from bot.mentoring.finder import open_slots
from bot.mentoring.removal import remove_series, remove_slot
from bot.models import AvailabilitySlot, Tutor
from tests.factories import add_space, add_user

PARIS = ZoneInfo("Europe/Paris")
HOUR = timedelta(hours=1)


def add_tutor(engine, user_id: int, *, name: str = "Claire Martin", topics: str = "") -> int:
    add_user(engine, user_id, name=name)
    with Session(engine) as session:
        tutor = Tutor(name=name, topics=topics, user_id=user_id)
        session.add(tutor)
        session.commit()
        return tutor.id


def slot_count(engine, tutor_id: int) -> int:
    with Session(engine) as session:
        rows = session.exec(select(AvailabilitySlot).where(AvailabilitySlot.tutor_id == tutor_id))
        return len([row for row in rows if not row.cancelled])


def paris_times(slots) -> list[tuple[date, time]]:
    return [
        (s.starts_at.astimezone(PARIS).date(), s.starts_at.astimezone(PARIS).time()) for s in slots
    ]


def test_a_single_slot_and_the_reasons_for_refusal(engine, clock) -> None:
    now = clock.now()
    tutor = add_tutor(engine, 900)
    space = add_space(engine)
    start = now + timedelta(days=2)
    slot = add_slot(
        engine, tutor_id=tutor, starts_at=start, duration=HOUR, space_id=space, now=now
    )
    assert (slot.starts_at, slot.ends_at, slot.seats, slot.place.space_id) == (
        start,
        start + HOUR,
        1,
        space,
    )
    assert tutor_for_user(engine, user_id=900) == tutor

    with pytest.raises(SlotInPast):
        add_slot(
            engine, tutor_id=tutor, starts_at=now - HOUR, duration=HOUR, space_id=space, now=now
        )
    with pytest.raises(SlotOverlap) as overlap:
        add_slot(
            engine,
            tutor_id=tutor,
            starts_at=start + timedelta(minutes=30),
            duration=HOUR,
            online_url="https://meet.jit.si/x",
            now=now,
        )
    assert [s.id for s in overlap.value.conflicting] == [slot.id]
    # Back to back is fine; so is the same time for another tutor.
    add_slot(
        engine, tutor_id=tutor, starts_at=start + HOUR, duration=HOUR, space_id=space, now=now
    )
    other = add_tutor(engine, 901, name="Yann")
    add_slot(engine, tutor_id=other, starts_at=start, duration=HOUR, space_id=space, now=now)

    for kwargs, reason in [
        ({"space_id": space, "online_url": "https://meet.jit.si/x"}, "place"),
        ({}, "place"),
        ({"online_url": "http://meet.example/x"}, "https"),
        ({"space_id": space, "seats": 0}, "seats"),
    ]:
        with pytest.raises(InvalidSlot) as invalid:
            add_slot(
                engine,
                tutor_id=tutor,
                starts_at=start + 5 * HOUR,
                duration=HOUR,
                now=now,
                **kwargs,
            )
        assert invalid.value.reason == reason
    with pytest.raises(UnknownSpace):
        add_slot(
            engine,
            tutor_id=tutor,
            starts_at=start + 5 * HOUR,
            duration=HOUR,
            space_id=999,
            now=now,
        )
    assert slot_count(engine, tutor) == 2


def test_weekly_slots_stay_at_14h_paris_across_the_march_change(engine, clock) -> None:
    clock.set(datetime(2027, 3, 15, 9, 0, tzinfo=UTC))  # a Monday
    now = clock.now()
    tutor = add_tutor(engine, 900)
    slots = add_weekly(
        engine,
        tutor_id=tutor,
        weekday=1,
        start_time=time(14),
        end_time=time(17),
        appointment_minutes=45,
        weeks=3,
        space_id=add_space(engine),
        tz=PARIS,
        now=now,
    )
    assert len(slots) == 12
    assert len({s.series_id for s in slots}) == 1
    days = sorted({d for d, _ in paris_times(slots)})
    assert days == [date(2027, 3, 16), date(2027, 3, 23), date(2027, 3, 30)]
    assert {t for _, t in paris_times(slots)} == {
        time(14),
        time(14, 45),
        time(15, 30),
        time(16, 15),
    }
    first_of_each_day = [s for s in slots if s.starts_at.astimezone(PARIS).time() == time(14)]
    assert [s.starts_at.hour for s in first_of_each_day] == [13, 13, 12]  # UTC: DST on the 28th


def test_weekly_slots_stay_at_14h_paris_across_the_october_change(engine, clock) -> None:
    clock.set(datetime(2027, 10, 20, 9, 0, tzinfo=UTC))
    now = clock.now()
    tutor = add_tutor(engine, 900)
    slots = add_weekly(
        engine,
        tutor_id=tutor,
        weekday=1,
        start_time=time(14),
        end_time=time(15),
        appointment_minutes=60,
        weeks=2,
        online_url="https://meet.jit.si/claire",
        tz=PARIS,
        now=now,
    )
    assert paris_times(slots) == [(date(2027, 10, 26), time(14)), (date(2027, 11, 2), time(14))]
    assert [s.starts_at.hour for s in slots] == [12, 13]


def test_a_weekly_series_with_a_conflict_creates_nothing(engine, clock) -> None:
    now = clock.now()
    tutor = add_tutor(engine, 900)
    space = add_space(engine)
    # Already busy on Tuesday 8 December, 15:00–16:00 Paris.
    busy = add_slot(
        engine,
        tutor_id=tutor,
        starts_at=datetime(2026, 12, 8, 14, 0, tzinfo=UTC),
        duration=HOUR,
        space_id=space,
        now=now,
    )
    with pytest.raises(SlotOverlap) as overlap:
        add_weekly(
            engine,
            tutor_id=tutor,
            weekday=1,
            start_time=time(14),
            end_time=time(17),
            appointment_minutes=45,
            weeks=4,
            space_id=space,
            tz=PARIS,
            now=now,
        )
    assert overlap.value.dates == [date(2026, 12, 8)]
    assert [s.id for s in overlap.value.conflicting] == [busy.id]
    assert slot_count(engine, tutor) == 1


def test_a_day_range_is_cut_into_appointments_atomically(engine, clock) -> None:
    now = clock.now()
    tutor = add_tutor(engine, 900)
    slots = add_range(
        engine,
        tutor_id=tutor,
        day=date(2026, 12, 3),
        start_time=time(10),
        end_time=time(12),
        appointment_minutes=60,
        space_id=add_space(engine),
        tz=PARIS,
        now=now,
    )
    assert paris_times(slots) == [(date(2026, 12, 3), time(10)), (date(2026, 12, 3), time(11))]
    with pytest.raises(SlotInPast):
        add_range(
            engine,
            tutor_id=tutor,
            day=date(2026, 11, 25),
            start_time=time(8),
            end_time=time(9),
            appointment_minutes=60,
            online_url="https://meet.jit.si/claire",
            tz=PARIS,
            now=now,
        )


def test_concurrent_additions_for_one_tutor_never_overlap(engine, clock) -> None:
    now = clock.now()
    tutor = add_tutor(engine, 900)
    space = add_space(engine)
    start = now + timedelta(days=3)

    def attempt(minutes: int) -> str:
        try:
            add_slot(
                engine,
                tutor_id=tutor,
                starts_at=start + timedelta(minutes=minutes),
                duration=HOUR,
                space_id=space,
                now=now,
            )
        except SlotOverlap:
            return "overlap"
        return "added"

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(attempt, [0, 10, 20, 30, 40, 50]))
    assert outcomes.count("added") == 1
    assert slot_count(engine, tutor) == 1


def test_removing_slots_owner_only_and_booked_ones_need_force(engine, clock) -> None:
    now = clock.now()
    tutor = add_tutor(engine, 900)
    add_tutor(engine, 901, name="Yann")
    learner = add_user(engine, 42)
    space = add_space(engine)
    free = add_slot(
        engine, tutor_id=tutor, starts_at=now + 24 * HOUR, duration=HOUR, space_id=space, now=now
    )
    booked = add_slot(
        engine, tutor_id=tutor, starts_at=now + 48 * HOUR, duration=HOUR, space_id=space, now=now
    )
    appointment = request(engine, slot_id=booked.id, learner_id=learner, message="", now=now)

    with pytest.raises(NotYours):
        remove_slot(engine, slot_id=free.id, tutor_user_id=901, now=now)
    assert remove_slot(engine, slot_id=free.id, tutor_user_id=900, now=now) == []
    with pytest.raises(SlotBooked) as refused:
        remove_slot(engine, slot_id=booked.id, tutor_user_id=900, now=now)
    assert [a.id for a in refused.value.appointments] == [appointment.id]
    assert [s.id for s in list_slots(engine, tutor_id=tutor, now=now)] == [booked.id]

    [removed] = remove_slot(engine, slot_id=booked.id, tutor_user_id=900, force=True, now=now)
    cancelled = removed.appointment
    assert removed.was == appointment.status
    assert (cancelled.id, cancelled.status, cancelled.learner_id) == (
        appointment.id,
        "cancelled",
        42,
    )
    assert cancelled.ics_sequence == appointment.ics_sequence + 1
    assert list_slots(engine, tutor_id=tutor, now=now) == []
    assert remove_slot(engine, slot_id=booked.id, tutor_user_id=900, now=now) == []  # double tap
    soon = add_slot(
        engine, tutor_id=tutor, starts_at=now + HOUR, duration=HOUR, space_id=space, now=now
    )
    with pytest.raises(SlotInPast):  # it has started: it stays as history
        remove_slot(engine, slot_id=soon.id, tutor_user_id=900, now=now + 2 * HOUR)


def test_removing_a_series_keeps_its_past_slots(engine, clock) -> None:
    now = clock.now()
    tutor = add_tutor(engine, 900)
    slots = add_weekly(
        engine,
        tutor_id=tutor,
        weekday=3,
        start_time=time(9),
        end_time=time(10),
        appointment_minutes=60,
        weeks=3,
        space_id=add_space(engine),
        tz=PARIS,
        now=now,
    )
    later = slots[0].ends_at + HOUR  # the first occurrence is over
    with pytest.raises(NotYours):
        remove_series(engine, slot_id=slots[0].id, tutor_user_id=42, now=later)
    assert remove_series(engine, slot_id=slots[0].id, tutor_user_id=900, now=later) == []
    assert slot_count(engine, tutor) == 1


def test_open_slots_by_topic_distance_and_free_seats(engine, clock) -> None:
    now = clock.now()
    excel = add_tutor(engine, 900, name="Claire", topics="Excel, bureautique")
    welding = add_tutor(engine, 901, name="Yann", topics="soudure")
    learner = add_user(engine, 42)
    ploermel = add_space(engine, name="Relais Ploërmel", latitude=47.932, longitude=-2.398)
    redon = add_space(engine, name="Redon", city="Redon", latitude=47.652, longitude=-2.084)
    paris = add_space(engine, name="Paris", city="Paris", latitude=48.857, longitude=2.352)

    def slot(tutor: int, hours: int, **place) -> int:
        return add_slot(
            engine, tutor_id=tutor, starts_at=now + hours * HOUR, duration=HOUR, now=now, **place
        ).id

    far = slot(excel, 1, space_id=paris)
    online = slot(excel, 2, online_url="https://meet.jit.si/claire")
    in_redon = slot(excel, 3, space_id=redon)
    in_ploermel = slot(excel, 50, space_id=ploermel)
    taken = slot(excel, 4, space_id=ploermel)
    slot(welding, 5, space_id=ploermel)
    request(engine, slot_id=taken, learner_id=learner, message="", now=now)

    found = open_slots(engine, topic_terms=["exel"], near=(47.93, -2.40), now=now)
    assert [s.id for s in found] == [in_ploermel, in_redon, online]
    assert found[0].distance_km < 1 < found[1].distance_km < 50
    assert far in [s.id for s in open_slots(engine, tutor_id=excel, now=now)]
    assert [s.id for s in open_slots(engine, tutor_id=excel, now=now, limit=2)] == [far, online]
    assert open_slots(engine, topic_terms=["cuisine"], now=now) == []
