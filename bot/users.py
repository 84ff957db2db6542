"""Users: first contact, language, roles, and forgetting everything about someone."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from bot import chat_state
from bot.clock import Clock
from bot.companies.answers import forget_requester
from bot.db import reading, unit_of_work
from bot.enrolment import Cancelled, cancel
from bot.i18n import LANGUAGES
from bot.mentoring.moves import Cancelled as AppointmentCancelled
from bot.mentoring.moves import cancel as cancel_appointment
from bot.mentoring.views import HOLDING
from bot.models import (
    Alert,
    Appointment,
    AuditEntry,
    AvailabilitySlot,
    Enrolment,
    EnrolmentStatus,
    ImportUpload,
    Reminder,
    RoleGrant,
    Tutor,
    User,
)

logger = logging.getLogger(__name__)

# `last_seen_at` is kept to this precision: within it, a message from a known person whose
# names did not change writes nothing (one write transaction less on most updates).
SEEN_PRECISION = timedelta(minutes=10)


class UnknownLanguage(ValueError):
    """The language is not one the bot speaks."""


@dataclass(frozen=True, slots=True)
class UserProfile:
    """What handlers need to know about the person they answer."""

    id: int
    first_name: str
    language: str
    home_insee: str | None
    roles: frozenset[str]
    is_new: bool


def _without_nul(text: str | None) -> str | None:
    """The text without NUL characters (None stays None)."""
    return text.replace("\x00", "") if text is not None else None


def touch_user(
    engine: Engine,
    *,
    user_id: int,
    first_name: str,
    last_name: str | None,
    username: str | None,
    language: str,
    clock: Clock,
) -> UserProfile:
    """Record that the user wrote: created at first contact (with `language`), else refreshed.

    The stored language wins over Telegram's after first contact: the user may have changed it.
    Names lose any NUL character (PostgreSQL refuses them in text).
    """
    first_name, last_name, username = (
        _without_nul(first_name) or "?",
        _without_nul(last_name),
        _without_nul(username),
    )
    now = clock.now()
    with reading(engine) as session:  # most updates: a known person, nothing to write
        user = session.get(User, user_id)
        if user is not None and _unchanged(user, first_name, last_name, username, now):
            return _profile(session, user, is_new=False)
    with unit_of_work(engine) as session:
        user = session.get(User, user_id)
        is_new = user is None
        if user is None:
            user = User(
                id=user_id,
                first_name=first_name,
                last_name=last_name,
                username=username,
                language=language,
                created_at=now,
                last_seen_at=now,
            )
            session.add(user)
            logger.info("new user")  # which one: the update context (bot/observability/logs.py)
        else:
            user.first_name = first_name
            user.last_name = last_name
            user.username = username
            user.last_seen_at = now
            user.is_active = True  # they wrote to us, so they no longer block the bot
            if user.language not in LANGUAGES:
                # Created by an admin's file before they ever wrote: now we know.
                user.language = language
        session.flush()
        return _profile(session, user, is_new=is_new)


def _unchanged(
    user: User, first_name: str, last_name: str | None, username: str | None, now: datetime
) -> bool:
    """Nothing to write: same names, active, language known, seen within SEEN_PRECISION."""
    return (
        (user.first_name, user.last_name, user.username) == (first_name, last_name, username)
        and user.is_active
        and user.language in LANGUAGES
        and now - user.last_seen_at < SEEN_PRECISION
    )


def _profile(session: Session, user: User, *, is_new: bool) -> UserProfile:
    roles = frozenset(
        session.scalars(select(col(RoleGrant.role)).where(col(RoleGrant.user_id) == user.id))
    )
    return UserProfile(
        id=user.id,
        first_name=user.first_name,
        language=user.language,
        home_insee=user.home_insee,
        roles=roles,
        is_new=is_new,
    )


def set_language(engine: Engine, *, user_id: int, language: str) -> None:
    """Change the language the bot answers this user in (their choice: no guess replaces it)."""
    if language not in LANGUAGES:
        raise UnknownLanguage(language)
    with unit_of_work(engine) as session:
        session.execute(
            update(User)
            .where(col(User.id) == user_id)
            .values(language=language, language_chosen=True)
        )


def adopt_guessed_language(engine: Engine, *, user_id: int, language: str) -> bool:
    """Answer in the language guessed from what the user wrote, unless they chose one with
    /langue (guarded in the statement itself). True when the language changed."""
    if language not in LANGUAGES:
        raise UnknownLanguage(language)
    with unit_of_work(engine) as session:
        changed = session.execute(
            update(User)
            .where(
                col(User.id) == user_id,
                col(User.language_chosen).is_(False),
                col(User.language) != language,
            )
            .values(language=language)
        )
        return bool(changed.rowcount)  # type: ignore[attr-defined]


def mark_inactive(engine: Engine, *, user_id: int) -> None:
    """The user blocked the bot: stop sending them anything until they write again."""
    with unit_of_work(engine) as session:
        session.execute(update(User).where(col(User.id) == user_id).values(is_active=False))


@dataclass(frozen=True, slots=True)
class Forgotten:
    """What forgetting someone cancelled, for the people who must hear of it."""

    enrolments: list[Cancelled]
    appointments: list[AppointmentCancelled]


def forget_user(engine: Engine, *, user_id: int, now: datetime) -> Forgotten | None:
    """Delete everything stored about a user; None when there was nothing to delete.

    Their seats and appointments are cancelled first like any cancellation, so the next
    learner waiting is offered each seat and each tutor's slot is free again.
    """
    with unit_of_work(engine) as session:
        if session.get(User, user_id) is None:
            return None
        active = session.scalars(
            select(col(Enrolment.id)).where(
                col(Enrolment.user_id) == user_id,
                col(Enrolment.status) != EnrolmentStatus.CANCELLED,
            )
        ).all()
        booked = session.scalars(
            select(col(Appointment.id))
            .join(AvailabilitySlot, col(AvailabilitySlot.id) == col(Appointment.slot_id))
            .where(
                col(Appointment.learner_id) == user_id,
                col(Appointment.status).in_(HOLDING),
                col(AvailabilitySlot.starts_at) > now,
            )
        ).all()
    # Stored rows' ids are never None (the models' `int | None` is for rows not yet added).
    outcomes = Forgotten(
        enrolments=[
            cancel(engine, enrolment_id=enrolment_id, user_id=user_id, now=now)
            for enrolment_id in cast("Sequence[int]", active)
        ],
        appointments=[
            cancel_appointment(engine, appointment_id=appointment_id, by_user_id=user_id, now=now)
            for appointment_id in cast("Sequence[int]", booked)
        ],
    )
    with unit_of_work(engine) as session:
        appointment_ids = select(col(Appointment.id)).where(col(Appointment.learner_id) == user_id)
        session.execute(delete(Reminder).where(col(Reminder.appointment_id).in_(appointment_ids)))
        session.execute(delete(Reminder).where(col(Reminder.recipient_id) == user_id))
        session.execute(delete(Appointment).where(col(Appointment.learner_id) == user_id))
        session.execute(delete(Enrolment).where(col(Enrolment.user_id) == user_id))
        session.execute(delete(Alert).where(col(Alert.user_id) == user_id))
        session.execute(delete(RoleGrant).where(col(RoleGrant.user_id) == user_id))
        session.execute(update(Tutor).where(col(Tutor.user_id) == user_id).values(user_id=None))
        session.execute(delete(ImportUpload).where(col(ImportUpload.user_id) == user_id))
        chat_state.forget_user(session, user_id=user_id)
        forget_requester(session, user_id=user_id)  # company requests and relayed messages
        session.execute(delete(User).where(col(User.id) == user_id))
        session.add(
            AuditEntry(at=now, actor_id=user_id, action="forget", detail="user data deleted")
        )
    logger.info("a user deleted their data")  # not naming whom: they asked to be forgotten
    return outcomes


def language_of(engine: Engine, *, user_id: int, default: str = "fr") -> str:
    """The language to write to a user in (the default when unknown)."""
    with unit_of_work(engine) as session:
        user = session.get(User, user_id)
        return user.language if user is not None else default


def display_name(engine: Engine, *, user_id: int) -> str:
    """First and last name, as stored."""
    with unit_of_work(engine) as session:
        user = session.get(User, user_id)
        if user is None:
            return str(user_id)
        return " ".join(part for part in (user.first_name, user.last_name) if part)


def set_home(engine: Engine, *, user_id: int, insee: str | None) -> None:
    """Remember (or forget, with None) the learner's home commune, by INSEE code."""
    with unit_of_work(engine) as session:
        session.execute(update(User).where(col(User.id) == user_id).values(home_insee=insee))


def home_of(engine: Engine, *, user_id: int) -> str | None:
    """The learner's home commune (INSEE code), if they gave one."""
    with unit_of_work(engine) as session:
        user = session.get(User, user_id)
        return None if user is None else user.home_insee
