"""Appointments from request to decision: request, confirm, decline, counter-proposal,
cancel and reschedule.

Each service is one short transaction. Seats are held with one guarded UPDATE on the slot
(`seats_taken < seats`) and every status change is one guarded UPDATE on the appointment
(`WHERE status = <expected>`): two taps, two processes or two people racing each other get
exactly one success, on SQLite as on PostgreSQL. While an appointment is pending, confirmed
or proposed it holds one seat of `Appointment.slot_id`; a partial unique index keeps one
such appointment per learner and slot.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.db import unit_of_work
from bot.mentoring.errors import (
    AlreadyRequested,
    MessageTooLong,
    NotPending,
    NotYours,
    OwnSlot,
    SlotTaken,
    TooLate,
)
from bot.mentoring.finder import open_slots
from bot.mentoring.views import (
    HOLDING,
    AppointmentView,
    SlotView,
    appointment_view,
    slot_views,
)
from bot.models import Appointment, AppointmentStatus, AvailabilitySlot, Tutor

logger = logging.getLogger(__name__)

MAX_MESSAGE = 500
MAX_REASON = 500
ACTIVE_INDEX = "uq_appointment_active_learner_slot"
Status = AppointmentStatus


def _text(value: str | None, limit: int) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise MessageTooLong(len(text))
    return text


def take_seat(session: Session, slot_id: int, now: datetime) -> bool:
    """Hold one seat of a live, future slot: one guarded statement, so never oversold."""
    taken = session.execute(
        update(AvailabilitySlot)
        .where(
            AvailabilitySlot.id == slot_id,
            AvailabilitySlot.cancelled.is_(False),  # type: ignore[attr-defined]
            AvailabilitySlot.starts_at > now,
            AvailabilitySlot.seats_taken < AvailabilitySlot.seats,
        )
        .values(seats_taken=AvailabilitySlot.seats_taken + 1)
    )
    return taken.rowcount == 1  # type: ignore[attr-defined]


def free_seat(session: Session, slot_id: int) -> None:
    session.execute(
        update(AvailabilitySlot)
        .where(AvailabilitySlot.id == slot_id, AvailabilitySlot.seats_taken > 0)
        .values(seats_taken=AvailabilitySlot.seats_taken - 1)
    )


def transition(
    session: Session, appointment_id: int, expected: tuple[str, ...], **values: object
) -> bool:
    """Change the appointment only if its status is still one of `expected`."""
    changed = session.execute(
        update(Appointment)
        .where(
            Appointment.id == appointment_id,
            Appointment.status.in_(expected),  # type: ignore[attr-defined]
        )
        .values(**values)
    )
    return changed.rowcount == 1  # type: ignore[attr-defined]


def _duplicate(error: IntegrityError) -> bool:
    """True for the one-active-appointment-per-learner-and-slot index (not, say, a missing
    learner row), in PostgreSQL's and SQLite's wording."""
    text = str(error.orig)
    return ACTIVE_INDEX in text or "appointment.slot_id, appointment.learner_id" in text


def _slot_gone_reason(session: Session, slot_id: int, now: datetime) -> str:
    slot = session.get(AvailabilitySlot, slot_id, populate_existing=True)
    if slot is None or slot.cancelled or slot.starts_at <= now:
        return "gone"
    return "full"


def _load(session: Session, appointment_id: int) -> tuple[Appointment, AvailabilitySlot, Tutor]:
    appointment = session.get(Appointment, appointment_id, populate_existing=True)
    if appointment is None:
        raise NotYours(appointment_id)
    slot = session.get(AvailabilitySlot, appointment.slot_id, populate_existing=True)
    tutor = session.get(Tutor, appointment.tutor_id)
    assert slot is not None and tutor is not None
    return appointment, slot, tutor


def _as_tutor(
    session: Session, appointment_id: int, tutor_user_id: int
) -> tuple[Appointment, AvailabilitySlot]:
    appointment, slot, tutor = _load(session, appointment_id)
    if tutor.user_id is None or tutor.user_id != tutor_user_id:
        raise NotYours(appointment_id)
    return appointment, slot


def _side(appointment: Appointment, tutor: Tutor, user_id: int) -> str:
    if appointment.learner_id == user_id:
        return "learner"
    if tutor.user_id is not None and tutor.user_id == user_id:
        return "tutor"
    raise NotYours(appointment.id)


def _refused(session: Session, appointment_id: int) -> NotPending:
    """The guarded update changed nothing: someone else decided first."""
    status = session.scalar(select(Appointment.status).where(Appointment.id == appointment_id))
    return NotPending(status or "missing")


def request(
    engine: Engine, *, slot_id: int, learner_id: int, message: str, now: datetime
) -> AppointmentView:
    """Ask for a slot: a seat is held and the request waits for the tutor.

    Raises SlotTaken (no seat, or the slot is gone), AlreadyRequested, OwnSlot,
    MessageTooLong.
    """
    text = _text(message, MAX_MESSAGE)
    try:
        with unit_of_work(engine) as session:
            owner = session.scalar(
                select(Tutor.user_id)
                .join(AvailabilitySlot, AvailabilitySlot.tutor_id == Tutor.id)  # type: ignore[arg-type]
                .where(AvailabilitySlot.id == slot_id)
            )
            if owner is not None and owner == learner_id:
                raise OwnSlot(slot_id)
            held = session.scalar(
                select(Appointment.id).where(
                    Appointment.slot_id == slot_id,
                    Appointment.learner_id == learner_id,
                    Appointment.status.in_(HOLDING),  # type: ignore[attr-defined]
                )
            )
            if held is not None:
                raise AlreadyRequested(held)
            if not take_seat(session, slot_id, now):
                raise SlotTaken(_slot_gone_reason(session, slot_id, now))
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
            view = appointment_view(session, appointment.id)  # type: ignore[arg-type]
    except IntegrityError as error:
        if not _duplicate(error):
            raise
        raise AlreadyRequested(None) from None  # our transaction, seat included, rolled back
    logger.info("appointment %s requested on slot %s", view.id, slot_id)
    return view


def confirm(
    engine: Engine, *, appointment_id: int, tutor_user_id: int, now: datetime
) -> AppointmentView:
    """The tutor accepts a pending request. Raises NotYours, NotPending, TooLate."""
    with unit_of_work(engine) as session:
        _, slot = _as_tutor(session, appointment_id, tutor_user_id)
        if slot.starts_at <= now:
            raise TooLate(appointment_id)
        if not transition(
            session, appointment_id, (Status.PENDING,), status=Status.CONFIRMED, decided_at=now
        ):
            raise _refused(session, appointment_id)
        _supersede(session, appointment_id, now)
        view = appointment_view(session, appointment_id)
    logger.info("appointment %s confirmed", appointment_id)
    return view


def _supersede(session: Session, appointment_id: int, now: datetime) -> None:
    """A confirmed move replaces the appointment it came from: that one ends and its seat
    frees (no calendar CANCEL: the move's REQUEST shares its UID and updates the event)."""
    moved = session.get(Appointment, appointment_id)
    if moved is None or moved.rescheduled_from_id is None:
        return
    origin = session.get(Appointment, moved.rescheduled_from_id)
    if origin is not None and transition(
        session,
        origin.id,
        (Status.CONFIRMED,),
        status=Status.CANCELLED,
        decided_at=now,  # type: ignore[arg-type]
    ):
        free_seat(session, origin.slot_id)


@dataclass(frozen=True, slots=True)
class Declined:
    """The declined request, and other open slots of the tutor to offer the learner."""

    appointment: AppointmentView
    alternatives: list[SlotView]


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
    text = _text(reason, MAX_REASON) or None
    with unit_of_work(engine) as session:
        appointment, _ = _as_tutor(session, appointment_id, tutor_user_id)
        if not transition(
            session,
            appointment_id,
            (Status.PENDING,),
            status=Status.DECLINED,
            decided_at=now,
            reason=text,
        ):
            raise _refused(session, appointment_id)
        free_seat(session, appointment.slot_id)
        view = appointment_view(session, appointment_id)
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
    return Declined(appointment=view, alternatives=others)


@dataclass(frozen=True, slots=True)
class Proposed:
    """The appointment now on the proposed slot, and the slot the learner had asked for."""

    appointment: AppointmentView
    previous: SlotView


def _move_seat(
    session: Session, appointment: Appointment, new_slot_id: int, now: datetime
) -> AvailabilitySlot:
    """Hold a seat on another slot of the same tutor (freeing the old one is the caller's)."""
    new_slot = session.get(AvailabilitySlot, new_slot_id)
    if new_slot is None or new_slot.tutor_id != appointment.tutor_id:
        raise NotYours(new_slot_id)
    if new_slot_id == appointment.slot_id:
        raise AlreadyRequested(appointment.id)
    if not take_seat(session, new_slot_id, now):
        raise SlotTaken(_slot_gone_reason(session, new_slot_id, now))
    return new_slot


def propose_other(
    engine: Engine, *, appointment_id: int, tutor_user_id: int, new_slot_id: int, now: datetime
) -> Proposed:
    """The tutor offers another of their open slots instead: its seat is held, the old one
    freed, and the learner decides (`answer_proposal`). Raises NotYours, NotPending,
    SlotTaken, AlreadyRequested."""
    try:
        with unit_of_work(engine) as session:
            appointment, _ = _as_tutor(session, appointment_id, tutor_user_id)
            old_slot_id = appointment.slot_id
            _move_seat(session, appointment, new_slot_id, now)
            if not transition(
                session,
                appointment_id,
                (Status.PENDING,),
                status=Status.PROPOSED,
                slot_id=new_slot_id,
                decided_at=now,
            ):
                raise _refused(session, appointment_id)
            free_seat(session, old_slot_id)
            [previous] = slot_views(session, AvailabilitySlot.id == old_slot_id)
            view = appointment_view(session, appointment_id)
    except IntegrityError as error:
        if not _duplicate(error):
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
        appointment, slot, _ = _load(session, appointment_id)
        if appointment.learner_id != learner_id:
            raise NotYours(appointment_id)
        if accept:
            if slot.starts_at <= now:
                raise TooLate(appointment_id)
            changed = transition(
                session, appointment_id, (Status.PROPOSED,), status=Status.CONFIRMED
            )
            if changed:
                _supersede(session, appointment_id, now)
        else:
            changed = transition(
                session, appointment_id, (Status.PROPOSED,), status=Status.CANCELLED
            )
        if not changed:
            raise _refused(session, appointment_id)
        if not accept:
            free_seat(session, appointment.slot_id)
        view = appointment_view(session, appointment_id)
    logger.info("appointment %s proposal %s", appointment_id, "accepted" if accept else "refused")
    return view


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
    text = _text(reason, MAX_REASON) or None
    with unit_of_work(engine) as session:
        appointment, slot, tutor = _load(session, appointment_id)
        side = _side(appointment, tutor, by_user_id)
        was = appointment.status
        if was in HOLDING and slot.starts_at <= now:
            raise TooLate(appointment_id)
        if not transition(
            session,
            appointment_id,
            HOLDING,
            status=Status.CANCELLED,
            decided_at=now,
            reason=text,
            ics_sequence=Appointment.ics_sequence + 1,
        ):
            raise _refused(session, appointment_id)
        free_seat(session, appointment.slot_id)
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
    `_supersede`), so a refused move loses nothing; an unconfirmed one is cancelled at once
    and its seat freed. Raises NotYours, NotPending, TooLate, SlotTaken, AlreadyRequested.
    """
    try:
        with unit_of_work(engine) as session:
            old, slot, tutor = _load(session, appointment_id)
            side = _side(old, tutor, by_user_id)
            was = old.status
            if was in HOLDING and slot.starts_at <= now:
                raise TooLate(appointment_id)
            _move_seat(session, old, new_slot_id, now)
            kept = was == Status.CONFIRMED
            if kept:
                if session.get(Appointment, appointment_id).status != Status.CONFIRMED:  # type: ignore[union-attr]
                    raise _refused(session, appointment_id)
            else:
                if not transition(
                    session,
                    appointment_id,
                    HOLDING,
                    status=Status.CANCELLED,
                    decided_at=now,
                    ics_sequence=Appointment.ics_sequence + 1,
                ):
                    raise _refused(session, appointment_id)
                free_seat(session, old.slot_id)
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
            new_view = appointment_view(session, new.id)  # type: ignore[arg-type]
    except IntegrityError as error:
        if not _duplicate(error):
            raise
        raise AlreadyRequested(appointment_id) from None
    other = tutor.user_id if side == "learner" else old_view.learner_id
    logger.info("appointment %s rescheduled as %s by the %s", appointment_id, new_view.id, side)
    return Rescheduled(
        old=old_view, new=new_view, by=side, was=was, notify_user_id=other, old_kept=kept
    )
