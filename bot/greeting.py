"""What /start and /help show a tutor and an admin before the learner's actions: a tutor's
next appointments and pending requests, an admin's last import (when, which file, counts).

Plain values from one read; `handlers/start.py` renders them.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from bot.db import reading
from bot.mentoring.views import AppointmentView, appointment_views
from bot.models import Appointment, AppointmentStatus, AuditEntry, AvailabilitySlot, Tutor

logger = logging.getLogger(__name__)

NEXT_APPOINTMENTS = 3


@dataclass(frozen=True, slots=True)
class TutorDesk:
    """A tutor's next confirmed appointments (soonest first) and requests awaiting them."""

    upcoming: list[AppointmentView]
    requests: list[AppointmentView]  # awaiting the tutor's answer, soonest first

    @property
    def pending(self) -> int:
        return len(self.requests)


@dataclass(frozen=True, slots=True)
class LastImport:
    at: datetime
    files: list[str]
    counts: dict[str, int] = field(default_factory=dict)  # ImportCounts' non-zero fields


def tutor_desk(engine: Engine, *, user_id: int, now: datetime) -> TutorDesk | None:
    """None when the user is no (active) tutor."""
    with reading(engine) as session:
        tutor_id = session.scalar(
            select(col(Tutor.id)).where(col(Tutor.user_id) == user_id, col(Tutor.active))
        )
        if tutor_id is None:
            return None
        upcoming = appointment_views(
            session,
            col(Appointment.tutor_id) == tutor_id,
            col(Appointment.status) == AppointmentStatus.CONFIRMED,
            col(AvailabilitySlot.ends_at) > now,
        )
        requests = appointment_views(
            session,
            col(Appointment.tutor_id) == tutor_id,
            col(Appointment.status) == AppointmentStatus.PENDING,
            col(AvailabilitySlot.starts_at) > now,
        )
    return TutorDesk(upcoming=upcoming[:NEXT_APPOINTMENTS], requests=requests)


def last_import(engine: Engine, *, user_id: int, everyone: bool) -> LastImport | None:
    """The latest import by this admin (by anyone, for a platform admin), from the audit log."""
    query = select(AuditEntry).where(col(AuditEntry.action) == "import")
    if not everyone:
        query = query.where(col(AuditEntry.actor_id) == user_id)
    with reading(engine) as session:
        entry = session.scalars(
            query.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc()).limit(1)
        ).first()
        if entry is None:
            return None
        at, detail = entry.at, entry.detail
    try:
        data = json.loads(detail)
    except ValueError:  # cut at 2,000 characters: the date still says something
        return LastImport(at=at, files=[])
    counts = {name: int(n) for name, n in dict(data.get("counts", {})).items() if n}
    return LastImport(at=at, files=[str(f) for f in data.get("files", [])], counts=counts)
