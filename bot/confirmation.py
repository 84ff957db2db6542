"""Sessions to confirm: a session that takes place only if `min_participants` enrol by
`confirm_by`.

Such a session stays `scheduled` (searched and booked like any other) with `confirmed_at`
empty. Two outcomes, each decided once by one guarded UPDATE, whose winner writes the notices
(durable `reminder` rows, one per recipient by `dedupe_key`) in the same transaction:

- confirmed (`confirm_reached`): at the enrolment that brings `seats_taken` to the minimum
  (inside the enrolment's own transaction), or at the sweep for a minimum reached otherwise
  (a load lowered it): every enrolled learner is told (with the .ics), and the organisation's
  admins;
- cancelled (`settle_due`, run by the reminder sweep every minute and at start-up, so a
  restart never loses a deadline: it is read from the rows): `confirm_by` passed without the
  minimum: every enrolled, offered or waiting learner is told (with the course's other
  dates and an offer of an alert), the admins get the list, pending day-before reminders
  are cancelled.

Day-before reminders are planned at enrolment as for any session, but the renderer drops
one whose session is still to confirm: nobody hears "tomorrow" of a session not decided yet.
At confirmation they are planned again for everyone (idempotent).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from bot.alerts import AlertError, AlertView, save_alert
from bot.db import reading, rowcount, unit_of_work
from bot.models import (
    Enrolment,
    EnrolmentStatus,
    Reminder,
    ReminderStatus,
    Role,
    RoleGrant,
    SessionStatus,
    Space,
    TrainingSession,
    User,
)
from bot.reminders import SESSION_DAY_BEFORE
from bot.search.query import Place

logger = logging.getLogger(__name__)

CONFIRMED = "session_confirmed"
CONFIRMED_ADMIN = "session_confirmed_admin"
UNCONFIRMED = "session_unconfirmed"
UNCONFIRMED_ADMIN = "session_unconfirmed_admin"
KINDS = (CONFIRMED, CONFIRMED_ADMIN, UNCONFIRMED, UNCONFIRMED_ADMIN)
# A cancellation close to the start rings and ignores quiet hours (as a booked session's).
URGENT_WITHIN = timedelta(hours=36)
ALERT_RADIUS_KM = 30  # as an alert saved after a search
_TOLD_OF_CANCELLATION = (
    EnrolmentStatus.ENROLLED,
    EnrolmentStatus.OFFERED,
    EnrolmentStatus.WAITING,
)


@dataclass(frozen=True, slots=True)
class ToConfirm:
    """Where a session to confirm stands: registered of the minimum, and the decision date."""

    minimum: int
    registered: int
    confirm_by: datetime


def to_confirm_of(training: TrainingSession) -> ToConfirm | None:
    """The session's standing while it waits for its minimum; None once decided, or for a
    plain session."""
    if not training.to_confirm or training.confirm_by is None:
        return None
    minimum: int = training.min_participants  # type: ignore[assignment]  # to_confirm: set
    return ToConfirm(minimum, training.seats_taken, training.confirm_by)


@dataclass(slots=True)
class Settled:
    """What a sweep decided: sessions confirmed and cancelled, and the notices written."""

    confirmed: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    notices: list[int] = field(default_factory=list)


def _undecided() -> list[ColumnElement[bool]]:
    return [
        col(TrainingSession.status) == SessionStatus.SCHEDULED,
        col(TrainingSession.min_participants).is_not(None),
        col(TrainingSession.confirmed_at).is_(None),
    ]


def confirm_reached(session: Session, session_id: int, now: datetime) -> list[int]:
    """Confirm the session if its minimum is reached; returns the notices written (none when
    it was not reached, or was confirmed already). One guarded statement: two concurrent
    enrolments reaching the minimum confirm it once, and only the winner writes notices."""
    confirmed = session.execute(
        update(TrainingSession)
        .where(
            col(TrainingSession.id) == session_id,
            *_undecided(),
            col(TrainingSession.seats_taken) >= col(TrainingSession.min_participants),
        )
        .values(confirmed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if rowcount(confirmed) != 1:
        return []
    logger.info("session %s confirmed: its minimum of participants is reached", session_id)
    training = _training(session, session_id)
    learners = _learners(session, session_id, (EnrolmentStatus.ENROLLED,))
    notices = _write(session, training, CONFIRMED, learners, now, urgent=False)
    notices += _write(session, training, CONFIRMED_ADMIN, _admins(session, training), now)
    return notices


def _cancel_unreached(session: Session, session_id: int, now: datetime) -> list[int]:
    """Cancel the session if its decision date passed short of the minimum; the notices."""
    cancelled = session.execute(
        update(TrainingSession)
        .where(
            col(TrainingSession.id) == session_id,
            *_undecided(),
            col(TrainingSession.confirm_by) <= now,
            col(TrainingSession.seats_taken) < col(TrainingSession.min_participants),
        )
        .values(status=SessionStatus.CANCELLED, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if rowcount(cancelled) != 1:
        return []
    logger.info("session %s cancelled: too few participants by its decision date", session_id)
    session.execute(
        update(Reminder)
        .where(
            col(Reminder.session_id) == session_id,
            col(Reminder.kind) == SESSION_DAY_BEFORE,
            col(Reminder.status) == ReminderStatus.PENDING,
        )
        .values(status=ReminderStatus.CANCELLED, last_error="session not confirmed")
        .execution_options(synchronize_session=False)
    )
    training = _training(session, session_id)
    urgent = training.starts_at - now < URGENT_WITHIN
    learners = _learners(session, session_id, _TOLD_OF_CANCELLATION)
    notices = _write(session, training, UNCONFIRMED, learners, now, urgent=urgent)
    notices += _write(session, training, UNCONFIRMED_ADMIN, _admins(session, training), now)
    return notices


def settle_due(engine: Engine, *, now: datetime) -> Settled:
    """Decide every session to confirm that can be: its minimum reached (confirmed), or its
    decision date passed (cancelled). Each in its own transaction; idempotent."""
    with reading(engine) as session:
        due: list[int] = list(
            session.scalars(
                select(col(TrainingSession.id))
                .where(
                    *_undecided(),
                    (col(TrainingSession.confirm_by) <= now)
                    | (col(TrainingSession.seats_taken) >= col(TrainingSession.min_participants)),
                )
                .order_by(col(TrainingSession.confirm_by), col(TrainingSession.id))
            )
        )
    settled = Settled()
    for session_id in due:
        with unit_of_work(engine) as session:
            if notices := confirm_reached(session, session_id, now):
                settled.confirmed.append(session_id)
            elif notices := _cancel_unreached(session, session_id, now):
                settled.cancelled.append(session_id)
            settled.notices.extend(notices)
    return settled


def _training(session: Session, session_id: int) -> TrainingSession:
    training = session.get(TrainingSession, session_id, populate_existing=True)
    assert training is not None  # the guarded UPDATE just matched it
    return training


def _learners(session: Session, session_id: int, statuses: tuple[str, ...]) -> list[int]:
    return list(
        session.scalars(
            select(col(Enrolment.user_id))
            .where(col(Enrolment.session_id) == session_id, col(Enrolment.status).in_(statuses))
            .order_by(col(Enrolment.created_at), col(Enrolment.id))
        )
    )


def _admins(session: Session, training: TrainingSession) -> list[int]:
    """The active admins of the session's organisation."""
    return list(
        session.scalars(
            select(col(User.id))
            .join(RoleGrant, col(RoleGrant.user_id) == col(User.id))
            .where(
                col(RoleGrant.role) == Role.ORG_ADMIN,
                col(RoleGrant.organisation_id) == training.organisation_id,
                col(User.is_active).is_(True),
            )
            .distinct()
        )
    )


def _write(
    session: Session,
    training: TrainingSession,
    kind: str,
    recipients: list[int],
    now: datetime,
    *,
    urgent: bool = False,
) -> list[int]:
    """One notice row per recipient, due now (quiet hours apply unless urgent), skipped when
    its key exists (a session cancelled, then loaded again and decided anew)."""
    keys = {user_id: f"{kind}:{training.id}:{user_id}" for user_id in recipients}
    existing = set(
        session.scalars(
            select(col(Reminder.dedupe_key)).where(col(Reminder.dedupe_key).in_(keys.values()))
        )
    )
    rows = [
        Reminder(
            kind=kind,
            dedupe_key=key,
            recipient_id=user_id,
            due_at=now,
            deadline_at=training.starts_at,
            session_id=training.id,
            urgent=urgent,
        )
        for user_id, key in keys.items()
        if key not in existing
    ]
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows if row.id is not None]


@dataclass(frozen=True, slots=True)
class Registered:
    """One person on a cancelled session's list, for its admins."""

    name: str
    username: str | None
    status: str


def registered(engine: Engine, *, session_id: int) -> list[Registered]:
    """Who was enrolled, offered a seat or waiting on a session (the admins' list)."""
    with reading(engine) as session:
        rows = session.execute(
            select(
                col(User.first_name),
                col(User.last_name),
                col(User.username),
                col(Enrolment.status),
            )
            .join(User, col(Enrolment.user_id) == col(User.id))
            .where(
                col(Enrolment.session_id) == session_id,
                col(Enrolment.status).in_(_TOLD_OF_CANCELLATION),
            )
            .order_by(col(Enrolment.created_at), col(Enrolment.id))
        ).all()
    return [
        Registered(" ".join(p for p in (first, last) if p), username, status)
        for first, last, username, status in rows
    ]


class SessionGone(AlertError):
    """The session an alert was asked from no longer exists."""

    key = "confirm.gone"


def alert_for_session(
    engine: Engine, *, session_id: int, user_id: int, now: datetime
) -> AlertView:
    """An alert for the course of a session (its title), around its space's town: what a
    learner of a cancelled session asks for with one button."""
    with reading(engine) as session:
        row = session.execute(
            select(col(TrainingSession.title), Space)
            .join(Space, col(TrainingSession.space_id) == col(Space.id))
            .where(col(TrainingSession.id) == session_id)
        ).first()
    if row is None:
        raise SessionGone(session_id)
    title, space = row
    place = Place(
        kind="commune",
        label=space.city or space.name,
        latitude=space.latitude,
        longitude=space.longitude,
        insee=space.insee,
    )
    return save_alert(
        engine, user_id=user_id, query=title, place=place, radius_km=ALERT_RADIUS_KM, now=now
    )


def minimum_of(engine: Engine, *, session_id: int) -> int | None:
    """The session's minimum of participants (None for a plain session)."""
    with reading(engine) as session:
        training = session.get(TrainingSession, session_id)
        return None if training is None else training.min_participants


def undecided_among(engine: Engine, *, session_ids: list[int]) -> frozenset[int]:
    """Those of ``session_ids`` still to confirm: the result list marks them, as the card."""
    if not session_ids:
        return frozenset()
    with reading(engine) as session:
        found = session.scalars(
            select(col(TrainingSession.id)).where(
                col(TrainingSession.id).in_(session_ids), *_undecided()
            )
        )
        return frozenset(i for i in found if i is not None)
