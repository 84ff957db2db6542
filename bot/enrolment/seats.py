"""Seats, taken and given back with single guarded statements, so that concurrent enrolments
never overbook (on SQLite as on PostgreSQL), and the results the services return."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlmodel import Session, col

from bot.confirmation import ToConfirm, to_confirm_of
from bot.db import rowcount
from bot.enrolment.errors import OfferExpired, SessionUnavailable
from bot.joining import is_open, open_until, still_open
from bot.models import Enrolment, EnrolmentStatus, SessionStatus, TrainingSession

logger = logging.getLogger(__name__)

DEFAULT_OFFER_TTL = timedelta(hours=24)
# An offer must leave the learner time to get there: it ends this long before the start.
OFFER_MARGIN = timedelta(hours=2)
MIN_OFFER_TTL = timedelta(minutes=30)

HOLDING = (EnrolmentStatus.ENROLLED, EnrolmentStatus.OFFERED)


@dataclass(frozen=True, slots=True)
class Offer:
    """A freed seat offered to a waiting learner until `expires_at`."""

    enrolment_id: int
    user_id: int
    session_id: int
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Taken:
    """A seat taken (by enrolling, or by accepting an offer), with what the learner is told
    and the session's seat count for the search."""

    enrolment_id: int
    session_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    seats_taken: int
    # A session to confirm: where it stands after this seat (None once confirmed, or for a
    # plain session), and the notices its confirmation wrote when this seat confirmed it.
    to_confirm: ToConfirm | None = None
    notices: tuple[int, ...] = ()

    @property
    def confirmed_now(self) -> bool:
        return bool(self.notices)


@dataclass(frozen=True, slots=True)
class Cancelled:
    """What a cancellation caused: maybe an offer to the next learner on the waitlist."""

    session_id: int
    was: str
    offer: Offer | None
    title: str = ""
    seats_taken: int = 0


def bookable(session: Session, session_id: int, now: datetime) -> TrainingSession:
    training = session.get(TrainingSession, session_id)
    if training is None or training.status != SessionStatus.SCHEDULED:
        raise SessionUnavailable(session_id)
    if not is_open(training, now):  # started (permanent entry: ended)
        raise SessionUnavailable(session_id)
    return training


def current_enrolment(session: Session, session_id: int, user_id: int) -> Enrolment | None:
    return session.scalars(
        select(Enrolment).where(
            col(Enrolment.session_id) == session_id, col(Enrolment.user_id) == user_id
        )
    ).first()


def take_seat(session: Session, session_id: int, now: datetime) -> bool:
    taken = session.execute(
        update(TrainingSession)
        .where(
            col(TrainingSession.id) == session_id,
            col(TrainingSession.status) == SessionStatus.SCHEDULED,
            still_open(now),
            col(TrainingSession.seats_taken) < col(TrainingSession.seats),
        )
        .values(seats_taken=col(TrainingSession.seats_taken) + 1)
    )
    return rowcount(taken) == 1


def free_seat(session: Session, session_id: int) -> None:
    session.execute(
        update(TrainingSession)
        .where(col(TrainingSession.id) == session_id, col(TrainingSession.seats_taken) > 0)
        .values(seats_taken=col(TrainingSession.seats_taken) - 1)
    )


def taken(session: Session, enrolment_id: int, session_id: int) -> Taken:
    """The seat just taken, read in the same transaction (seats_taken as now written)."""
    training = session.get(TrainingSession, session_id, populate_existing=True)
    assert training is not None  # the seat was just taken on it
    return Taken(
        enrolment_id,
        session_id,
        training.title,
        training.starts_at,
        training.ends_at,
        training.seats_taken,
        to_confirm=to_confirm_of(training),
    )


def accept(session: Session, enrolment: Enrolment, now: datetime) -> int:
    # Guarded: the expiry sweep may pass this offer on at the same moment.
    taken = session.execute(
        update(Enrolment)
        .where(
            col(Enrolment.id) == enrolment.id,
            col(Enrolment.status) == EnrolmentStatus.OFFERED,
            col(Enrolment.offer_expires_at) > now,
        )
        .values(status=EnrolmentStatus.ENROLLED, offer_expires_at=None, updated_at=now)
    )
    if rowcount(taken) != 1:
        raise OfferExpired(enrolment.id)
    session.expire(enrolment)
    return enrolment.id  # type: ignore[return-value]  # a stored row's id is set (None only before flush)


def drop(session: Session, enrolment_id: int, was: str, now: datetime) -> bool:
    """Cancel an enrolment only if it is still in the state it was read in; the caller frees
    a held seat only when this returns True, so a seat is never freed twice."""
    dropped = session.execute(
        update(Enrolment)
        .where(col(Enrolment.id) == enrolment_id, col(Enrolment.status) == was)
        .values(status=EnrolmentStatus.CANCELLED, offer_expires_at=None, updated_at=now)
    )
    return rowcount(dropped) == 1


def offer_deadline(starts_at: datetime, now: datetime, ttl: timedelta) -> datetime:
    """When an offer ends: after `ttl`, but shorter when the session is close (`starts_at`:
    when it closes, its end with permanent entry)."""
    latest = starts_at - OFFER_MARGIN
    deadline = min(now + ttl, latest)
    return max(deadline, min(now + MIN_OFFER_TTL, starts_at))


def offer_next(
    session: Session, training: TrainingSession, now: datetime, ttl: timedelta
) -> Offer | None:
    """Hold the freed seat for the first waiting learner (the caller freed it)."""
    if training.status != SessionStatus.SCHEDULED or not is_open(training, now):
        return None
    candidate = session.scalars(
        select(Enrolment)
        .where(
            col(Enrolment.session_id) == training.id,
            col(Enrolment.status) == EnrolmentStatus.WAITING,
        )
        .order_by(col(Enrolment.created_at), col(Enrolment.id))
        .limit(1)
    ).first()
    if candidate is None or not take_seat(session, training.id, now):  # type: ignore[arg-type]  # a stored row's id is set (None only before flush)
        return None
    candidate.status = EnrolmentStatus.OFFERED
    candidate.offer_expires_at = offer_deadline(open_until(training), now, ttl)
    candidate.updated_at = now
    session.flush()
    return Offer(
        enrolment_id=candidate.id,  # type: ignore[arg-type]  # a stored row's id is set (None only before flush)
        user_id=candidate.user_id,
        session_id=training.id,  # type: ignore[arg-type]  # a stored row's id is set (None only before flush)
        expires_at=candidate.offer_expires_at,
    )
