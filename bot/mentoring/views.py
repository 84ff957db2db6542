"""Plain views of slots and appointments, and the queries that build them.

Services return these frozen dataclasses, never ORM rows: a handler renders them after the
transaction is over, and nothing can lazy-load or write through them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from bot.models import Appointment, AppointmentStatus, AvailabilitySlot, Space, Tutor, User

logger = logging.getLogger(__name__)

# An appointment in one of these states holds a seat of its slot (`Appointment.slot_id`).
HOLDING: tuple[str, ...] = (
    AppointmentStatus.PENDING,
    AppointmentStatus.CONFIRMED,
    AppointmentStatus.PROPOSED,
)


@dataclass(frozen=True, slots=True)
class Place:
    """Where it happens: a space (name, address, pin) or an online link."""

    space_id: int | None = None
    name: str | None = None
    address: str | None = None
    postcode: str | None = None
    city: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    online_url: str | None = None

    @property
    def online(self) -> bool:
        return self.online_url is not None

    @property
    def full_address(self) -> str:
        """ "1 rue de la Gare, 56800 Ploërmel", or the link when online."""
        if self.online_url is not None:
            return self.online_url
        town = " ".join(part for part in (self.postcode, self.city) if part)
        return ", ".join(part for part in (self.address, town) if part)


@dataclass(frozen=True, slots=True)
class SlotView:
    id: int
    tutor_id: int
    tutor_name: str
    tutor_user_id: int | None
    starts_at: datetime
    ends_at: datetime
    seats: int
    seats_taken: int
    series_id: str | None
    cancelled: bool
    place: Place
    distance_km: float | None = None  # set by the finder when the learner gave a location

    @property
    def seats_left(self) -> int:
        return max(0, self.seats - self.seats_taken)

    @property
    def group(self) -> bool:
        return self.seats > 1


@dataclass(frozen=True, slots=True)
class AppointmentView:
    id: int
    status: str
    slot_id: int
    tutor_id: int
    tutor_name: str
    tutor_user_id: int | None
    learner_id: int
    learner_name: str
    starts_at: datetime
    ends_at: datetime
    place: Place
    message: str
    reason: str | None
    ics_uid: str
    ics_sequence: int
    attended: bool | None
    attendance_by: str | None
    rating: int | None
    created_at: datetime
    rescheduled_from_id: int | None

    def side_of(self, user_id: int) -> str | None:
        """ "learner", "tutor" or None: how `user_id` takes part in this appointment."""
        if user_id == self.learner_id:
            return "learner"
        if self.tutor_user_id is not None and user_id == self.tutor_user_id:
            return "tutor"
        return None

    def other_party_of(self, user_id: int) -> tuple[int | None, str]:
        """(Telegram id, name) of the other side, to tell them what `user_id` did."""
        if user_id == self.learner_id:
            return self.tutor_user_id, self.tutor_name
        return self.learner_id, self.learner_name


def _place(space: Space | None, online_url: str | None) -> Place:
    if space is None:
        return Place(online_url=online_url)
    return Place(
        space_id=space.id,
        name=space.name,
        address=space.address,
        postcode=space.postcode,
        city=space.city,
        latitude=space.latitude,
        longitude=space.longitude,
    )


def _full_name(user: User) -> str:
    return " ".join(part for part in (user.first_name, user.last_name) if part) or str(user.id)


def slot_query() -> Select[AvailabilitySlot, Tutor, Space]:
    """Slots with their tutor and (for in-person ones) their space."""
    return (
        select(AvailabilitySlot, Tutor, Space)
        .join(Tutor, col(AvailabilitySlot.tutor_id) == col(Tutor.id))
        .join(Space, col(AvailabilitySlot.space_id) == col(Space.id), isouter=True)
    )


def slot_view(slot: AvailabilitySlot, tutor: Tutor, space: Space | None) -> SlotView:
    return SlotView(
        id=slot.id,  # type: ignore[arg-type]  # a stored row's id is set (None only before flush)
        tutor_id=tutor.id,  # type: ignore[arg-type]  # a stored row's id is set (None only before flush)
        tutor_name=tutor.name,
        tutor_user_id=tutor.user_id,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        seats=slot.seats,
        seats_taken=slot.seats_taken,
        series_id=slot.series_id,
        cancelled=slot.cancelled,
        place=_place(space, slot.online_url),
    )


def slot_views(session: Session, *where: ColumnElement[bool]) -> list[SlotView]:
    """The slots matching `where`, by start time."""
    rows = session.execute(
        slot_query()
        .where(*where)
        .order_by(col(AvailabilitySlot.starts_at), col(AvailabilitySlot.id))
        .execution_options(populate_existing=True)
    )
    return [slot_view(slot, tutor, space) for slot, tutor, space in rows]


_Learner = aliased(User)


def appointment_views(
    session: Session, *where: ColumnElement[bool], order: Sequence[Any] = ()
) -> list[AppointmentView]:
    """The appointments matching `where` with slot, tutor, learner and place, in one query."""
    query = (
        select(Appointment, AvailabilitySlot, Tutor, _Learner, Space)
        .join(AvailabilitySlot, col(Appointment.slot_id) == col(AvailabilitySlot.id))
        .join(Tutor, col(Appointment.tutor_id) == col(Tutor.id))
        .join(_Learner, col(Appointment.learner_id) == col(_Learner.id))
        .join(Space, col(AvailabilitySlot.space_id) == col(Space.id), isouter=True)
        .where(*where)
        .order_by(*(order or (col(AvailabilitySlot.starts_at), col(Appointment.id))))
        # Guarded UPDATEs ran in this transaction: never trust rows cached in the session.
        .execution_options(populate_existing=True)
    )
    return [
        AppointmentView(
            id=appt.id,
            status=appt.status,
            slot_id=slot.id,
            tutor_id=tutor.id,
            tutor_name=tutor.name,
            tutor_user_id=tutor.user_id,
            learner_id=learner.id,
            learner_name=_full_name(learner),
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            place=_place(space, slot.online_url),
            message=appt.message,
            reason=appt.reason,
            ics_uid=appt.ics_uid,
            ics_sequence=appt.ics_sequence,
            attended=appt.attended,
            attendance_by=appt.attendance_by,
            rating=appt.rating,
            created_at=appt.created_at,
            rescheduled_from_id=appt.rescheduled_from_id,
        )
        for appt, slot, tutor, learner, space in session.execute(query)
    ]


def appointment_view(session: Session, appointment_id: int) -> AppointmentView:
    """One appointment as it is now in this transaction (it must exist)."""
    session.flush()
    [view] = appointment_views(session, col(Appointment.id) == appointment_id)
    return view


@dataclass(frozen=True, slots=True)
class Removal:
    """An appointment cancelled because its slot was removed, and the status it had (only a
    confirmed one had an .ics to cancel)."""

    appointment: AppointmentView
    was: str
