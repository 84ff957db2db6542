"""The waitlist: a place in the queue, a freed seat offered to the first learner waiting (held
for them until a deadline), accepted, declined, or passed on when it lapses."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from bot.db import unit_of_work
from bot.enrolment.booking import cancel_held
from bot.enrolment.errors import AlreadyEnrolled, NotYourEnrolment, OfferExpired, SeatAvailable
from bot.enrolment.seats import (
    DEFAULT_OFFER_TTL,
    Cancelled,
    Offer,
    Taken,
    accept,
    bookable,
    current_enrolment,
    drop,
    free_seat,
    offer_next,
    taken,
)
from bot.models import Enrolment, EnrolmentStatus, TrainingSession

logger = logging.getLogger(__name__)


def join_waitlist(engine: Engine, *, session_id: int, user_id: int, now: datetime) -> int:
    """Put the learner on the waitlist; returns their position (1 = next)."""
    try:
        with unit_of_work(engine) as session:
            training = bookable(session, session_id, now)
            existing = current_enrolment(session, session_id, user_id)
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


def _offered(session: Session, enrolment_id: int, user_id: int) -> Enrolment:
    """The learner's own enrolment, still offered a seat."""
    enrolment = session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.user_id != user_id:
        raise NotYourEnrolment(enrolment_id)
    if enrolment.status != EnrolmentStatus.OFFERED:
        raise OfferExpired(enrolment_id)
    return enrolment


def accept_offer(engine: Engine, *, enrolment_id: int, user_id: int, now: datetime) -> Taken:
    """The learner takes the seat they were offered (one transaction; `accept` is guarded:
    declined or passed on meanwhile, nothing changes and OfferExpired is raised)."""
    with unit_of_work(engine) as session:
        enrolment = _offered(session, enrolment_id, user_id)
        session_id = enrolment.session_id
        bookable(session, session_id, now)  # cancelled since the offer was made?
        return taken(session, accept(session, enrolment, now), session_id)


def decline_offer(
    engine: Engine,
    *,
    enrolment_id: int,
    user_id: int,
    now: datetime,
    offer_ttl: timedelta = DEFAULT_OFFER_TTL,
) -> Cancelled:
    """The learner leaves the seat they were offered; it goes to the next one waiting.

    One transaction whose change is guarded (`drop`: only while still offered). Accepted
    meanwhile on another device, or passed on by the sweep, it changes nothing and raises
    OfferExpired, as `accept_offer` does when the decline came first: one outcome only."""
    with unit_of_work(engine) as session:
        enrolment = _offered(session, enrolment_id, user_id)
        outcome = cancel_held(session, enrolment, now, offer_ttl)
        if outcome.was != EnrolmentStatus.OFFERED:  # no longer offered when it was written
            raise OfferExpired(enrolment_id)
        return outcome


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
            if not drop(session, enrolment.id, EnrolmentStatus.OFFERED, now):  # type: ignore[arg-type]  # a stored row's id is set (None only before flush)
                continue  # accepted or cancelled in the meantime
            free_seat(session, enrolment.session_id)
            session.flush()
            training = session.get(TrainingSession, enrolment.session_id)
            assert training is not None
            session.refresh(training)
            results.append(
                Expired(
                    user_id=enrolment.user_id,
                    session_id=enrolment.session_id,
                    next_offer=offer_next(session, training, now, offer_ttl),
                )
            )
    return results
