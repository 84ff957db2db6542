"""What learners see of sessions: cards (with where the reader stands), their enrolments,
other dates of a course. What admins see (who is enrolled) is in `bot.rosters`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlmodel import col

from bot.confirmation import ToConfirm, to_confirm_of
from bot.db import reading
from bot.enrolment import NotYourEnrolment
from bot.gazetteer import is_petite_ville_de_demain
from bot.geo import haversine_km
from bot.joining import is_open, still_open
from bot.models import (
    Enrolment,
    EnrolmentStatus,
    Organisation,
    SessionStatus,
    Space,
    TrainingSession,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SessionCard:
    """Everything a learner needs to decide, in plain values."""

    id: int
    external_id: str
    title: str
    organisation: str
    starts_at: datetime
    ends_at: datetime
    modality: str
    format: str
    price_eur: float | None
    cpf: bool
    description: str
    url: str | None
    seats: int
    seats_left: int
    cancelled: bool
    past: bool
    space_name: str
    address: str
    postcode: str
    city: str
    latitude: float
    longitude: float
    accessible: bool | None
    pvd: bool = False  # the space is in one of the Petites Villes de Demain
    times_known: bool = True  # False: the file gave days only (shown without times)
    permanent_entry: bool = False  # join any day until `ends_at`
    open_end: bool = False  # permanent entry without an end date (`ends_at`: the horizon)
    hours: float | None = None  # total hours of the course
    learner: LearnerSeat | None = None  # the reader's own enrolment, when they have one
    to_confirm: ToConfirm | None = None  # waiting for its minimum of participants

    @property
    def bookable(self) -> bool:
        return not self.cancelled and not self.past


@dataclass(frozen=True, slots=True)
class LearnerSeat:
    """Where the reader stands on a session: enrolled, waiting (at a position) or offered."""

    enrolment_id: int
    status: str
    position: int = 0  # on the waitlist; 0 otherwise
    offer_expires_at: datetime | None = None


def session_card(
    engine: Engine, *, session_id: int, now: datetime, user_id: int | None = None
) -> SessionCard | None:
    """The card of a session (None when it does not exist), with where `user_id` stands."""
    with reading(engine) as session:
        row = session.execute(
            select(TrainingSession, Space, col(Organisation.name))
            .join(Space, col(TrainingSession.space_id) == col(Space.id))
            .join(Organisation, col(TrainingSession.organisation_id) == col(Organisation.id))
            .where(col(TrainingSession.id) == session_id)
        ).first()
        learner = _learner_seat(session, session_id, user_id) if user_id else None
    if row is None:
        return None
    training, space, organisation = row
    return SessionCard(
        id=training.id,
        external_id=training.external_id,
        title=training.title,
        organisation=organisation,
        starts_at=training.starts_at,
        ends_at=training.ends_at,
        modality=training.modality,
        format=training.format,
        price_eur=training.price_eur,
        cpf=training.cpf,
        description=training.description,
        url=training.url,
        seats=training.seats,
        seats_left=max(training.seats - training.seats_taken, 0),
        cancelled=training.status == SessionStatus.CANCELLED,
        # Permanent entry: open until its end, like search, enrolment and waitlist offers.
        past=not is_open(training, now),
        space_name=space.name,
        address=space.address,
        postcode=space.postcode,
        city=space.city,
        latitude=space.latitude,
        longitude=space.longitude,
        accessible=space.accessible,
        pvd=is_petite_ville_de_demain(space.insee),
        times_known=training.times_known,
        permanent_entry=training.permanent_entry,
        open_end=training.open_end,
        hours=training.hours,
        learner=learner,
        to_confirm=to_confirm_of(training),
    )


def _learner_seat(session: Session, session_id: int, user_id: int) -> LearnerSeat | None:
    enrolment = session.scalars(
        select(Enrolment).where(
            col(Enrolment.session_id) == session_id,
            col(Enrolment.user_id) == user_id,
            col(Enrolment.status) != EnrolmentStatus.CANCELLED,
        )
    ).first()
    if enrolment is None or enrolment.id is None:
        return None
    waiting = enrolment.status == EnrolmentStatus.WAITING
    return LearnerSeat(
        enrolment_id=enrolment.id,
        status=enrolment.status,
        position=_waitlist_position(session, enrolment) if waiting else 0,
        offer_expires_at=enrolment.offer_expires_at,
    )


@dataclass(frozen=True, slots=True)
class MyEnrolment:
    enrolment_id: int
    session_id: int
    title: str
    city: str
    starts_at: datetime
    status: str
    offer_expires_at: datetime | None
    position: int  # on the waitlist; 0 otherwise


def my_enrolments(engine: Engine, *, user_id: int, now: datetime) -> list[MyEnrolment]:
    """The learner's upcoming enrolments, offers and waitlist places, soonest first.

    Two short reads, the learner's enrolments (by user) then their sessions (by id): joined in
    one query, a planner may start from every scheduled session instead.
    """
    with reading(engine) as session:
        enrolments = {
            e.session_id: e
            for e in session.scalars(
                select(Enrolment).where(
                    col(Enrolment.user_id) == user_id,
                    col(Enrolment.status) != EnrolmentStatus.CANCELLED,
                )
            )
        }
        if not enrolments:
            return []
        rows = session.execute(
            select(
                col(TrainingSession.id),
                col(TrainingSession.title),
                col(TrainingSession.starts_at),
                col(Space.city),
            )
            .join(Space, col(TrainingSession.space_id) == col(Space.id))
            .where(
                col(TrainingSession.id).in_(sorted(enrolments)),
                col(TrainingSession.status) == SessionStatus.SCHEDULED,
                col(TrainingSession.ends_at) > now,
            )
            .order_by(col(TrainingSession.starts_at), col(TrainingSession.id))
        ).all()
        result = []
        for session_id, title, starts_at, city in rows:
            enrolment = enrolments[session_id]
            position = 0
            if enrolment.status == EnrolmentStatus.WAITING:
                position = _waitlist_position(session, enrolment)
            result.append(
                MyEnrolment(
                    enrolment_id=enrolment.id,  # type: ignore[arg-type]  # read from the database: it has an id
                    session_id=enrolment.session_id,
                    title=title,
                    city=city,
                    starts_at=starts_at,
                    status=enrolment.status,
                    offer_expires_at=enrolment.offer_expires_at,
                    position=position,
                )
            )
    return result


def _waitlist_position(session: Session, enrolment: Enrolment) -> int:
    """1 for the first waiting learner of the session, and so on."""
    ahead = session.scalars(
        select(col(Enrolment.id)).where(
            col(Enrolment.session_id) == enrolment.session_id,
            col(Enrolment.status) == EnrolmentStatus.WAITING,
            (col(Enrolment.created_at) < enrolment.created_at)
            | (
                (col(Enrolment.created_at) == enrolment.created_at)
                & (col(Enrolment.id) < enrolment.id)
            ),
        )
    ).all()
    return len(ahead) + 1


def enrolment_of(engine: Engine, *, enrolment_id: int, user_id: int) -> MyEnrolment:
    """One of the learner's own enrolments (NotYourEnrolment for anyone else's)."""
    with reading(engine) as session:
        row = session.execute(
            select(
                Enrolment,
                col(TrainingSession.title),
                col(TrainingSession.starts_at),
                col(Space.city),
            )
            .join(TrainingSession, col(Enrolment.session_id) == col(TrainingSession.id))
            .join(Space, col(TrainingSession.space_id) == col(Space.id))
            .where(col(Enrolment.id) == enrolment_id)
        ).first()
    if row is None or row[0].user_id != user_id:
        raise NotYourEnrolment(enrolment_id)
    enrolment, title, starts_at, city = row
    return MyEnrolment(
        enrolment_id=enrolment.id,
        session_id=enrolment.session_id,
        title=title,
        city=city,
        starts_at=starts_at,
        status=enrolment.status,
        offer_expires_at=enrolment.offer_expires_at,
        position=0,
    )


@dataclass(frozen=True, slots=True)
class OtherDate:
    session_id: int
    starts_at: datetime
    city: str
    seats_left: int
    distance_km: float | None = None  # from the reader's place, when it is known


NEAREST_AMONG = 500  # the soonest other dates sorted by distance (a course has a few dozen)


def other_dates(
    engine: Engine,
    *,
    session_id: int,
    now: datetime,
    limit: int = 12,
    near: tuple[float, float] | None = None,
) -> list[OtherDate]:
    """The same course (title and organisation) at other upcoming dates or places: soonest
    first, or nearest `near` (latitude, longitude) first, then soonest, with the distance.
    The result list shows one of them, the card leads to the others."""
    with reading(engine) as session:
        this = session.get(TrainingSession, session_id)
        if this is None:
            return []
        rows = session.execute(
            select(TrainingSession, col(Space.city), col(Space.latitude), col(Space.longitude))
            .join(Space, col(TrainingSession.space_id) == col(Space.id))
            .where(
                col(TrainingSession.title) == this.title,
                col(TrainingSession.organisation_id) == this.organisation_id,
                col(TrainingSession.id) != session_id,
                col(TrainingSession.status) == SessionStatus.SCHEDULED,
                still_open(now),
            )
            .order_by(col(TrainingSession.starts_at))
            .limit(limit if near is None else NEAREST_AMONG)
        ).all()
    found = [
        OtherDate(
            session_id=training.id,
            starts_at=training.starts_at,
            city=city,
            seats_left=max(training.seats - training.seats_taken, 0),
            distance_km=None if near is None else haversine_km(*near, latitude, longitude),
        )
        for training, city, latitude, longitude in rows
    ]
    found.sort(key=lambda item: (round(item.distance_km or 0.0), item.starts_at))
    return found[:limit]


def offer_of(engine: Engine, *, session_id: int, user_id: int) -> tuple[int, datetime] | None:
    """The seat currently offered to this learner for this session: (enrolment id, deadline)."""
    with reading(engine) as session:
        row = session.execute(
            select(col(Enrolment.id), col(Enrolment.offer_expires_at)).where(
                col(Enrolment.session_id) == session_id,
                col(Enrolment.user_id) == user_id,
                col(Enrolment.status) == EnrolmentStatus.OFFERED,
            )
        ).first()
    if row is None or row[1] is None:
        return None
    return row[0], row[1]
