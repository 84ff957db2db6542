"""The reminder this package plans itself: the day before a training session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from bot.db import unit_of_work
from bot.models import Enrolment, EnrolmentStatus, SessionStatus, Space, TrainingSession
from bot.reminders.quiet import PARIS
from bot.reminders.rows import ReminderView, schedule

SESSION_DAY_BEFORE = "session_day_before"


@dataclass(frozen=True, slots=True)
class SessionBrief:
    """What the "tomorrow" reminder says about a session and where it takes place."""

    title: str
    starts_at: datetime
    cancelled: bool
    enrolled: bool  # the recipient still holds a seat
    place: str
    address: str  # street, postcode and town on one line
    latitude: float
    longitude: float
    undecided: bool = False  # a session to confirm not confirmed yet (`bot.confirmation`)


def session_brief(engine: Engine, *, session_id: int, user_id: int) -> SessionBrief | None:
    """The session, its space and whether `user_id` is still enrolled (None if it is gone)."""
    with unit_of_work(engine) as session:
        training = session.get(TrainingSession, session_id)
        if training is None:
            return None
        space = session.get(Space, training.space_id)
        if space is None:
            return None
        enrolled = session.scalars(
            select(col(Enrolment.id)).where(
                col(Enrolment.session_id) == session_id,
                col(Enrolment.user_id) == user_id,
                col(Enrolment.status) == EnrolmentStatus.ENROLLED,
            )
        ).first()
        town = " ".join(part for part in (space.postcode, space.city) if part)
        address = ", ".join(part for part in (space.address, town) if part) or space.name
        return SessionBrief(
            title=training.title,
            starts_at=training.starts_at,
            cancelled=training.status == SessionStatus.CANCELLED,
            enrolled=enrolled is not None,
            place=space.name,
            address=address,
            latitude=space.latitude,
            longitude=space.longitude,
            undecided=training.to_confirm,
        )


def schedule_session_day_before(
    engine: Engine,
    *,
    session_id: int,
    now: datetime,
    user_id: int | None = None,
    tz: ZoneInfo = PARIS,
) -> list[ReminderView]:
    """Plan the "tomorrow" reminder (start minus 24 h, quiet hours respected) for the enrolled
    learners of a session, or only for `user_id`; call it on enrolment and when a session
    moves. Returns the reminders planned (none once the session has started)."""
    with unit_of_work(engine) as session:
        training = session.get(TrainingSession, session_id)
        if training is None:
            return []
        starts_at = training.starts_at
        query = select(col(Enrolment.user_id)).where(
            col(Enrolment.session_id) == session_id,
            col(Enrolment.status) == EnrolmentStatus.ENROLLED,
        )
        if user_id is not None:
            query = query.where(col(Enrolment.user_id) == user_id)
        learners = list(session.scalars(query))
    planned = []
    for learner in learners:
        view = schedule(
            engine,
            kind=SESSION_DAY_BEFORE,
            recipient_id=learner,
            due_at=starts_at - timedelta(hours=24),
            deadline_at=starts_at,
            dedupe_key=f"{SESSION_DAY_BEFORE}:{session_id}:{learner}",
            session_id=session_id,
            now=now,
            tz=tz,
        )
        if view is not None:
            planned.append(view)
    return planned


@dataclass(frozen=True, slots=True)
class Promise:
    """What an enrolment's confirmation may promise about its reminder, read from the rows
    actually planned: "at" a time, "now" (due already: it goes out at once), or "none"."""

    kind: str
    at: datetime | None = None


def reminder_promise(planned: list[ReminderView], *, now: datetime) -> Promise:
    """The promise of the learner's day-before reminder (its row moved by quiet hours, or
    none at all when the session starts too soon to be worth one)."""
    due = [view.due_at for view in planned if view.kind == SESSION_DAY_BEFORE]
    if not due:
        return Promise("none")
    when = min(due)
    return Promise("now") if when <= now else Promise("at", when)
