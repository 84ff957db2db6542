"""Appointments from request to decision, on SQLite and PostgreSQL, including under
concurrency: one seat is never given twice and one request is never decided twice."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.mentoring.appointments import answer_proposal, confirm, decline, propose_other, request
from bot.mentoring.availability import add_slot
from bot.mentoring.errors import (
    AlreadyRequested,
    MessageTooLong,
    NotPending,
    NotYours,
    OwnSlot,
    SlotTaken,
    TooLate,
)
from bot.mentoring.moves import cancel, reschedule
from bot.models import AvailabilitySlot, Tutor
from tests.factories import add_space, add_user

HOUR = timedelta(hours=1)
TUTOR_USER = 900
OTHER_TUTOR_USER = 901


def add_tutor(engine, user_id: int, *, name: str = "Claire Martin") -> int:
    add_user(engine, user_id, name=name)
    with Session(engine) as session:
        tutor = Tutor(name=name, topics="excel", user_id=user_id)
        session.add(tutor)
        session.commit()
        return tutor.id


def seats_taken(engine, slot_id: int) -> int:
    with Session(engine) as session:
        return session.get(AvailabilitySlot, slot_id).seats_taken


@pytest.fixture
def tutor(engine) -> int:
    return add_tutor(engine, TUTOR_USER)


@pytest.fixture
def slots(engine, clock, tutor):
    """Three one-learner slots of the tutor, tomorrow, the day after and in three days."""
    now = clock.now()
    space = add_space(engine)
    return [
        add_slot(
            engine, tutor_id=tutor, starts_at=now + days * 24 * HOUR, duration=HOUR,
            space_id=space, now=now,
        ).id
        for days in (1, 2, 3)
    ]  # fmt: skip


def test_two_learners_race_for_one_slot_and_one_wins(engine, clock, slots) -> None:
    now = clock.now()
    learners = [add_user(engine, 500 + i) for i in range(8)]

    def attempt(learner: int) -> str:
        try:
            request(engine, slot_id=slots[0], learner_id=learner, message="", now=now)
        except SlotTaken:
            return "taken"
        return "held"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, learners))
    assert outcomes.count("held") == 1
    assert outcomes.count("taken") == 7
    assert seats_taken(engine, slots[0]) == 1


def test_a_group_slot_of_four_is_never_oversold(engine, clock, tutor) -> None:
    now = clock.now()
    group = add_slot(
        engine, tutor_id=tutor, starts_at=now + 24 * HOUR, duration=2 * HOUR,
        online_url="https://meet.jit.si/groupe", seats=4, now=now,
    ).id  # fmt: skip
    learners = [add_user(engine, 500 + i) for i in range(10)]

    def attempt(learner: int) -> str:
        try:
            request(engine, slot_id=group, learner_id=learner, message="", now=now)
        except SlotTaken:
            return "taken"
        return "held"

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(attempt, learners))
    assert outcomes.count("held") == 4
    assert seats_taken(engine, group) == 4


def test_a_double_tap_on_a_group_slot_holds_one_seat(engine, clock, tutor) -> None:
    now = clock.now()
    group = add_slot(
        engine, tutor_id=tutor, starts_at=now + 24 * HOUR, duration=2 * HOUR,
        online_url="https://meet.jit.si/groupe", seats=6, now=now,
    ).id  # fmt: skip
    add_user(engine, 42)

    def attempt(_: int) -> str:
        try:
            request(engine, slot_id=group, learner_id=42, message="", now=now)
        except AlreadyRequested:
            return "already"
        return "held"

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(attempt, range(6)))
    assert outcomes.count("held") == 1
    assert seats_taken(engine, group) == 1


def test_request_rules(engine, clock, slots) -> None:
    now = clock.now()
    add_user(engine, 42)
    view = request(engine, slot_id=slots[0], learner_id=42, message="  Bonjour !  ", now=now)
    assert (view.status, view.message, view.learner_id, view.tutor_user_id) == (
        "pending",
        "Bonjour !",
        42,
        TUTOR_USER,
    )
    assert view.ics_uid.endswith("@proxi") and view.ics_sequence == 0
    assert view.place.name and view.starts_at == now + 24 * HOUR
    with pytest.raises(AlreadyRequested):
        request(engine, slot_id=slots[0], learner_id=42, message="", now=now)
    with pytest.raises(MessageTooLong):
        request(engine, slot_id=slots[1], learner_id=42, message="x" * 501, now=now)
    with pytest.raises(OwnSlot):
        request(engine, slot_id=slots[1], learner_id=TUTOR_USER, message="", now=now)
    with pytest.raises(SlotTaken) as gone:
        request(engine, slot_id=slots[1], learner_id=42, message="", now=now + 48 * HOUR)
    assert gone.value.reason == "gone"
    with pytest.raises(IntegrityError):  # an unknown learner is a bug, not "already requested"
        request(engine, slot_id=slots[1], learner_id=77_777, message="", now=now)
    assert seats_taken(engine, slots[1]) == 0


def test_two_confirmations_of_one_request_one_succeeds(engine, clock, slots) -> None:
    now = clock.now()
    add_user(engine, 42)
    pending = request(engine, slot_id=slots[0], learner_id=42, message="", now=now)

    def attempt(_: int) -> str:
        try:
            confirm(engine, appointment_id=pending.id, tutor_user_id=TUTOR_USER, now=now)
        except NotPending:
            return "already"
        return "confirmed"

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(attempt, range(4)))
    assert outcomes.count("confirmed") == 1
    with pytest.raises(NotPending) as again:
        decline(engine, appointment_id=pending.id, tutor_user_id=TUTOR_USER, now=now)
    assert again.value.status == "confirmed"


def test_only_the_parties_may_act(engine, clock, slots) -> None:
    now = clock.now()
    add_tutor(engine, OTHER_TUTOR_USER, name="Yann")
    add_user(engine, 42)
    add_user(engine, 43)
    pending = request(engine, slot_id=slots[0], learner_id=42, message="", now=now)
    with pytest.raises(NotYours):
        confirm(engine, appointment_id=pending.id, tutor_user_id=OTHER_TUTOR_USER, now=now)
    with pytest.raises(NotYours):
        confirm(engine, appointment_id=pending.id, tutor_user_id=42, now=now)
    with pytest.raises(NotYours):
        decline(engine, appointment_id=pending.id, tutor_user_id=OTHER_TUTOR_USER, now=now)
    with pytest.raises(NotYours):
        cancel(engine, appointment_id=pending.id, by_user_id=43, now=now)
    with pytest.raises(NotYours):
        answer_proposal(engine, appointment_id=pending.id, learner_id=43, accept=True, now=now)
    with pytest.raises(NotYours):
        confirm(engine, appointment_id=999_999, tutor_user_id=TUTOR_USER, now=now)


def test_decline_frees_the_seat_and_offers_other_slots(engine, clock, slots) -> None:
    now = clock.now()
    add_user(engine, 42)
    pending = request(engine, slot_id=slots[0], learner_id=42, message="", now=now)
    declined = decline(
        engine, appointment_id=pending.id, tutor_user_id=TUTOR_USER, reason=" Absent ", now=now
    )
    assert (declined.appointment.status, declined.appointment.reason) == ("declined", "Absent")
    assert seats_taken(engine, slots[0]) == 0
    assert [s.id for s in declined.alternatives] == slots[1:]


def test_counter_proposal_accepted_moves_the_seat(engine, clock, slots) -> None:
    now = clock.now()
    add_user(engine, 42)
    pending = request(engine, slot_id=slots[0], learner_id=42, message="", now=now)
    proposed = propose_other(
        engine, appointment_id=pending.id, tutor_user_id=TUTOR_USER, new_slot_id=slots[1], now=now
    )
    assert (proposed.appointment.status, proposed.appointment.slot_id) == ("proposed", slots[1])
    assert proposed.previous.id == slots[0]
    assert (seats_taken(engine, slots[0]), seats_taken(engine, slots[1])) == (0, 1)
    with pytest.raises(NotPending):
        confirm(engine, appointment_id=pending.id, tutor_user_id=TUTOR_USER, now=now)
    accepted = answer_proposal(
        engine, appointment_id=pending.id, learner_id=42, accept=True, now=now
    )
    assert (accepted.status, accepted.starts_at) == ("confirmed", proposed.appointment.starts_at)
    with pytest.raises(NotPending):
        answer_proposal(engine, appointment_id=pending.id, learner_id=42, accept=False, now=now)


def test_counter_proposal_refused_frees_the_seat(engine, clock, slots) -> None:
    now = clock.now()
    add_user(engine, 42)
    add_user(engine, 43)
    pending = request(engine, slot_id=slots[0], learner_id=42, message="", now=now)
    request(engine, slot_id=slots[2], learner_id=43, message="", now=now)
    with pytest.raises(SlotTaken):  # slot 3 is held by learner 43
        propose_other(
            engine, appointment_id=pending.id, tutor_user_id=TUTOR_USER, new_slot_id=slots[2],
            now=now,
        )  # fmt: skip
    assert seats_taken(engine, slots[0]) == 1  # nothing changed
    propose_other(
        engine, appointment_id=pending.id, tutor_user_id=TUTOR_USER, new_slot_id=slots[1], now=now
    )
    refused = answer_proposal(
        engine, appointment_id=pending.id, learner_id=42, accept=False, now=now
    )
    assert refused.status == "cancelled"
    assert (seats_taken(engine, slots[0]), seats_taken(engine, slots[1])) == (0, 0)


def test_cancel_by_either_side_frees_the_seat_and_bumps_the_sequence(engine, clock, slots) -> None:
    now = clock.now()
    add_user(engine, 42)
    first = request(engine, slot_id=slots[0], learner_id=42, message="", now=now)
    confirm(engine, appointment_id=first.id, tutor_user_id=TUTOR_USER, now=now)
    by_learner = cancel(engine, appointment_id=first.id, by_user_id=42, reason="Malade", now=now)
    assert (by_learner.by, by_learner.was, by_learner.notify_user_id) == (
        "learner",
        "confirmed",
        TUTOR_USER,
    )
    assert by_learner.send_ics_cancel
    assert (by_learner.appointment.ics_uid, by_learner.appointment.ics_sequence) == (
        first.ics_uid,
        first.ics_sequence + 1,
    )
    assert seats_taken(engine, slots[0]) == 0
    with pytest.raises(NotPending):
        cancel(engine, appointment_id=first.id, by_user_id=TUTOR_USER, now=now)

    second = request(engine, slot_id=slots[0], learner_id=42, message="", now=now)
    by_tutor = cancel(engine, appointment_id=second.id, by_user_id=TUTOR_USER, now=now)
    assert (by_tutor.by, by_tutor.notify_user_id, by_tutor.send_ics_cancel) == ("tutor", 42, False)

    third = request(engine, slot_id=slots[0], learner_id=42, message="", now=now)
    with pytest.raises(TooLate):
        cancel(engine, appointment_id=third.id, by_user_id=42, now=now + 25 * HOUR)


def test_reschedule_keeps_the_uid_and_asks_the_tutor_again(engine, clock, slots) -> None:
    now = clock.now()
    add_user(engine, 42)
    original = request(engine, slot_id=slots[0], learner_id=42, message="CV", now=now)
    confirm(engine, appointment_id=original.id, tutor_user_id=TUTOR_USER, now=now)

    moved = reschedule(
        engine, appointment_id=original.id, by_user_id=42, new_slot_id=slots[1], now=now
    )
    # The confirmed appointment stands while the move waits for the tutor.
    assert (moved.old.status, moved.new.status, moved.by) == ("confirmed", "pending", "learner")
    assert moved.new.ics_uid == original.ics_uid
    assert moved.new.ics_sequence > original.ics_sequence
    assert (moved.new.rescheduled_from_id, moved.new.message) == (original.id, "CV")
    assert (moved.send_ics_cancel, moved.notify_user_id) == (False, TUTOR_USER)
    assert (seats_taken(engine, slots[0]), seats_taken(engine, slots[1])) == (1, 1)
    confirmed = confirm(engine, appointment_id=moved.new.id, tutor_user_id=TUTOR_USER, now=now)
    assert confirmed.status == "confirmed"
    # Confirmed, the move replaces it: the old slot is free again.
    assert (seats_taken(engine, slots[0]), seats_taken(engine, slots[1])) == (0, 1)

    # Moved by the tutor, it is a proposal the learner accepts.
    by_tutor = reschedule(
        engine, appointment_id=moved.new.id, by_user_id=TUTOR_USER, new_slot_id=slots[2], now=now
    )
    assert (by_tutor.new.status, by_tutor.notify_user_id) == ("proposed", 42)
    with pytest.raises(NotYours):  # another tutor's slot
        other = add_tutor(engine, OTHER_TUTOR_USER, name="Yann")
        foreign = add_slot(
            engine, tutor_id=other, starts_at=now + 24 * HOUR, duration=HOUR,
            online_url="https://meet.jit.si/yann", now=now,
        )  # fmt: skip
        reschedule(
            engine, appointment_id=by_tutor.new.id, by_user_id=42, new_slot_id=foreign.id, now=now
        )


def test_reschedule_to_a_full_slot_changes_nothing(engine, clock, slots) -> None:
    now = clock.now()
    add_user(engine, 42)
    add_user(engine, 43)
    mine = request(engine, slot_id=slots[0], learner_id=42, message="", now=now)
    request(engine, slot_id=slots[1], learner_id=43, message="", now=now)
    with pytest.raises(SlotTaken):
        reschedule(engine, appointment_id=mine.id, by_user_id=42, new_slot_id=slots[1], now=now)
    assert confirm(engine, appointment_id=mine.id, tutor_user_id=TUTOR_USER, now=now).status == (
        "confirmed"
    )


def test_a_refused_move_keeps_the_confirmed_appointment(engine, clock, slots) -> None:
    from bot.mentoring.appointments import decline
    from bot.mentoring.lookup import appointment

    now = clock.now()
    add_user(engine, 42)
    original = request(engine, slot_id=slots[0], learner_id=42, message="", now=now)
    confirm(engine, appointment_id=original.id, tutor_user_id=TUTOR_USER, now=now)
    moved = reschedule(
        engine, appointment_id=original.id, by_user_id=42, new_slot_id=slots[1], now=now
    )
    decline(engine, appointment_id=moved.new.id, tutor_user_id=TUTOR_USER, now=now)
    assert appointment(engine, appointment_id=original.id).status == "confirmed"
    assert (seats_taken(engine, slots[0]), seats_taken(engine, slots[1])) == (1, 0)
