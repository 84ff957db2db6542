"""Read-only look-ups the chat needs around the services: one appointment or slot (checked:
the reader's own, still in the state the button needs), the tutors and their topics, the
spaces a tutor offers first. Plain values, one short read each."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from bot.db import unit_of_work
from bot.geo import haversine_km
from bot.mentoring.errors import NotPending, NotYours, TooLate
from bot.mentoring.views import (
    HOLDING,
    AppointmentView,
    SlotView,
    appointment_views,
    slot_views,
)
from bot.models import Appointment, AvailabilitySlot, Space, Tutor
from bot.models import AppointmentStatus as Status

logger = logging.getLogger(__name__)


def appointment(engine: Engine, *, appointment_id: int) -> AppointmentView | None:
    """One appointment as it is now, or None."""
    with unit_of_work(engine) as session:
        found = appointment_views(session, col(Appointment.id) == appointment_id)
    return found[0] if found else None


def own_appointment(
    engine: Engine, *, appointment_id: int, user_id: int, side: str | None = None
) -> AppointmentView:
    """The appointment if `user_id` takes part in it (on `side`), else NotYours."""
    view = appointment(engine, appointment_id=appointment_id)
    found = view.side_of(user_id) if view is not None else None
    if view is None or found is None or (side is not None and found != side):
        raise NotYours(appointment_id)
    return view


def pending_request(engine: Engine, *, appointment_id: int, tutor_user_id: int) -> AppointmentView:
    """A request still waiting for this tutor's answer (NotYours, NotPending)."""
    view = own_appointment(
        engine, appointment_id=appointment_id, user_id=tutor_user_id, side="tutor"
    )
    if view.status != Status.PENDING:
        raise NotPending(view.status)
    return view


def still_on(
    engine: Engine, *, appointment_id: int, user_id: int, now: datetime
) -> AppointmentView:
    """An appointment of this user that is still on and has not started (NotYours,
    NotPending, TooLate): one that can still be cancelled or moved."""
    view = own_appointment(engine, appointment_id=appointment_id, user_id=user_id)
    if view.status not in HOLDING:
        raise NotPending(view.status)
    if view.starts_at <= now:
        raise TooLate(view.id)
    return view


def holding_on_slot(engine: Engine, *, slot_id: int) -> list[AppointmentView]:
    """The appointments that hold a seat of this slot (pending, proposed or confirmed)."""
    with unit_of_work(engine) as session:
        return appointment_views(
            session,
            col(Appointment.slot_id) == slot_id,
            col(Appointment.status).in_(HOLDING),
        )


def slot(engine: Engine, *, slot_id: int) -> SlotView | None:
    """One slot, whatever its state, or None."""
    with unit_of_work(engine) as session:
        found = slot_views(session, col(AvailabilitySlot.id) == slot_id)
    return found[0] if found else None


def _bookable_tutors() -> list[ColumnElement[bool]]:
    return [col(Tutor.active).is_(True), col(Tutor.user_id).is_not(None)]


def tutors(engine: Engine) -> list[tuple[int, str]]:
    """(id, name) of the tutors learners can book (active, with a Telegram account), by name."""
    with unit_of_work(engine) as session:
        rows = session.execute(
            select(col(Tutor.id), col(Tutor.name))
            .where(*_bookable_tutors())
            .order_by(col(Tutor.name))
        ).all()
    return [(tutor_id, name) for tutor_id, name in rows]


def topics(engine: Engine, *, limit: int = 8) -> list[str]:
    """The topics of bookable tutors, the most shared first (then alphabetically), as written
    in the first tutor file that names them."""
    with unit_of_work(engine) as session:
        rows = session.scalars(select(col(Tutor.topics)).where(*_bookable_tutors())).all()
    counts: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for text in rows:
        seen = set()
        for raw in text.replace(";", ",").split(","):
            topic = raw.strip()
            key = topic.casefold()
            if topic and key not in seen:
                seen.add(key)
                spelling.setdefault(key, topic)
                counts[key] += 1
    ordered = sorted(counts, key=lambda key: (-counts[key], key))
    return [spelling[key] for key in ordered[:limit]]


def spaces_for_tutor(
    engine: Engine, *, tutor_id: int, home: tuple[float, float] | None = None
) -> list[tuple[int, str, str]]:
    """Every space as (id, name, city), the likely ones first: those this tutor used most,
    then the nearest to where they usually are (their most used space, else `home`), then
    by city and name when nothing says where they are."""
    with unit_of_work(engine) as session:
        used = dict(
            session.execute(
                select(col(AvailabilitySlot.space_id), func.count())
                .where(
                    col(AvailabilitySlot.tutor_id) == tutor_id,
                    col(AvailabilitySlot.space_id).is_not(None),
                )
                .group_by(col(AvailabilitySlot.space_id))
            ).all()
        )
        spaces = session.execute(
            select(
                col(Space.id),
                col(Space.name),
                col(Space.city),
                col(Space.latitude),
                col(Space.longitude),
            )
        ).all()
    usual = max(used, key=lambda space_id: used[space_id], default=None)
    points = {space.id: (space.latitude, space.longitude) for space in spaces}
    centre = points.get(usual) if usual is not None else home

    def distance(space_id: int) -> float:
        point = points[space_id]
        if centre is None or None in point or None in centre:
            return 0.0
        return haversine_km(centre[0], centre[1], point[0], point[1])

    ranked = sorted(spaces, key=lambda s: (-used.get(s.id, 0), distance(s.id), s.city, s.name))
    return [(space.id, space.name, space.city) for space in ranked]
