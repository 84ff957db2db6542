"""What every appointment service shares: the guarded seat and status statements, and the
checks of who may act on an appointment.

Seats are held with one guarded UPDATE on the slot (`seats_taken < seats`) and every status
change is one guarded UPDATE on the appointment (`WHERE status = <expected>`): two taps, two
processes or two people racing each other get exactly one success, on SQLite as on PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from bot.db import rowcount
from bot.mentoring.errors import AlreadyRequested, MessageTooLong, NotPending, NotYours, SlotTaken
from bot.models import Appointment, AppointmentStatus, AvailabilitySlot, Tutor

MAX_MESSAGE = 500
MAX_REASON = 500
ACTIVE_INDEX = "uq_appointment_active_learner_slot"
Status = AppointmentStatus


def clean_text(value: str | None, limit: int) -> str:
    """The stripped text; MessageTooLong above `limit` characters."""
    text = (value or "").strip()
    if len(text) > limit:
        raise MessageTooLong(len(text))
    return text


def take_seat(session: Session, slot_id: int, now: datetime) -> bool:
    """Hold one seat of a live, future slot: one guarded statement, so never oversold."""
    taken = session.execute(
        update(AvailabilitySlot)
        .where(
            col(AvailabilitySlot.id) == slot_id,
            col(AvailabilitySlot.cancelled).is_(False),
            col(AvailabilitySlot.starts_at) > now,
            col(AvailabilitySlot.seats_taken) < col(AvailabilitySlot.seats),
        )
        .values(seats_taken=col(AvailabilitySlot.seats_taken) + 1)
    )
    return rowcount(taken) == 1


def free_seat(session: Session, slot_id: int) -> None:
    """Give back one seat of the slot (never below zero)."""
    session.execute(
        update(AvailabilitySlot)
        .where(col(AvailabilitySlot.id) == slot_id, col(AvailabilitySlot.seats_taken) > 0)
        .values(seats_taken=col(AvailabilitySlot.seats_taken) - 1)
    )


def transition(
    session: Session, appointment_id: int, expected: tuple[str, ...], **values: object
) -> bool:
    """Change the appointment only if its status is still one of `expected`."""
    changed = session.execute(
        update(Appointment)
        .where(
            col(Appointment.id) == appointment_id,
            col(Appointment.status).in_(expected),
        )
        .values(**values)
    )
    return rowcount(changed) == 1


def is_duplicate(error: IntegrityError) -> bool:
    """True for the one-active-appointment-per-learner-and-slot index (not, say, a missing
    learner row), in PostgreSQL's and SQLite's wording."""
    text = str(error.orig)
    return ACTIVE_INDEX in text or "appointment.slot_id, appointment.learner_id" in text


def slot_gone_reason(session: Session, slot_id: int, now: datetime) -> str:
    """Why no seat could be held: "gone" (cancelled or started) or "full"."""
    slot = session.get(AvailabilitySlot, slot_id, populate_existing=True)
    if slot is None or slot.cancelled or slot.starts_at <= now:
        return "gone"
    return "full"


def load(session: Session, appointment_id: int) -> tuple[Appointment, AvailabilitySlot, Tutor]:
    """The appointment, its slot and tutor, fresh from the database; NotYours if missing."""
    appointment = session.get(Appointment, appointment_id, populate_existing=True)
    if appointment is None:
        raise NotYours(appointment_id)
    slot = session.get(AvailabilitySlot, appointment.slot_id, populate_existing=True)
    tutor = session.get(Tutor, appointment.tutor_id)
    assert slot is not None and tutor is not None
    return appointment, slot, tutor


def as_tutor(
    session: Session, appointment_id: int, tutor_user_id: int
) -> tuple[Appointment, AvailabilitySlot]:
    """The appointment and its slot, if `tutor_user_id` is its tutor; else NotYours."""
    appointment, slot, tutor = load(session, appointment_id)
    if tutor.user_id is None or tutor.user_id != tutor_user_id:
        raise NotYours(appointment_id)
    return appointment, slot


def side_of(appointment: Appointment, tutor: Tutor, user_id: int) -> str:
    """Which side `user_id` is on, "learner" or "tutor"; NotYours for anyone else."""
    if appointment.learner_id == user_id:
        return "learner"
    if tutor.user_id is not None and tutor.user_id == user_id:
        return "tutor"
    raise NotYours(appointment.id)


def refused(session: Session, appointment_id: int) -> NotPending:
    """The guarded update changed nothing: someone else decided first."""
    status = session.scalar(
        select(col(Appointment.status)).where(col(Appointment.id) == appointment_id)
    )
    return NotPending(status or "missing")


def move_seat(
    session: Session, appointment: Appointment, new_slot_id: int, now: datetime
) -> AvailabilitySlot:
    """Hold a seat on another slot of the same tutor (freeing the old one is the caller's)."""
    new_slot = session.get(AvailabilitySlot, new_slot_id)
    if new_slot is None or new_slot.tutor_id != appointment.tutor_id:
        raise NotYours(new_slot_id)
    if new_slot_id == appointment.slot_id:
        raise AlreadyRequested(appointment.id)
    if not take_seat(session, new_slot_id, now):
        raise SlotTaken(slot_gone_reason(session, new_slot_id, now))
    return new_slot


def supersede(session: Session, appointment_id: int, now: datetime) -> None:
    """A confirmed move replaces the appointment it came from: that one ends and its seat
    frees (no calendar CANCEL: the move's REQUEST shares its UID and updates the event)."""
    moved = session.get(Appointment, appointment_id)
    if moved is None or moved.rescheduled_from_id is None:
        return
    origin = session.get(Appointment, moved.rescheduled_from_id)
    if origin is not None and transition(
        session,
        moved.rescheduled_from_id,  # origin's id
        (Status.CONFIRMED,),
        status=Status.CANCELLED,
        decided_at=now,
    ):
        free_seat(session, origin.slot_id)
