"""A learner takes a seat, or gives one back (their seat, waitlist place or offer)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.confirmation import confirm_reached
from bot.db import unit_of_work
from bot.enrolment.errors import AlreadyEnrolled, NotYourEnrolment, SessionFull
from bot.enrolment.seats import (
    DEFAULT_OFFER_TTL,
    HOLDING,
    Cancelled,
    Taken,
    accept,
    bookable,
    current_enrolment,
    drop,
    free_seat,
    offer_next,
    take_seat,
    taken,
)
from bot.models import Enrolment, EnrolmentStatus, TrainingSession

logger = logging.getLogger(__name__)


def enrol(engine: Engine, *, session_id: int, user_id: int, now: datetime) -> Taken:
    """Take a seat for the learner.

    Raises SessionUnavailable, SessionFull (offer the waitlist) or AlreadyEnrolled.
    An offered seat is accepted by enrolling.
    """
    try:
        with unit_of_work(engine) as session:
            bookable(session, session_id, now)
            existing = current_enrolment(session, session_id, user_id)
            if existing is not None and existing.status == EnrolmentStatus.OFFERED:
                return taken(session, accept(session, existing, now), session_id)
            if existing is not None and existing.status == EnrolmentStatus.ENROLLED:
                raise AlreadyEnrolled(existing.status)
            if not take_seat(session, session_id, now):
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
            # A session to confirm may reach its minimum with this seat: decided in the same
            # transaction, so the seat and the confirmation (and its notices) stand together.
            notices = confirm_reached(session, session_id, now)
            return replace(taken(session, enrolment_id, session_id), notices=tuple(notices))
    except IntegrityError:
        # The same learner enrolled in a concurrent transaction; ours rolled back whole.
        raise AlreadyEnrolled(EnrolmentStatus.ENROLLED) from None


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
        return cancel_held(session, enrolment, now, offer_ttl)


def cancel_held(
    session: Session, enrolment: Enrolment, now: datetime, offer_ttl: timedelta
) -> Cancelled:
    was = enrolment.status
    session_id = enrolment.session_id
    training = session.get(TrainingSession, session_id)
    assert training is not None
    enrolment_id: int = enrolment.id  # type: ignore[assignment]  # a stored row's id is set
    if was == EnrolmentStatus.CANCELLED or not drop(session, enrolment_id, was, now):
        was = EnrolmentStatus.CANCELLED
        return Cancelled(session_id, was, None, training.title, training.seats_taken)
    session.expire(enrolment)
    offer = None
    if was in HOLDING:
        free_seat(session, session_id)
        session.flush()
        session.refresh(training)
        offer = offer_next(session, training, now, offer_ttl)
        session.refresh(training)
    return Cancelled(session_id, was, offer, training.title, training.seats_taken)
