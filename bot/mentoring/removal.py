"""Tutors remove a slot, or the future slots of a weekly series: at once when nobody booked
them, else only when forced, which cancels the appointments held on them (returned, with the
status each had, so that each learner is told and a confirmed one gets an .ics CANCEL)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from bot.db import unit_of_work
from bot.mentoring.errors import NoSeries, NotYours, SlotBooked, SlotInPast
from bot.mentoring.views import HOLDING, Removal, appointment_views
from bot.models import Appointment, AppointmentStatus, AvailabilitySlot, Tutor

logger = logging.getLogger(__name__)

SLOT_REMOVED = "slot_removed"  # the `reason` of appointments cancelled with their slot


def _owned_slots(
    session: Session, tutor_user_id: int, where: ColumnElement[bool], now: datetime
) -> list[tuple[int, bool, bool]]:
    """(id, live, future) of the slots matching `where`; NotYours when there are none or
    any is someone else's."""
    rows = session.execute(
        select(
            col(AvailabilitySlot.id),
            col(Tutor.user_id),
            col(AvailabilitySlot.cancelled),
            col(AvailabilitySlot.starts_at),
        )
        .join(Tutor, col(AvailabilitySlot.tutor_id) == col(Tutor.id))
        .where(where)
    ).all()
    if not rows or any(owner != tutor_user_id for _, owner, _, _ in rows):
        raise NotYours()
    return [(slot_id, not cancelled, starts > now) for slot_id, _, cancelled, starts in rows]


def _remove(session: Session, slot_ids: list[int], *, force: bool, now: datetime) -> list[Removal]:
    """Cancel the slots; their holding appointments too when forced, else SlotBooked."""
    # Cancel the slots first: this takes their row locks, so a request racing with us has
    # either committed already (and is seen below) or will find the slot cancelled.
    session.execute(
        update(AvailabilitySlot)
        .where(col(AvailabilitySlot.id).in_(slot_ids))
        .values(cancelled=True)
    )
    booked = appointment_views(
        session,
        col(Appointment.slot_id).in_(slot_ids),
        col(Appointment.status).in_(HOLDING),
    )
    if booked and not force:
        raise SlotBooked(booked)  # the transaction rolls back: the slots stay
    booked_ids = [view.id for view in booked]
    session.execute(
        update(Appointment)
        .where(col(Appointment.id).in_(booked_ids))
        .values(
            status=AppointmentStatus.CANCELLED,
            reason=SLOT_REMOVED,
            decided_at=now,
            ics_sequence=col(Appointment.ics_sequence) + 1,
        )
    )
    session.execute(
        update(AvailabilitySlot)
        .where(col(AvailabilitySlot.id).in_(slot_ids))
        .values(seats_taken=0)
    )
    was = {view.id: view.status for view in booked}
    after = appointment_views(session, col(Appointment.id).in_(booked_ids))
    return [Removal(view, was[view.id]) for view in after]


def remove_slot(
    engine: Engine, *, slot_id: int, tutor_user_id: int, force: bool = False, now: datetime
) -> list[Removal]:
    """Remove one of the tutor's future slots. With appointments on it: SlotBooked, unless
    `force`, which cancels them and returns them (tell each learner, send .ics CANCELs)."""
    with unit_of_work(engine) as session:
        [(_, live, future)] = _owned_slots(
            session, tutor_user_id, col(AvailabilitySlot.id) == slot_id, now
        )
        if not live:
            return []  # removed already (a double tap): nothing more to do
        if not future:
            raise SlotInPast(slot_id)
        cancelled = _remove(session, [slot_id], force=force, now=now)
    logger.info("slot %s removed (%d appointments cancelled)", slot_id, len(cancelled))
    return cancelled


def remove_series(
    engine: Engine, *, slot_id: int, tutor_user_id: int, force: bool = False, now: datetime
) -> list[Removal]:
    """Remove the future slots of the weekly series `slot_id` belongs to (past ones stay as
    history); as `remove_slot`, all or nothing. NoSeries when the slot has no series."""
    with unit_of_work(engine) as session:
        slot = session.get(AvailabilitySlot, slot_id)
        if slot is None or not slot.series_id:
            raise NoSeries(slot_id)
        series_id = slot.series_id
        slots = _owned_slots(
            session, tutor_user_id, col(AvailabilitySlot.series_id) == series_id, now
        )
        ids = [slot_id for slot_id, live, future in slots if live and future]
        cancelled = _remove(session, ids, force=force, now=now) if ids else []
    logger.info("series %s removed (%d appointments cancelled)", series_id, len(cancelled))
    return cancelled
