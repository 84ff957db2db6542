"""Nudges and expiry, attendance and ratings, /mes_rdv and the tutor's history, and the
reminders a confirmation plans, on SQLite and PostgreSQL."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot import reminders
from bot.mentoring.appointments import confirm, request
from bot.mentoring.availability import add_slot
from bot.mentoring.errors import (
    AlreadyRated,
    InvalidRating,
    NotAttended,
    NotPending,
    NotYours,
    TooEarly,
)
from bot.mentoring.followup import (
    Sweep,
    appointments_of,
    expire_pending,
    rate,
    record_attendance,
    tutor_history,
)
from bot.mentoring.moves import cancel
from bot.mentoring.reminding import reminder_plan
from bot.models import AvailabilitySlot, Reminder, Tutor
from tests.factories import add_space, add_user

HOUR = timedelta(hours=1)
TUTOR_USER = 900


@pytest.fixture
def tutor(engine) -> int:
    add_user(engine, TUTOR_USER, name="Claire")
    with Session(engine) as session:
        row = Tutor(name="Claire Martin", topics="excel", user_id=TUTOR_USER)
        session.add(row)
        session.commit()
        return row.id


def slot(engine, tutor: int, now, *, hours: float, seats: int = 1) -> int:
    return add_slot(
        engine, tutor_id=tutor, starts_at=now + hours * HOUR, duration=HOUR,
        space_id=add_space(engine), seats=seats, now=now,
    ).id  # fmt: skip


def seats_taken(engine, slot_id: int) -> int:
    with Session(engine) as session:
        return session.get(AvailabilitySlot, slot_id).seats_taken


def booked(engine, tutor: int, now, learner: int, *, hours: float = 24, confirmed: bool = True):
    add_user(engine, learner)
    view = request(
        engine, slot_id=slot(engine, tutor, now, hours=hours), learner_id=learner, message="",
        now=now,
    )  # fmt: skip
    if confirmed:
        view = confirm(engine, appointment_id=view.id, tutor_user_id=TUTOR_USER, now=now)
    return view


def test_unanswered_requests_nudge_once_then_expire_and_free_the_slot(
    engine, clock, tutor
) -> None:
    now = clock.now()
    soon = booked(engine, tutor, now, 42, hours=40, confirmed=False)
    later = booked(engine, tutor, now, 43, hours=24 * 5, confirmed=False)
    answered = booked(engine, tutor, now, 44, hours=26)
    rules = {"nudge_after": timedelta(hours=12), "expire_before": timedelta(hours=24)}

    assert expire_pending(engine, now=now + HOUR, **rules).nudges == []
    sweep = expire_pending(engine, now=now + 13 * HOUR, **rules)
    assert sorted(v.id for v in sweep.nudges) == [soon.id, later.id]
    assert sweep.expired == []
    assert expire_pending(engine, now=now + 14 * HOUR, **rules).nudges == []  # once

    # Less than 24 h before the first slot it expires; the confirmed one is untouched.
    sweep = expire_pending(engine, now=now + 17 * HOUR, **rules)
    assert [(v.id, v.status, v.learner_id) for v in sweep.expired] == [(soon.id, "expired", 42)]
    assert seats_taken(engine, soon.slot_id) == 0
    assert seats_taken(engine, answered.slot_id) == 1
    assert expire_pending(engine, now=now + 18 * HOUR, **rules) == Sweep(nudges=[], expired=[])
    with pytest.raises(NotPending):
        confirm(engine, appointment_id=soon.id, tutor_user_id=TUTOR_USER, now=now + 17 * HOUR)


def test_two_concurrent_sweeps_expire_each_request_once(engine, clock, tutor) -> None:
    now = clock.now()
    for i, learner in enumerate(range(50, 56)):
        booked(engine, tutor, now, learner, hours=2 + i, confirmed=False)
    rules = {"nudge_after": timedelta(minutes=1), "expire_before": timedelta(hours=8)}

    def sweep(_: int):
        return expire_pending(engine, now=now + timedelta(minutes=10), **rules)

    with ThreadPoolExecutor(max_workers=3) as pool:
        sweeps = list(pool.map(sweep, range(3)))
    assert sum(len(s.expired) for s in sweeps) == 6
    assert sum(len(s.nudges) for s in sweeps) == 0  # expired first: nobody to nudge


def test_attendance_after_the_end_and_the_tutor_wins(engine, clock, tutor) -> None:
    now = clock.now()
    view = booked(engine, tutor, now, 42, hours=2)
    after = view.ends_at + HOUR
    with pytest.raises(TooEarly):
        record_attendance(engine, appointment_id=view.id, by_user_id=42, took_place=True, now=now)
    with pytest.raises(NotYours):
        record_attendance(
            engine, appointment_id=view.id, by_user_id=43, took_place=True, now=after
        )
    said = record_attendance(
        engine, appointment_id=view.id, by_user_id=42, took_place=True, now=after
    )
    assert (said.status, said.attended, said.attendance_by) == ("done", True, "learner")
    tutor_said = record_attendance(
        engine, appointment_id=view.id, by_user_id=TUTOR_USER, took_place=False, now=after
    )
    assert (tutor_said.attended, tutor_said.attendance_by) == (False, "tutor")
    again = record_attendance(
        engine, appointment_id=view.id, by_user_id=42, took_place=True, now=after
    )
    assert (again.attended, again.attendance_by) == (False, "tutor")  # the tutor's answer stays

    cancelled = booked(engine, tutor, now, 43, hours=3)
    cancel(engine, appointment_id=cancelled.id, by_user_id=43, now=now)
    with pytest.raises(NotPending):
        record_attendance(
            engine, appointment_id=cancelled.id, by_user_id=43, took_place=True, now=after
        )


def test_rating_only_by_the_learner_after_it_took_place_once(engine, clock, tutor) -> None:
    now = clock.now()
    view = booked(engine, tutor, now, 42, hours=2)
    after = view.ends_at + HOUR
    with pytest.raises(NotAttended):
        rate(engine, appointment_id=view.id, learner_id=42, stars=5, now=after)
    record_attendance(
        engine, appointment_id=view.id, by_user_id=TUTOR_USER, took_place=True, now=after
    )
    with pytest.raises(NotYours):
        rate(engine, appointment_id=view.id, learner_id=TUTOR_USER, stars=5, now=after)
    for stars in (0, 6, True):
        with pytest.raises(InvalidRating):
            rate(engine, appointment_id=view.id, learner_id=42, stars=stars, now=after)
    rated = rate(
        engine, appointment_id=view.id, learner_id=42, stars=4, comment=" Très utile ", now=after
    )
    assert rated.rating == 4
    with pytest.raises(AlreadyRated):
        rate(engine, appointment_id=view.id, learner_id=42, stars=1, now=after)

    no_show = booked(engine, tutor, now, 43, hours=3)
    record_attendance(
        engine, appointment_id=no_show.id, by_user_id=TUTOR_USER, took_place=False, now=after
    )
    with pytest.raises(NotAttended):
        rate(engine, appointment_id=no_show.id, learner_id=43, stars=1, now=after + HOUR)


def test_my_appointments_and_the_tutor_history(engine, clock, tutor) -> None:
    now = clock.now()
    past_one = booked(engine, tutor, now, 42, hours=1)
    past_two = booked(engine, tutor, now, 43, hours=3)
    pending = booked(engine, tutor, now, 42, hours=24 * 3, confirmed=False)
    upcoming = booked(engine, tutor, now, 42, hours=24 * 2)
    after = past_two.ends_at + HOUR
    for view, took_place, stars in ((past_one, True, 5), (past_two, True, 2)):
        record_attendance(
            engine, appointment_id=view.id, by_user_id=TUTOR_USER, took_place=took_place, now=after
        )
        rate(engine, appointment_id=view.id, learner_id=view.learner_id, stars=stars, now=after)

    mine = appointments_of(engine, user_id=42, now=after)
    assert [v.id for v in mine] == [upcoming.id, pending.id, past_one.id]
    assert mine[0].side_of(42) == "learner"
    assert mine[0].other_party_of(42) == (TUTOR_USER, "Claire Martin")
    theirs = appointments_of(engine, user_id=TUTOR_USER, now=after)
    assert [v.id for v in theirs] == [upcoming.id, pending.id, past_two.id, past_one.id]
    assert theirs[0].side_of(TUTOR_USER) == "tutor"

    history = tutor_history(engine, tutor_user_id=TUTOR_USER, now=after)
    assert [v.id for v in history.appointments] == [past_two.id, past_one.id]
    assert (history.took_place, history.no_shows, history.ratings) == (2, 0, 2)
    assert history.average_rating == 3.5
    with pytest.raises(NotYours):
        tutor_history(engine, tutor_user_id=42, now=after)


def test_confirmation_plans_reminders_and_cancel_removes_them(engine, clock, tutor) -> None:
    now = clock.now()
    view = booked(engine, tutor, now, 42, hours=48)
    for kwargs in reminder_plan(view):
        reminders.schedule(engine, **kwargs, now=now)
    for kwargs in reminder_plan(view):  # planning twice changes nothing
        reminders.schedule(engine, **kwargs, now=now)
    with Session(engine) as session:
        rows = session.exec(select(Reminder).where(Reminder.appointment_id == view.id)).all()
    assert sorted((r.kind, r.recipient_id) for r in rows) == sorted(
        (kind, who)
        for kind in ("appointment_24h", "appointment_1h", "attendance_check")
        for who in (42, TUTOR_USER)
    )
    cancelled = cancel(engine, appointment_id=view.id, by_user_id=42, now=now)
    assert len(reminders.cancel_for(engine, appointment_id=cancelled.appointment.id)) == 6
