"""Small builders for database rows used across tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.models import Organisation, Space, TrainingSession, User

_ids = count(1)


def add_user(engine: Engine, user_id: int, *, name: str = "Learner", language: str = "fr") -> int:
    with Session(engine) as session:
        if session.get(User, user_id) is None:
            session.add(User(id=user_id, first_name=name, language=language))
            session.commit()
    return user_id


def add_space(
    engine: Engine,
    *,
    name: str = "Relais d'Entreprises de Ploërmel",
    city: str = "Ploërmel",
    latitude: float = 47.932,
    longitude: float = -2.398,
    external_id: str | None = None,
) -> int:
    with Session(engine) as session:
        space = Space(
            external_id=external_id or f"SP{next(_ids)}",
            name=name,
            city=city,
            postcode="56800",
            address="1 rue de la Gare",
            latitude=latitude,
            longitude=longitude,
        )
        session.add(space)
        session.commit()
        return space.id  # type: ignore[return-value]


def add_session(
    engine: Engine,
    *,
    now: datetime,
    seats: int = 10,
    seats_taken: int = 0,
    starts_in: timedelta = timedelta(days=7),
    title: str = "Excel initiation",
    organisation: str = "Bureautique & Vous",
    space_id: int | None = None,
    status: str = "scheduled",
) -> int:
    space_id = space_id or add_space(engine)
    with Session(engine) as session:
        org = session.exec(select(Organisation).where(Organisation.name == organisation)).first()
        if org is None:
            org = Organisation(name=organisation)
            session.add(org)
            session.flush()
        training = TrainingSession(
            external_id=f"S{next(_ids)}",
            title=title,
            organisation_id=org.id,
            space_id=space_id,
            starts_at=now + starts_in,
            ends_at=now + starts_in + timedelta(hours=3),
            seats=seats,
            seats_taken=seats_taken,
            status=status,
        )
        session.add(training)
        session.commit()
        return training.id  # type: ignore[return-value]
