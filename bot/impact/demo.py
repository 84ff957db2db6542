"""The demo's travel saved: learners from nearby villages enrolled in one organisation's
sessions, past (this quarter and the ones before) and upcoming, so /impact shows figures.

Only `bot/demo.py` calls this, on the fresh demo database after the sample is loaded.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from bot.db import unit_of_work
from bot.gazetteer import Gazetteer, default_gazetteer
from bot.geo import haversine_km
from bot.models import (
    Enrolment,
    EnrolmentStatus,
    Organisation,
    SessionStatus,
    Space,
    TrainingSession,
    User,
)

logger = logging.getLogger(__name__)

DEMO_ORGANISATION = "Atelier Numérique des Territoires"
FIRST_LEARNER_ID = 3001
NAMES = ("Lena", "Yann", "Maëlle", "Gaël", "Soizic", "Erwan", "Nolwenn", "Loïc", "Rozenn")
PAST_DAYS = (2, 9, 23, 40, 75, 110, 150, 200)  # sessions that took place, days ago
UPCOMING = 3  # the organisation's next sessions, each with a few learners


def seed_travel_saved(
    engine: Engine, *, now: datetime, tz: ZoneInfo, gazetteer: Gazetteer | None = None
) -> int:
    """Enrol demo learners (most with a home town near the space, one without) in past
    copies and upcoming sessions of DEMO_ORGANISATION; returns the places created (0 when
    the organisation is not in the data)."""
    gazetteer = gazetteer or default_gazetteer()
    with unit_of_work(engine) as session:
        org_id = session.scalar(
            select(col(Organisation.id)).where(col(Organisation.name) == DEMO_ORGANISATION)
        )
        if org_id is None:
            return 0
        upcoming = session.scalars(
            select(TrainingSession)
            .where(
                col(TrainingSession.organisation_id) == org_id,
                col(TrainingSession.status) == SessionStatus.SCHEDULED,
                col(TrainingSession.starts_at) > now,
            )
            .order_by(col(TrainingSession.starts_at))
        ).all()
        if not upcoming:
            return 0
        sessions = [_past_copy(session, upcoming[n % len(upcoming)], now, tz, n)
                    for n in range(len(PAST_DAYS))]  # fmt: skip
        sessions += upcoming[:UPCOMING]
        places = 0
        for n, training in enumerate(sessions):
            places += _enrol_neighbours(session, training, gazetteer, count=3 + n % 3)
    logger.info("demo: %d enrolled places for /impact", places)
    return places


def _past_copy(
    session: Session, model: TrainingSession, now: datetime, tz: ZoneInfo, n: int
) -> TrainingSession:
    """A session like `model` that took place PAST_DAYS[n] days ago (09:00, Paris)."""
    day = (now - timedelta(days=PAST_DAYS[n])).astimezone(tz).date()
    starts = datetime.combine(day, time(9, 0), tzinfo=tz)
    copy = TrainingSession(
        external_id=f"demo-past-{n + 1}",
        title=model.title,
        organisation_id=model.organisation_id,
        space_id=model.space_id,
        starts_at=starts,
        ends_at=starts + (model.ends_at - model.starts_at),
        seats=model.seats,
        topics=model.topics,
        format=model.format,
        description=model.description,
    )
    session.add(copy)
    session.flush()
    return copy


def _enrol_neighbours(
    session: Session, training: TrainingSession, gazetteer: Gazetteer, *, count: int
) -> int:
    """`count` new learners enrolled, from villages 5 to 30 km from the space; in every
    third session the last one has no home town (counted apart by /impact)."""
    space = session.get(Space, training.space_id)
    assert space is not None and training.id is not None
    villages = sorted(
        c.insee
        for c in gazetteer.communes
        if c.population < 5_000
        and 5 <= haversine_km(space.latitude, space.longitude, c.latitude, c.longitude) <= 30
    )
    count = min(count, training.seats - training.seats_taken)
    first = FIRST_LEARNER_ID + (session.scalar(select(func.count(col(User.id)))) or 0)
    for n in range(count):
        unknown = n == count - 1 and training.id % 3 == 0
        home = (
            None
            if unknown or not villages
            else villages[(training.id * 13 + n * 29) % len(villages)]
        )
        user_id = first + n
        session.add(User(id=user_id, first_name=NAMES[user_id % len(NAMES)], home_insee=home))
        session.flush()
        session.add(
            Enrolment(session_id=training.id, user_id=user_id, status=EnrolmentStatus.ENROLLED)
        )
    training.seats_taken += count
    return count
