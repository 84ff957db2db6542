"""Enrolment and waitlist on SQLite and PostgreSQL, including under concurrency."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot.enrolment import (
    AlreadyEnrolled,
    NotYourEnrolment,
    OfferExpired,
    SessionFull,
    SessionUnavailable,
    accept_offer,
    cancel,
    decline_offer,
    enrol,
    expire_offers,
    join_waitlist,
    offer_deadline,
)
from bot.models import Enrolment, TrainingSession
from tests.factories import add_session, add_user


def _seats_taken(engine, session_id) -> int:
    with Session(engine) as session:
        return session.get(TrainingSession, session_id).seats_taken


def _statuses(engine, session_id) -> dict[int, str]:
    with Session(engine) as session:
        rows = session.exec(select(Enrolment).where(Enrolment.session_id == session_id))
        return {row.user_id: row.status for row in rows}


def test_twenty_concurrent_learners_for_the_last_three_seats(engine, clock) -> None:
    now = clock.now()
    session_id = add_session(engine, now=now, seats=10, seats_taken=7)
    learners = [add_user(engine, 500 + i) for i in range(20)]

    def attempt(user_id: int) -> str:
        try:
            enrol(engine, session_id=session_id, user_id=user_id, now=now)
        except SessionFull:
            return "full"
        return "enrolled"

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(attempt, learners))
    assert outcomes.count("enrolled") == 3
    assert _seats_taken(engine, session_id) == 10
    assert list(_statuses(engine, session_id).values()).count("enrolled") == 3


def test_a_double_tap_enrols_once(engine, clock) -> None:
    now = clock.now()
    session_id = add_session(engine, now=now, seats=5)
    add_user(engine, 42)

    def attempt(_: int) -> str:
        try:
            enrol(engine, session_id=session_id, user_id=42, now=now)
        except AlreadyEnrolled:
            return "already"
        return "enrolled"

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(attempt, range(6)))
    assert outcomes.count("enrolled") == 1
    assert _seats_taken(engine, session_id) == 1


def test_cancelled_and_past_sessions_cannot_be_booked(engine, clock) -> None:
    now = clock.now()
    add_user(engine, 42)
    cancelled = add_session(engine, now=now, status="cancelled")
    past = add_session(engine, now=now, starts_in=timedelta(hours=-1))
    for session_id in (cancelled, past, 999_999):
        with pytest.raises(SessionUnavailable):
            enrol(engine, session_id=session_id, user_id=42, now=now)


def test_waitlist_offer_accept_and_expiry(engine, clock) -> None:
    now = clock.now()
    session_id = add_session(engine, now=now, seats=1, starts_in=timedelta(days=5))
    for uid in (1, 2, 3):
        add_user(engine, uid)
    seat = enrol(engine, session_id=session_id, user_id=1, now=now).enrolment_id
    with pytest.raises(SessionFull):
        enrol(engine, session_id=session_id, user_id=2, now=now)
    assert join_waitlist(engine, session_id=session_id, user_id=2, now=now) == 1
    assert join_waitlist(engine, session_id=session_id, user_id=3, now=now) == 2
    with pytest.raises(AlreadyEnrolled):
        join_waitlist(engine, session_id=session_id, user_id=2, now=now)

    # Someone else cannot cancel learner 1's seat.
    with pytest.raises(NotYourEnrolment):
        cancel(engine, enrolment_id=seat, user_id=2, now=now)

    outcome = cancel(engine, enrolment_id=seat, user_id=1, now=now)
    assert outcome.offer is not None
    assert (outcome.offer.user_id, outcome.offer.expires_at) == (2, now + timedelta(hours=24))
    assert _seats_taken(engine, session_id) == 1  # held for learner 2
    assert _statuses(engine, session_id) == {1: "cancelled", 2: "offered", 3: "waiting"}

    # Learner 2 does not answer: the offer passes to learner 3.
    later = now + timedelta(hours=25)
    [expired] = expire_offers(engine, now=later)
    assert expired.user_id == 2
    assert expired.next_offer is not None and expired.next_offer.user_id == 3
    with pytest.raises(OfferExpired):
        accept_offer(engine, enrolment_id=outcome.offer.enrolment_id, user_id=2, now=later)

    accept_offer(engine, enrolment_id=expired.next_offer.enrolment_id, user_id=3, now=later)
    assert _statuses(engine, session_id) == {1: "cancelled", 2: "cancelled", 3: "enrolled"}
    assert _seats_taken(engine, session_id) == 1
    assert expire_offers(engine, now=later + timedelta(days=1)) == []


def test_offers_are_shorter_when_the_session_is_close(clock) -> None:
    now = clock.now()
    assert offer_deadline(now + timedelta(days=5), now, timedelta(hours=24)) == now + timedelta(
        hours=24
    )
    assert offer_deadline(now + timedelta(hours=6), now, timedelta(hours=24)) == now + timedelta(
        hours=4
    )
    assert offer_deadline(now + timedelta(hours=1), now, timedelta(hours=24)) == now + timedelta(
        minutes=30
    )


def test_an_offer_for_a_session_cancelled_since_cannot_be_accepted(engine, clock) -> None:
    now = clock.now()
    session_id = add_session(engine, now=now, seats=1)
    for uid in (1, 2):
        add_user(engine, uid)
    seat = enrol(engine, session_id=session_id, user_id=1, now=now).enrolment_id
    join_waitlist(engine, session_id=session_id, user_id=2, now=now)
    offer = cancel(engine, enrolment_id=seat, user_id=1, now=now).offer
    assert offer is not None
    with Session(engine) as session:
        session.get(TrainingSession, session_id).status = "cancelled"
        session.commit()
    with pytest.raises(SessionUnavailable):
        accept_offer(engine, enrolment_id=offer.enrolment_id, user_id=2, now=now)


def test_an_old_waitlist_button_enrols_when_a_seat_is_free(engine, clock) -> None:
    from bot.enrolment import SeatAvailable

    now = clock.now()
    session_id = add_session(engine, now=now, seats=1)
    for uid in (1, 2):
        add_user(engine, uid)
    seat = enrol(engine, session_id=session_id, user_id=1, now=now).enrolment_id
    cancel(engine, enrolment_id=seat, user_id=1, now=now)  # nobody waiting: the seat is free
    with pytest.raises(SeatAvailable):
        join_waitlist(engine, session_id=session_id, user_id=2, now=now)


def test_cancelling_an_offer_that_already_lapsed_frees_nothing_twice(engine, clock) -> None:
    now = clock.now()
    session_id, offered = _offer_to_learner_2(engine, now)
    later = now + timedelta(hours=25)
    [lapsed] = expire_offers(engine, now=later)  # passes to learner 3
    assert lapsed.next_offer is not None and lapsed.next_offer.user_id == 3
    outcome = cancel(engine, enrolment_id=offered, user_id=2, now=later)
    assert (outcome.was, outcome.offer) == ("cancelled", None)
    assert _seats_taken(engine, session_id) == 1  # held for learner 3, not freed again
    assert _statuses(engine, session_id)[3] == "offered"


def _offer_to_learner_2(engine, now) -> tuple[int, int]:
    """Learner 1 holds the only seat, 2 and 3 wait; 1 cancels: the seat is offered to 2."""
    session_id = add_session(engine, now=now, seats=1, starts_in=timedelta(days=5))
    for uid in (1, 2, 3):
        add_user(engine, uid)
    seat = enrol(engine, session_id=session_id, user_id=1, now=now).enrolment_id
    join_waitlist(engine, session_id=session_id, user_id=2, now=now)
    join_waitlist(engine, session_id=session_id, user_id=3, now=now)
    offer = cancel(engine, enrolment_id=seat, user_id=1, now=now).offer
    assert offer is not None and offer.user_id == 2
    return session_id, offer.enrolment_id


CHOICES = ("accepted", "declined")


def _answer_offer(engine, offered: int, now, choice: str) -> str:
    """What one device's press ends in: "accepted", "declined" or "refused" (too late)."""
    answer = accept_offer if choice == "accepted" else decline_offer
    try:
        answer(engine, enrolment_id=offered, user_id=2, now=now)
    except OfferExpired:
        return "refused"
    return choice


def test_accepting_and_declining_an_offer_at_once_ends_in_one_outcome(engine, clock) -> None:
    """Two devices: [Accepter] and [Refuser] pressed together, several times over, so both
    orders (and true overlaps on PostgreSQL) are met; each time exactly one wins."""
    now = clock.now()
    for _ in range(8):
        session_id, offered = _offer_to_learner_2(engine, now)
        with ThreadPoolExecutor(max_workers=2) as pool:
            presses = [pool.submit(_answer_offer, engine, offered, now, c) for c in CHOICES]
            outcomes = sorted(press.result() for press in presses)
        assert outcomes in (["accepted", "refused"], ["declined", "refused"])
        statuses = _statuses(engine, session_id)
        if "accepted" in outcomes:
            assert (statuses[2], statuses[3]) == ("enrolled", "waiting")
        else:  # declined: the seat went to learner 3
            assert (statuses[2], statuses[3]) == ("cancelled", "offered")
        assert _seats_taken(engine, session_id) == 1
