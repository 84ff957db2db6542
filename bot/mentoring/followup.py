"""After the request: nudging and expiring unanswered ones, attendance, ratings, listings.

`expire_pending` is meant to run periodically (a repeating job); every change it makes is a
guarded UPDATE, so two bot processes sweeping at once still nudge and expire each request once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import col

from bot.db import rowcount, unit_of_work
from bot.mentoring.errors import (
    AlreadyRated,
    InvalidRating,
    NotAttended,
    NotPending,
    NotYours,
    TooEarly,
)
from bot.mentoring.guards import free_seat, transition
from bot.mentoring.views import HOLDING, AppointmentView, appointment_view, appointment_views
from bot.models import Appointment, AppointmentStatus, AvailabilitySlot, Tutor

logger = logging.getLogger(__name__)

Status = AppointmentStatus
TUTOR = "tutor"
LEARNER = "learner"
MAX_COMMENT = 300
# Appointments that were on: attendance can be asked, and they make a tutor's history.
HAPPENED = (Status.CONFIRMED, Status.DONE)


@dataclass(frozen=True, slots=True)
class Sweep:
    """What one pass over unanswered requests did."""

    nudges: list[AppointmentView]  # tell these tutors a request awaits their answer
    expired: list[AppointmentView]  # tell these learners (and tutors) it expired


def expire_pending(
    engine: Engine, *, now: datetime, nudge_after: timedelta, expire_before: timedelta
) -> Sweep:
    """Expire the requests (pending, or proposed to the learner) whose slot starts within
    `expire_before` or has started, freeing their seats; nudge, once, the tutors of pending
    requests older than `nudge_after`."""
    with unit_of_work(engine) as session:
        due = session.execute(
            select(col(Appointment.id), col(Appointment.status), col(Appointment.slot_id))
            .join(AvailabilitySlot, col(Appointment.slot_id) == col(AvailabilitySlot.id))
            .where(
                col(Appointment.status).in_((Status.PENDING, Status.PROPOSED)),
                col(AvailabilitySlot.starts_at) <= now + expire_before,
            )
        ).all()
        expired = []
        for appointment_id, status, slot_id in due:
            # The slot cannot change while the status stays what we read.
            if transition(
                session, appointment_id, (status,), status=Status.EXPIRED, decided_at=now
            ):
                free_seat(session, slot_id)
                expired.append(appointment_id)
        stale = session.scalars(
            select(col(Appointment.id)).where(
                col(Appointment.status) == Status.PENDING,
                col(Appointment.nudged_at).is_(None),
                col(Appointment.created_at) <= now - nudge_after,
            )
        ).all()
        nudged = [
            appointment_id
            for appointment_id in stale
            if rowcount(
                session.execute(
                    update(Appointment)
                    .where(
                        col(Appointment.id) == appointment_id,
                        col(Appointment.status) == Status.PENDING,
                        col(Appointment.nudged_at).is_(None),
                    )
                    .values(nudged_at=now)
                )
            )
            == 1
        ]
        expired_views = appointment_views(session, col(Appointment.id).in_(expired))
        nudge_views = appointment_views(session, col(Appointment.id).in_(nudged))
    if expired or nudged:
        logger.info("requests: %d expired, %d tutors nudged", len(expired), len(nudged))
    return Sweep(nudges=nudge_views, expired=expired_views)


def record_attendance(
    engine: Engine, *, appointment_id: int, by_user_id: int, took_place: bool, now: datetime
) -> AppointmentView:
    """Either side says whether the appointment took place (after its end); the tutor's
    answer wins over the learner's. The appointment becomes `done` with `attended` set
    (False is a no-show). Raises NotYours, NotPending, TooEarly."""
    with unit_of_work(engine) as session:
        found = appointment_views(session, col(Appointment.id) == appointment_id)
        side = found[0].side_of(by_user_id) if found else None
        if side is None:
            raise NotYours(appointment_id)
        view = found[0]
        if view.status not in HAPPENED:
            raise NotPending(view.status)
        if view.ends_at > now:
            raise TooEarly(appointment_id)
        guard = [
            col(Appointment.id) == appointment_id,
            col(Appointment.status).in_(HAPPENED),
        ]
        if side == LEARNER:  # never over a tutor's answer
            guard.append(
                or_(
                    col(Appointment.attendance_by).is_(None),
                    col(Appointment.attendance_by) == LEARNER,
                )
            )
        session.execute(
            update(Appointment)
            .where(*guard)
            .values(status=Status.DONE, attended=took_place, attendance_by=side)
        )
        view = appointment_view(session, appointment_id)
    logger.info("appointment %s took place: %s (%s)", appointment_id, view.attended, side)
    return view


def rate(
    engine: Engine,
    *,
    appointment_id: int,
    learner_id: int,
    stars: int,
    comment: str | None = None,
    now: datetime,
) -> AppointmentView:
    """The learner rates an appointment that took place, once (1 to 5 stars, a short
    comment). Raises InvalidRating, NotYours, NotAttended, AlreadyRated."""
    text = (comment or "").strip() or None
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        raise InvalidRating(stars)
    if text is not None and len(text) > MAX_COMMENT:
        raise InvalidRating(len(text))
    with unit_of_work(engine) as session:
        appointment = session.get(Appointment, appointment_id)
        if appointment is None or appointment.learner_id != learner_id:
            raise NotYours(appointment_id)
        rated = session.execute(
            update(Appointment)
            .where(
                col(Appointment.id) == appointment_id,
                col(Appointment.status) == Status.DONE,
                col(Appointment.attended).is_(True),
                col(Appointment.rating).is_(None),
            )
            .values(rating=stars, rating_comment=text)
        )
        if rowcount(rated) != 1:
            session.refresh(appointment)
            if appointment.rating is not None:
                raise AlreadyRated(appointment_id)
            raise NotAttended(appointment_id)
        view = appointment_view(session, appointment_id)
    logger.info("appointment %s rated %d", appointment_id, stars)
    return view


def _involving(user_id: int) -> ColumnElement[bool]:
    tutor_ids = select(col(Tutor.id)).where(col(Tutor.user_id) == user_id).scalar_subquery()
    return or_(col(Appointment.learner_id) == user_id, col(Appointment.tutor_id) == tutor_ids)


def appointments_of(
    engine: Engine, *, user_id: int, now: datetime, past_limit: int = 5
) -> list[AppointmentView]:
    """For /mes_rdv: the user's appointments as learner and as tutor; the upcoming ones
    (pending, proposed, confirmed) soonest first, then up to `past_limit` recent past ones
    (latest first). `view.side_of(user_id)` tells the role, `other_party_of` the other."""
    with unit_of_work(engine) as session:
        upcoming = appointment_views(
            session,
            _involving(user_id),
            col(Appointment.status).in_(HOLDING),
            col(AvailabilitySlot.ends_at) > now,
        )
        past = appointment_views(
            session,
            _involving(user_id),
            col(Appointment.status).in_(HAPPENED),
            col(AvailabilitySlot.ends_at) <= now,
            order=(col(AvailabilitySlot.starts_at).desc(), col(Appointment.id).desc()),
        )
    return upcoming + past[:past_limit]


@dataclass(frozen=True, slots=True)
class TutorHistory:
    appointments: list[AppointmentView]  # past ones, latest first
    took_place: int
    no_shows: int
    unanswered: int  # attendance never recorded
    ratings: int
    average_rating: float | None  # rounded to one decimal


def tutor_history(
    engine: Engine, *, tutor_user_id: int, now: datetime, limit: int = 50
) -> TutorHistory:
    """The tutor's past appointments with attendance and ratings, and their totals."""
    with unit_of_work(engine) as session:
        tutor_id = session.scalar(select(col(Tutor.id)).where(col(Tutor.user_id) == tutor_user_id))
        if tutor_id is None:
            raise NotYours(tutor_user_id)
        past = appointment_views(
            session,
            col(Appointment.tutor_id) == tutor_id,
            col(Appointment.status).in_(HAPPENED),
            col(AvailabilitySlot.ends_at) <= now,
            order=(col(AvailabilitySlot.starts_at).desc(), col(Appointment.id).desc()),
        )
    stars = [view.rating for view in past if view.rating is not None]
    return TutorHistory(
        appointments=past[:limit],
        took_place=sum(view.attended is True for view in past),
        no_shows=sum(view.attended is False for view in past),
        unanswered=sum(view.attended is None for view in past),
        ratings=len(stars),
        average_rating=round(sum(stars) / len(stars), 1) if stars else None,
    )
