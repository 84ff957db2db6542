"""Sessions to confirm on SQLite and PostgreSQL: confirmed once when the minimum is reached
(even by concurrent enrolments), cancelled once when the decision date passes without it,
each outcome's notices written exactly once."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlmodel import Session, select

from bot.confirmation import (
    CONFIRMED,
    CONFIRMED_ADMIN,
    UNCONFIRMED,
    UNCONFIRMED_ADMIN,
    registered,
    settle_due,
)
from bot.enrolment import SessionFull, enrol
from bot.models import Reminder, Role, RoleGrant, TrainingSession
from bot.reminders import schedule_session_day_before
from tests.factories import add_session, add_user

ADMIN = 900


def to_confirm(engine, now, *, minimum: int, seats: int = 10, decide_in=timedelta(days=3)):
    """A session to confirm starting in a week, with an admin of its organisation."""
    session_id = add_session(engine, now=now, seats=seats)
    add_user(engine, ADMIN, name="Admin")
    with Session(engine) as session:
        training = session.get(TrainingSession, session_id)
        training.min_participants = minimum
        training.confirm_by = now + decide_in
        session.add(
            RoleGrant(user_id=ADMIN, role=Role.ORG_ADMIN, organisation_id=training.organisation_id)
        )
        session.commit()
    return session_id


def _training(engine, session_id) -> TrainingSession:
    with Session(engine) as session:
        return session.get(TrainingSession, session_id)


def _notices(engine, session_id) -> list[tuple[str, int]]:
    with Session(engine) as session:
        rows = session.exec(select(Reminder).where(Reminder.session_id == session_id)).all()
        return sorted((r.kind, r.recipient_id) for r in rows if r.kind != "session_day_before")


def test_concurrent_enrolments_confirm_once(engine, clock) -> None:
    now = clock.now()
    session_id = to_confirm(engine, now, minimum=3)
    learners = [add_user(engine, 500 + i) for i in range(3)]

    def attempt(user_id: int):
        return enrol(engine, session_id=session_id, user_id=user_id, now=now)

    with ThreadPoolExecutor(max_workers=3) as pool:
        taken = list(pool.map(attempt, learners))
    assert [t.confirmed_now for t in taken].count(True) == 1
    assert _training(engine, session_id).confirmed_at is not None
    expected = sorted([(CONFIRMED, u) for u in learners] + [(CONFIRMED_ADMIN, ADMIN)])
    assert _notices(engine, session_id) == expected
    # Nothing left to decide: the sweep writes nothing more.
    assert settle_due(engine, now=now + timedelta(days=5)).notices == []
    assert _notices(engine, session_id) == expected


def test_many_concurrent_enrolments_past_the_minimum(engine, clock) -> None:
    now = clock.now()
    session_id = to_confirm(engine, now, minimum=2, seats=4)
    learners = [add_user(engine, 600 + i) for i in range(8)]

    def attempt(user_id: int) -> bool | None:
        try:
            return enrol(engine, session_id=session_id, user_id=user_id, now=now).confirmed_now
        except SessionFull:
            return None

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, learners))
    assert outcomes.count(True) == 1
    assert outcomes.count(None) == 4
    kinds = [kind for kind, _ in _notices(engine, session_id)]
    assert kinds.count(CONFIRMED_ADMIN) == 1
    assert 2 <= kinds.count(CONFIRMED) <= 4  # those enrolled when it was confirmed


def test_the_card_standing_before_the_minimum(engine, clock) -> None:
    now = clock.now()
    session_id = to_confirm(engine, now, minimum=3)
    add_user(engine, 42)
    taken = enrol(engine, session_id=session_id, user_id=42, now=now)
    assert not taken.confirmed_now
    assert taken.to_confirm is not None
    assert (taken.to_confirm.registered, taken.to_confirm.minimum) == (1, 3)
    assert _notices(engine, session_id) == []


def test_deadline_missed_cancels_once_and_tells_everyone(engine, clock) -> None:
    now = clock.now()
    session_id = to_confirm(engine, now, minimum=3)
    for user_id in (42, 43):
        add_user(engine, user_id, name=f"L{user_id}")
        enrol(engine, session_id=session_id, user_id=user_id, now=now)
    [day_before, _] = schedule_session_day_before(engine, session_id=session_id, now=now)

    assert settle_due(engine, now=now + timedelta(days=2)).cancelled == []  # not yet
    later = now + timedelta(days=3, minutes=1)
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(lambda _: settle_due(engine, now=later), range(4)))
    assert sum(len(o.cancelled) for o in outcomes) == 1
    assert _training(engine, session_id).status == "cancelled"
    assert _notices(engine, session_id) == [
        (UNCONFIRMED, 42),
        (UNCONFIRMED, 43),
        (UNCONFIRMED_ADMIN, ADMIN),
    ]
    with Session(engine) as session:
        assert session.get(Reminder, day_before.id).status == "cancelled"
    assert [p.name for p in registered(engine, session_id=session_id)] == ["L42", "L43"]
    assert settle_due(engine, now=later + timedelta(hours=1)).notices == []


def test_a_minimum_reached_otherwise_is_confirmed_by_the_sweep(engine, clock) -> None:
    now = clock.now()
    session_id = to_confirm(engine, now, minimum=5)
    add_user(engine, 42)
    enrol(engine, session_id=session_id, user_id=42, now=now)
    with Session(engine) as session:  # a new load lowers the minimum
        session.get(TrainingSession, session_id).min_participants = 1
        session.commit()
    settled = settle_due(engine, now=now)
    assert settled.confirmed == [session_id]
    assert _notices(engine, session_id) == [(CONFIRMED, 42), (CONFIRMED_ADMIN, ADMIN)]
