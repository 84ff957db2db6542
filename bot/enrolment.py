"""Enrolment: seats taken atomically, one enrolment per learner, a waitlist with offers.

A seat is taken with one guarded statement (`seats_taken < seats`), so concurrent enrolments
never overbook, on SQLite as on PostgreSQL. When a seat frees, the first waiting learner is
*offered* it (the seat is held for them) until a deadline; without an answer it passes on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from bot.db import rowcount, unit_of_work
from bot.errors import DomainError, Refusal
from bot.models import Enrolment, EnrolmentStatus, SessionStatus, TrainingSession

logger = logging.getLogger(__name__)

DEFAULT_OFFER_TTL = timedelta(hours=24)
# An offer must leave the learner time to get there: it ends this long before the start.
OFFER_MARGIN = timedelta(hours=2)
MIN_OFFER_TTL = timedelta(minutes=30)

HOLDING = (EnrolmentStatus.ENROLLED, EnrolmentStatus.OFFERED)


class EnrolmentError(DomainError):
    """Base of the expected failures of enrolment."""


class SessionUnavailable(EnrolmentError):
    """The session does not exist, was cancelled, or has started."""

    key = "enrol.unavailable"


class SessionFull(EnrolmentError):
    """No seat left: the waitlist can be offered."""

    key = "enrol.full"


class SeatAvailable(EnrolmentError):
    """A seat is free and nobody is waiting: enrol instead of joining the waitlist."""


class AlreadyEnrolled(EnrolmentError):
    """The learner already has a seat (or a waitlist place) for this session."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status

    def refusal(self) -> Refusal:
        waiting = self.status != EnrolmentStatus.ENROLLED
        return Refusal("enrol.already_waiting" if waiting else "enrol.already")


class NotYourEnrolment(EnrolmentError):
    """The enrolment belongs to someone else (or does not exist)."""

    key = "mine.not_yours"


class OfferExpired(EnrolmentError):
    """The seat offer is no longer valid."""

    key = "enrol.offer_expired"


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


@dataclass(frozen=True, slots=True)
class Cancelled:
    """What a cancellation caused: maybe an offer to the next learner on the waitlist."""

    session_id: int
    was: str
    offer: Offer | None
    title: str = ""
    seats_taken: int = 0


def _bookable(session: Session, session_id: int, now: datetime) -> TrainingSession:
    training = session.get(TrainingSession, session_id)
    if training is None or training.status != SessionStatus.SCHEDULED or training.starts_at <= now:
        raise SessionUnavailable(session_id)
    return training


def _existing(session: Session, session_id: int, user_id: int) -> Enrolment | None:
    return session.scalars(
        select(Enrolment).where(
            col(Enrolment.session_id) == session_id, col(Enrolment.user_id) == user_id
        )
    ).first()


def _take_seat(session: Session, session_id: int, now: datetime) -> bool:
    taken = session.execute(
        update(TrainingSession)
        .where(
            col(TrainingSession.id) == session_id,
            col(TrainingSession.status) == SessionStatus.SCHEDULED,
            col(TrainingSession.starts_at) > now,
            col(TrainingSession.seats_taken) < col(TrainingSession.seats),
        )
        .values(seats_taken=col(TrainingSession.seats_taken) + 1)
    )
    return rowcount(taken) == 1


def _free_seat(session: Session, session_id: int) -> None:
    session.execute(
        update(TrainingSession)
        .where(col(TrainingSession.id) == session_id, col(TrainingSession.seats_taken) > 0)
        .values(seats_taken=col(TrainingSession.seats_taken) - 1)
    )


def _taken(session: Session, enrolment_id: int, session_id: int) -> Taken:
    """The seat just taken, read in the same transaction (seats_taken as now written)."""
    title, starts_at, ends_at, seats_taken = session.execute(
        select(
            col(TrainingSession.title),
            col(TrainingSession.starts_at),
            col(TrainingSession.ends_at),
            col(TrainingSession.seats_taken),
        ).where(col(TrainingSession.id) == session_id)
    ).one()
    return Taken(enrolment_id, session_id, title, starts_at, ends_at, seats_taken)


def enrol(engine: Engine, *, session_id: int, user_id: int, now: datetime) -> Taken:
    """Take a seat for the learner.

    Raises SessionUnavailable, SessionFull (offer the waitlist) or AlreadyEnrolled.
    An offered seat is accepted by enrolling.
    """
    try:
        with unit_of_work(engine) as session:
            _bookable(session, session_id, now)
            existing = _existing(session, session_id, user_id)
            if existing is not None and existing.status == EnrolmentStatus.OFFERED:
                return _taken(session, _accept(session, existing, now), session_id)
            if existing is not None and existing.status == EnrolmentStatus.ENROLLED:
                raise AlreadyEnrolled(existing.status)
            if not _take_seat(session, session_id, now):
                raise SessionFull(session_id)
            if existing is not None:  # cancelled earlier, or waiting: reuse the row
                existing.status = EnrolmentStatus.ENROLLED
                existing.offer_expires_at = None
                existing.updated_at = now
                enrolment = existing
            else:
                enrolment = Enrolment(
                    session_id=session_id,
                    user_id=user_id,
                    status=EnrolmentStatus.ENROLLED,
                    created_at=now,
                    updated_at=now,
                )
                session.add(enrolment)
            session.flush()  # the unique constraint fires here for a concurrent double tap
            enrolment_id: int = enrolment.id  # type: ignore[assignment]  # set by the flush
            return _taken(session, enrolment_id, session_id)
    except IntegrityError:
        # The same learner enrolled in a concurrent transaction; ours rolled back whole.
        raise AlreadyEnrolled(EnrolmentStatus.ENROLLED) from None


def join_waitlist(engine: Engine, *, session_id: int, user_id: int, now: datetime) -> int:
    """Put the learner on the waitlist; returns their position (1 = next)."""
    try:
        with unit_of_work(engine) as session:
            training = _bookable(session, session_id, now)
            existing = _existing(session, session_id, user_id)
            if existing is not None and existing.status != EnrolmentStatus.CANCELLED:
                raise AlreadyEnrolled(existing.status)
            if training.seats_taken < training.seats and not _anyone_waiting(session, session_id):
                # An old [Liste d'attente] button: a seat freed since and nobody waits for it.
                raise SeatAvailable(session_id)
            if existing is not None:
                existing.status = EnrolmentStatus.WAITING
                existing.created_at = now  # back of the queue
                existing.updated_at = now
            else:
                session.add(
                    Enrolment(
                        session_id=session_id,
                        user_id=user_id,
                        status=EnrolmentStatus.WAITING,
                        created_at=now,
                        updated_at=now,
                    )
                )
            session.flush()
            return _position(session, session_id, user_id)
    except IntegrityError:
        raise AlreadyEnrolled(EnrolmentStatus.WAITING) from None


def _anyone_waiting(session: Session, session_id: int) -> bool:
    return (
        session.scalars(
            select(col(Enrolment.id))
            .where(
                col(Enrolment.session_id) == session_id,
                col(Enrolment.status) == EnrolmentStatus.WAITING,
            )
            .limit(1)
        ).first()
        is not None
    )


def _position(session: Session, session_id: int, user_id: int) -> int:
    waiting = session.execute(
        select(col(Enrolment.user_id))
        .where(
            col(Enrolment.session_id) == session_id,
            col(Enrolment.status) == EnrolmentStatus.WAITING,
        )
        .order_by(col(Enrolment.created_at), col(Enrolment.id))
    ).scalars()
    for position, waiting_user in enumerate(waiting, start=1):
        if waiting_user == user_id:
            return position
    return 0


def _accept(session: Session, enrolment: Enrolment, now: datetime) -> int:
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


def _drop(session: Session, enrolment_id: int, was: str, now: datetime) -> bool:
    """Cancel an enrolment only if it is still in the state it was read in; the caller frees
    a held seat only when this returns True, so a seat is never freed twice."""
    dropped = session.execute(
        update(Enrolment)
        .where(col(Enrolment.id) == enrolment_id, col(Enrolment.status) == was)
        .values(status=EnrolmentStatus.CANCELLED, offer_expires_at=None, updated_at=now)
    )
    return rowcount(dropped) == 1


def offer_deadline(starts_at: datetime, now: datetime, ttl: timedelta) -> datetime:
    """When an offer ends: after `ttl`, but shorter when the session is close."""
    latest = starts_at - OFFER_MARGIN
    deadline = min(now + ttl, latest)
    return max(deadline, min(now + MIN_OFFER_TTL, starts_at))


def _offer_next(
    session: Session, training: TrainingSession, now: datetime, ttl: timedelta
) -> Offer | None:
    """Hold the freed seat for the first waiting learner (the caller freed it)."""
    if training.status != SessionStatus.SCHEDULED or training.starts_at <= now:
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
    if candidate is None or not _take_seat(session, training.id, now):  # type: ignore[arg-type]  # a stored row's id is set (None only before flush)
        return None
    candidate.status = EnrolmentStatus.OFFERED
    candidate.offer_expires_at = offer_deadline(training.starts_at, now, ttl)
    candidate.updated_at = now
    session.flush()
    return Offer(
        enrolment_id=candidate.id,  # type: ignore[arg-type]  # a stored row's id is set (None only before flush)
        user_id=candidate.user_id,
        session_id=training.id,  # type: ignore[arg-type]  # a stored row's id is set (None only before flush)
        expires_at=candidate.offer_expires_at,
    )


def _offered(session: Session, enrolment_id: int, user_id: int) -> Enrolment:
    """The learner's own enrolment, still offered a seat."""
    enrolment = session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.user_id != user_id:
        raise NotYourEnrolment(enrolment_id)
    if enrolment.status != EnrolmentStatus.OFFERED:
        raise OfferExpired(enrolment_id)
    return enrolment


def accept_offer(engine: Engine, *, enrolment_id: int, user_id: int, now: datetime) -> Taken:
    """The learner takes the seat they were offered."""
    with unit_of_work(engine) as session:
        enrolment = _offered(session, enrolment_id, user_id)
        session_id = enrolment.session_id
        _bookable(session, session_id, now)  # cancelled since the offer was made?
        return _taken(session, _accept(session, enrolment, now), session_id)


def cancel(
    engine: Engine,
    *,
    enrolment_id: int,
    user_id: int,
    now: datetime,
    offer_ttl: timedelta = DEFAULT_OFFER_TTL,
) -> Cancelled:
    """Cancel the learner's own enrolment, waitlist place or offer; a freed seat is offered
    to the next waiting learner."""
    with unit_of_work(engine) as session:
        enrolment = session.get(Enrolment, enrolment_id)
        if enrolment is None or enrolment.user_id != user_id:
            raise NotYourEnrolment(enrolment_id)
        return _cancel(session, enrolment, now, offer_ttl)


def _cancel(
    session: Session, enrolment: Enrolment, now: datetime, offer_ttl: timedelta
) -> Cancelled:
    was = enrolment.status
    session_id = enrolment.session_id
    training = session.get(TrainingSession, session_id)
    assert training is not None
    enrolment_id: int = enrolment.id  # type: ignore[assignment]  # a stored row's id is set
    if was == EnrolmentStatus.CANCELLED or not _drop(session, enrolment_id, was, now):
        was = EnrolmentStatus.CANCELLED
        return Cancelled(session_id, was, None, training.title, training.seats_taken)
    session.expire(enrolment)
    offer = None
    if was in HOLDING:
        _free_seat(session, session_id)
        session.flush()
        session.refresh(training)
        offer = _offer_next(session, training, now, offer_ttl)
        session.refresh(training)
    return Cancelled(session_id, was, offer, training.title, training.seats_taken)


def decline_offer(
    engine: Engine,
    *,
    enrolment_id: int,
    user_id: int,
    now: datetime,
    offer_ttl: timedelta = DEFAULT_OFFER_TTL,
) -> Cancelled:
    """The learner leaves the seat they were offered; it goes to the next one waiting."""
    with unit_of_work(engine) as session:
        enrolment = _offered(session, enrolment_id, user_id)
        return _cancel(session, enrolment, now, offer_ttl)


@dataclass(frozen=True, slots=True)
class Expired:
    """An offer that ran out, and the offer it passed on to (if anyone was waiting)."""

    user_id: int
    session_id: int
    next_offer: Offer | None


def expire_offers(
    engine: Engine, *, now: datetime, offer_ttl: timedelta = DEFAULT_OFFER_TTL
) -> list[Expired]:
    """Pass every unanswered offer on to the next learner (run periodically)."""
    results: list[Expired] = []
    with unit_of_work(engine) as session:
        overdue = session.scalars(
            select(Enrolment)
            .where(
                col(Enrolment.status) == EnrolmentStatus.OFFERED,
                col(Enrolment.offer_expires_at) <= now,
            )
            .order_by(col(Enrolment.offer_expires_at))
            .with_for_update(skip_locked=True)
        ).all()
        for enrolment in overdue:
            if not _drop(session, enrolment.id, EnrolmentStatus.OFFERED, now):  # type: ignore[arg-type]  # a stored row's id is set (None only before flush)
                continue  # accepted or cancelled in the meantime
            _free_seat(session, enrolment.session_id)
            session.flush()
            training = session.get(TrainingSession, enrolment.session_id)
            assert training is not None
            session.refresh(training)
            results.append(
                Expired(
                    user_id=enrolment.user_id,
                    session_id=enrolment.session_id,
                    next_offer=_offer_next(session, training, now, offer_ttl),
                )
            )
    return results
