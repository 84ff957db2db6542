"""Tutors as people: the Tutor row behind a Telegram user who was granted the tutor role.

A tutor invite grants the role (`bot.roles.redeem_invite`); the Tutor row, which slots and
appointments hang on, is made here: at redemption (`ensure_tutor`) or, for a tutor who got the
role some other way, on their first use of a tutor command (`tutor_id_for`).
"""

from __future__ import annotations

import logging

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from bot.db import unit_of_work
from bot.models import Role, RoleGrant, Tutor
from bot.observability.logs import user_ref

logger = logging.getLogger(__name__)

MAX_NAME = 200


def ensure_tutor(engine: Engine, *, user_id: int, name: str, organisation_id: int | None) -> int:
    """The id of this user's Tutor row, created (or reactivated) if needed. Idempotent, and
    safe when two updates race: the unique user_id lets one insert win, the other reads it."""
    name = (name.strip() or str(user_id))[:MAX_NAME]
    for _ in (1, 2):
        try:
            with unit_of_work(engine) as session:
                tutor = session.scalars(select(Tutor).where(col(Tutor.user_id) == user_id)).first()
                if tutor is not None:
                    if not tutor.active:
                        session.execute(
                            update(Tutor).where(col(Tutor.id) == tutor.id).values(active=True)
                        )
                    return tutor.id  # type: ignore[return-value]  # a stored row's id is set (None only before flush)
                tutor = Tutor(name=name, organisation_id=organisation_id, user_id=user_id)
                session.add(tutor)
                session.flush()
                logger.info("%s is now tutor %s", user_ref(user_id), tutor.id)
                return tutor.id  # type: ignore[return-value]  # a stored row's id is set (None only before flush)
        except IntegrityError:
            continue  # a concurrent insert for the same user: read it on the second pass
    raise RuntimeError(f"could not create the tutor of user {user_id}")


def tutor_id_for(engine: Engine, *, user_id: int, name: str) -> int | None:
    """The active tutor linked to this user; created from their tutor role grant when they
    have the role but no Tutor row yet; None when they are not a tutor."""
    with unit_of_work(engine) as session:
        tutor = session.scalars(select(Tutor).where(col(Tutor.user_id) == user_id)).first()
        if tutor is not None:
            return tutor.id if tutor.active else None
        grant = session.scalars(
            select(RoleGrant)
            .where(col(RoleGrant.user_id) == user_id, col(RoleGrant.role) == Role.TUTOR)
            .order_by(col(RoleGrant.id))
        ).first()
        if grant is None:
            return None
        organisation_id = grant.organisation_id
    return ensure_tutor(engine, user_id=user_id, name=name, organisation_id=organisation_id)
