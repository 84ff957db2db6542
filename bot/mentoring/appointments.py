"""Appointments from request to decision: request, confirm, decline, counter-proposal.

Each service is one short transaction, with the guarded seat and status statements of
:mod:`bot.mentoring.guards`: two taps, two processes or two people racing each other get
exactly one success. While an appointment is pending, confirmed or proposed it holds one seat
of `Appointment.slot_id`; a partial unique index keeps one such appointment per learner and
slot. Cancelling and moving one are in :mod:`bot.mentoring.moves`, re-exported here for the
chat handlers.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from bot.db import unit_of_work
from bot.mentoring.errors import AlreadyRequested, NotYours, OwnSlot, SlotTaken, TooLate
from bot.mentoring.finder import open_slots
from bot.mentoring.guards import (
    MAX_MESSAGE,
    MAX_REASON,
    Status,
    as_tutor,
    clean_text,
    free_seat,
    is_duplicate,
    load,
    move_seat,
    refused,
    slot_gone_reason,
    supersede,
    take_seat,
    transition,
)
from bot.mentoring.moves import Cancelled, Rescheduled, cancel, reschedule
from bot.mentoring.views import (
    HOLDING,
    AppointmentView,
    SlotView,
    appointment_view,
    slot_views,
)
from bot.models import Appointment, AvailabilitySlot, Tutor

__all__ = [
    "MAX_MESSAGE",
    "MAX_REASON",
    "Cancelled",
    "Declined",
    "Proposed",
    "Rescheduled",
    "answer_proposal",
    "cancel",
    "confirm",
    "decline",
    "free_seat",
    "propose_other",
    "request",
    "reschedule",
    "take_seat",
    "transition",
]

logger = logging.getLogger(__name__)


def request(
    engine: Engine, *, slot_id: int, learner_id: int, message: str, now: datetime
) -> AppointmentView:
    """Ask for a slot: a seat is held and the request waits for the tutor.

    Raises SlotTaken (no seat, or the slot is gone), AlreadyRequested, OwnSlot,
    MessageTooLong.
    """
    text = clean_text(message, MAX_MESSAGE)
    try:
        with unit_of_work(engine) as session:
            owner = session.scalar(
                select(col(Tutor.user_id))
                .join(AvailabilitySlot, col(AvailabilitySlot.tutor_id) == col(Tutor.id))
                .where(col(AvailabilitySlot.id) == slot_id)
            )
            if owner is not None and owner == learner_id:
                raise OwnSlot(slot_id)
            held = session.scalar(
                select(col(Appointment.id)).where(
                    col(Appointment.slot_id) == slot_id,
                    col(Appointment.learner_id) == learner_id,
                    col(Appointment.status).in_(HOLDING),
                )
            )
            if held is not None:
                raise AlreadyRequested(held)
            if not take_seat(session, slot_id, now):
                raise SlotTaken(slot_gone_reason(session, slot_id, now))
            slot = session.get(AvailabilitySlot, slot_id)
            assert slot is not None
            appointment = Appointment(
                slot_id=slot_id,
                learner_id=learner_id,
                tutor_id=slot.tutor_id,
                status=Status.PENDING,
                message=text,
                ics_uid=f"{uuid.uuid4()}@proxi",
                created_at=now,
            )
            session.add(appointment)
            session.flush()  # the partial unique index fires here for a concurrent double tap
            view = appointment_view(session, appointment.id)  # type: ignore[arg-type]  # a stored row's id is set (None only before flush)
    except IntegrityError as error:
        if not is_duplicate(error):
            raise
        raise AlreadyRequested(None) from None  # our transaction, seat included, rolled back
    logger.info("appointment %s requested on slot %s", view.id, slot_id)
    return view


def confirm(
    engine: Engine, *, appointment_id: int, tutor_user_id: int, now: datetime
) -> AppointmentView:
    """The tutor accepts a pending request. Raises NotYours, NotPending, TooLate."""
    with unit_of_work(engine) as session:
        _, slot = as_tutor(session, appointment_id, tutor_user_id)
        if slot.starts_at <= now:
            raise TooLate(appointment_id)
        if not transition(
            session, appointment_id, (Status.PENDING,), status=Status.CONFIRMED, decided_at=now
        ):
            raise refused(session, appointment_id)
        supersede(session, appointment_id, now)
        view = appointment_view(session, appointment_id)
    logger.info("appointment %s confirmed", appointment_id)
    return view


@dataclass(frozen=True, slots=True)
class Declined:
    """The declined request, and other open slots of the tutor to offer the learner; for a
    refused move, the confirmed appointment it would have replaced (which still holds)."""

    appointment: AppointmentView
    alternatives: list[SlotView]
    kept: AppointmentView | None = None


def decline(
    engine: Engine,
    *,
    appointment_id: int,
    tutor_user_id: int,
    reason: str | None = None,
    now: datetime,
    alternatives: int = 5,
    not_before: datetime | None = None,
) -> Declined:
    """The tutor refuses a pending request: the seat is freed. Raises NotYours, NotPending,
    MessageTooLong."""
    text = clean_text(reason, MAX_REASON) or None
    with unit_of_work(engine) as session:
        appointment, _ = as_tutor(session, appointment_id, tutor_user_id)
        if not transition(
            session,
            appointment_id,
            (Status.PENDING,),
            status=Status.DECLINED,
            decided_at=now,
            reason=text,
        ):
            raise refused(session, appointment_id)
        free_seat(session, appointment.slot_id)
        view = appointment_view(session, appointment_id)
        kept = None
        if view.rescheduled_from_id is not None:
            origin = appointment_view(session, view.rescheduled_from_id)
            kept = origin if origin.status == Status.CONFIRMED else None
    others = open_slots(
        engine,
        tutor_id=view.tutor_id,
        now=now,
        limit=alternatives,
        learner_id=view.learner_id,
        exclude_slot_id=view.slot_id,
        not_before=not_before,
    )
    logger.info("appointment %s declined", appointment_id)
    return Declined(appointment=view, alternatives=others, kept=kept)


@dataclass(frozen=True, slots=True)
class Proposed:
    """The appointment now on the proposed slot, and the slot the learner had asked for."""

    appointment: AppointmentView
    previous: SlotView


def propose_other(
    engine: Engine, *, appointment_id: int, tutor_user_id: int, new_slot_id: int, now: datetime
) -> Proposed:
    """The tutor offers another of their open slots instead: its seat is held, the old one
    freed, and the learner decides (`answer_proposal`). Raises NotYours, NotPending,
    SlotTaken, AlreadyRequested."""
    try:
        with unit_of_work(engine) as session:
            appointment, _ = as_tutor(session, appointment_id, tutor_user_id)
            old_slot_id = appointment.slot_id
            move_seat(session, appointment, new_slot_id, now)
            if not transition(
                session,
                appointment_id,
                (Status.PENDING,),
                status=Status.PROPOSED,
                slot_id=new_slot_id,
                decided_at=now,
            ):
                raise refused(session, appointment_id)
            free_seat(session, old_slot_id)
            [previous] = slot_views(session, col(AvailabilitySlot.id) == old_slot_id)
            view = appointment_view(session, appointment_id)
    except IntegrityError as error:
        if not is_duplicate(error):
            raise
        raise AlreadyRequested(appointment_id) from None  # the learner holds that slot already
    logger.info("appointment %s: slot %s proposed", appointment_id, new_slot_id)
    return Proposed(appointment=view, previous=previous)


def answer_proposal(
    engine: Engine, *, appointment_id: int, learner_id: int, accept: bool, now: datetime
) -> AppointmentView:
    """The learner accepts the proposed slot (confirmed) or not (cancelled, seat freed).
    Raises NotYours, NotPending, TooLate."""
    with unit_of_work(engine) as session:
        appointment, slot, _ = load(session, appointment_id)
        if appointment.learner_id != learner_id:
            raise NotYours(appointment_id)
        if accept:
            if slot.starts_at <= now:
                raise TooLate(appointment_id)
            changed = transition(
                session, appointment_id, (Status.PROPOSED,), status=Status.CONFIRMED
            )
            if changed:
                supersede(session, appointment_id, now)
        else:
            changed = transition(
                session, appointment_id, (Status.PROPOSED,), status=Status.CANCELLED
            )
        if not changed:
            raise refused(session, appointment_id)
        if not accept:
            free_seat(session, appointment.slot_id)
        view = appointment_view(session, appointment_id)
    logger.info("appointment %s proposal %s", appointment_id, "accepted" if accept else "refused")
    return view
