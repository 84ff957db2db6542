"""Cancelling and moving an appointment, by either side.

One short transaction each, with the guarded statements of :mod:`bot.mentoring.guards`. A
confirmed appointment being moved stands until the move is confirmed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from bot.db import unit_of_work
from bot.mentoring.errors import AlreadyRequested, TooLate
from bot.mentoring.guards import (
    MAX_REASON,
    Status,
    clean_text,
    free_seat,
    is_duplicate,
    load,
    move_seat,
    refused,
    side_of,
    transition,
)
from bot.mentoring.views import HOLDING, AppointmentView, appointment_view
from bot.models import Appointment, Tutor

logger = logging.getLogger(__name__)


def _acting(
    session: Session, appointment_id: int, by_user_id: int, now: datetime
) -> tuple[Appointment, Tutor, str]:
    """The appointment, its tutor and the side `by_user_id` acts for; a held appointment
    whose slot has started can no longer be changed (TooLate)."""
    appointment, slot, tutor = load(session, appointment_id)
    side = side_of(appointment, tutor, by_user_id)
    if appointment.status in HOLDING and slot.starts_at <= now:
        raise TooLate(appointment_id)
    return appointment, tutor, side


def _cancel_held(
    session: Session, appointment: Appointment, now: datetime, **values: object
) -> None:
    """Cancel it if it still holds its seat, bump its calendar SEQUENCE, free the seat;
    NotPending when someone else changed it first."""
    if not transition(
        session,
        appointment.id,  # type: ignore[arg-type]  # a stored row's id is set (None only before flush)
        HOLDING,
        status=Status.CANCELLED,
        decided_at=now,
        ics_sequence=col(Appointment.ics_sequence) + 1,
        **values,
    ):
        raise refused(session, appointment.id)  # type: ignore[arg-type]  # a stored row's id is set (None only before flush)
    free_seat(session, appointment.slot_id)


@dataclass(frozen=True, slots=True)
class Cancelled:
    """A cancellation: who did it, what it was, and whom to tell.

    `appointment.ics_sequence` is already bumped: when `send_ics_cancel`, send
    `appointment_ics(appointment, method="CANCEL")` to both sides.
    """

    appointment: AppointmentView
    by: str  # "learner" or "tutor"
    was: str  # the status before
    notify_user_id: int | None  # the other side's Telegram id (None: tutor without account)

    @property
    def send_ics_cancel(self) -> bool:
        return self.was == Status.CONFIRMED  # only a confirmed one was sent as .ics


def cancel(
    engine: Engine,
    *,
    appointment_id: int,
    by_user_id: int,
    reason: str | None = None,
    now: datetime,
) -> Cancelled:
    """Either side cancels a pending, proposed or confirmed appointment before it starts:
    the seat is freed. Raises NotYours, NotPending, TooLate, MessageTooLong."""
    text = clean_text(reason, MAX_REASON) or None
    with unit_of_work(engine) as session:
        appointment, tutor, side = _acting(session, appointment_id, by_user_id, now)
        was = appointment.status
        _cancel_held(session, appointment, now, reason=text)
        view = appointment_view(session, appointment_id)
    other = tutor.user_id if side == "learner" else view.learner_id
    logger.info("appointment %s cancelled by the %s", appointment_id, side)
    return Cancelled(appointment=view, by=side, was=was, notify_user_id=other)


@dataclass(frozen=True, slots=True)
class Rescheduled:
    """The old appointment (cancelled) and the new one on the new slot.

    The new one keeps the calendar UID with a higher SEQUENCE. When `send_ics_cancel`, send
    the old one's CANCEL now (its time is no longer booked); the new one's REQUEST goes out
    when it is confirmed and, having a higher SEQUENCE, puts the event back at the new time.
    """

    old: AppointmentView
    new: AppointmentView
    by: str
    was: str
    notify_user_id: int | None
    old_kept: bool = False  # a confirmed appointment stands until its move is confirmed

    @property
    def send_ics_cancel(self) -> bool:
        # A kept appointment is moved in calendars by the new REQUEST (same UID, higher
        # SEQUENCE) once confirmed; nothing to cancel now.
        return self.was == Status.CONFIRMED and not self.old_kept


def reschedule(
    engine: Engine, *, appointment_id: int, by_user_id: int, new_slot_id: int, now: datetime
) -> Rescheduled:
    """Move an appointment to another slot of the same tutor.

    Asked by the learner, the new appointment is *pending*: the tutor confirms again. Asked
    by the tutor, it is *proposed*: the learner accepts or not (`answer_proposal`). A
    confirmed appointment stands until the move is confirmed (then it is superseded, see
    `supersede`), so a refused move loses nothing; an unconfirmed one is cancelled at once
    and its seat freed. Raises NotYours, NotPending, TooLate, SlotTaken, AlreadyRequested.
    """
    try:
        with unit_of_work(engine) as session:
            old, tutor, side = _acting(session, appointment_id, by_user_id, now)
            was = old.status
            move_seat(session, old, new_slot_id, now)
            kept = was == Status.CONFIRMED
            if kept:
                if session.get(Appointment, appointment_id).status != Status.CONFIRMED:  # type: ignore[union-attr]  # the row was read above in this transaction
                    raise refused(session, appointment_id)
            else:
                _cancel_held(session, old, now)
            session.refresh(old)
            new = Appointment(
                slot_id=new_slot_id,
                learner_id=old.learner_id,
                tutor_id=old.tutor_id,
                status=Status.PENDING if side == "learner" else Status.PROPOSED,
                message=old.message,
                ics_uid=old.ics_uid,
                ics_sequence=old.ics_sequence + 1,
                rescheduled_from_id=old.id,
                created_at=now,
                decided_at=None if side == "learner" else now,
            )
            session.add(new)
            session.flush()
            old_view = appointment_view(session, appointment_id)
            new_view = appointment_view(session, new.id)  # type: ignore[arg-type]  # a stored row's id is set (None only before flush)
    except IntegrityError as error:
        if not is_duplicate(error):
            raise
        raise AlreadyRequested(appointment_id) from None
    other = tutor.user_id if side == "learner" else old_view.learner_id
    logger.info("appointment %s rescheduled as %s by the %s", appointment_id, new_view.id, side)
    return Rescheduled(
        old=old_view, new=new_view, by=side, was=was, notify_user_id=other, old_kept=kept
    )
