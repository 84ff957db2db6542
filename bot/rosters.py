"""What admins see of their sessions: who is enrolled or waiting, and whom to tell."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from bot.db import reading
from bot.models import (
    Enrolment,
    EnrolmentStatus,
    Organisation,
    Role,
    RoleGrant,
    SessionStatus,
    Space,
    TrainingSession,
    User,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Attendee:
    name: str
    username: str | None
    status: str


@dataclass(frozen=True, slots=True)
class SessionRoster:
    session_id: int
    title: str
    city: str
    starts_at: datetime
    seats: int
    attendees: list[Attendee]


def rosters(
    engine: Engine, *, organisations: frozenset[str] | None, now: datetime, limit: int = 20
) -> list[SessionRoster]:
    """Upcoming sessions of these organisations (None: all) with who is enrolled or waiting."""
    with reading(engine) as session:
        query = (
            select(TrainingSession, col(Space.city))
            .join(Space, col(TrainingSession.space_id) == col(Space.id))
            .join(Organisation, col(TrainingSession.organisation_id) == col(Organisation.id))
            .where(
                col(TrainingSession.status) == SessionStatus.SCHEDULED,
                col(TrainingSession.ends_at) > now,
                col(TrainingSession.seats_taken) > 0,
            )
            .order_by(col(TrainingSession.starts_at))
            .limit(limit)
        )
        if organisations is not None:
            query = query.where(col(Organisation.name).in_(sorted(organisations)))
        result = []
        for training, city in session.execute(query).all():
            people = session.execute(
                select(
                    col(User.first_name),
                    col(User.last_name),
                    col(User.username),
                    col(Enrolment.status),
                )
                .join(User, col(Enrolment.user_id) == col(User.id))
                .where(
                    col(Enrolment.session_id) == training.id,
                    col(Enrolment.status) != EnrolmentStatus.CANCELLED,
                )
                .order_by(col(Enrolment.status), col(Enrolment.created_at))
            ).all()
            result.append(
                SessionRoster(
                    session_id=training.id,
                    title=training.title,
                    city=city,
                    starts_at=training.starts_at,
                    seats=training.seats,
                    attendees=[
                        Attendee(
                            name=" ".join(p for p in (first, last) if p),
                            username=username,
                            status=status,
                        )
                        for first, last, username, status in people
                    ],
                )
            )
    return result


def organisation_admins(engine: Engine, *, session_id: int) -> list[tuple[int, str]]:
    """(user id, language) of the admins of the session's organisation, to tell them news."""
    with reading(engine) as session:
        rows = session.execute(
            select(col(User.id), col(User.language))
            .join(RoleGrant, col(RoleGrant.user_id) == col(User.id))
            .join(
                TrainingSession,
                col(TrainingSession.organisation_id) == col(RoleGrant.organisation_id),
            )
            .where(
                col(TrainingSession.id) == session_id,
                col(RoleGrant.role) == Role.ORG_ADMIN,
                col(User.is_active).is_(True),
            )
        ).all()
    return [(user_id, language) for user_id, language in rows]
