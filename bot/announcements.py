"""Who must hear about a data load: learners of changed sessions, and matching alerts.

Domain only: returns plain announcements; the Telegram side renders and sends them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from bot.alerts import matches_for_new_sessions
from bot.db import unit_of_work
from bot.gazetteer import Gazetteer
from bot.models import Alert, Enrolment, EnrolmentStatus, TrainingSession, User
from bot.search.docs import load_docs

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Announcement:
    """One message to one person about one session."""

    user_id: int
    language: str
    kind: str  # "moved" | "rescheduled" | "cancelled" | "alert"
    session_id: int
    alert_query: str | None = None
    alert_id: int | None = None


def import_announcements(
    engine: Engine,
    *,
    changed: list[tuple[int, str]],
    created_external_ids: list[str],
    gazetteer: Gazetteer,
    now: datetime,
    tz: ZoneInfo,
) -> list[Announcement]:
    """Messages a load calls for: changes to enrolled and waiting learners, new sessions to
    the owners of matching alerts (one per alert and course). Alerts matching a new session
    to confirm come first: their owners are the likeliest to make it happen."""
    found = _change_announcements(engine, changed)
    created = set(created_external_ids)
    if created:
        found.extend(_alert_announcements(engine, created, gazetteer=gazetteer, now=now, tz=tz))
        undecided = _to_confirm(engine, {a.session_id for a in found if a.kind == "alert"})
        # sorted() is stable: the rest keep their order.
        found.sort(key=lambda a: not (a.kind == "alert" and a.session_id in undecided))
    logger.info("a load calls for %d announcements", len(found))
    return found


def _to_confirm(engine: Engine, session_ids: set[int]) -> set[int]:
    """Those of the sessions that wait for their minimum of participants."""
    if not session_ids:
        return set()
    with unit_of_work(engine) as session:
        return set(
            session.scalars(
                select(col(TrainingSession.id)).where(
                    col(TrainingSession.id).in_(session_ids),
                    col(TrainingSession.min_participants).is_not(None),
                    col(TrainingSession.confirmed_at).is_(None),
                )
            )
        )


def _change_announcements(engine: Engine, changed: list[tuple[int, str]]) -> list[Announcement]:
    """One message per active enrolled or waiting learner of each changed session."""
    found: list[Announcement] = []
    with unit_of_work(engine) as session:
        for session_id, kind in changed:
            rows = session.execute(
                select(col(User.id), col(User.language))
                .join(Enrolment, col(Enrolment.user_id) == col(User.id))
                .where(
                    col(Enrolment.session_id) == session_id,
                    col(Enrolment.status) != EnrolmentStatus.CANCELLED,
                    col(User.is_active).is_(True),
                )
            ).all()
            found.extend(Announcement(uid, lang, kind, session_id) for uid, lang in rows)
    return found


def _alert_announcements(
    engine: Engine, created: set[str], *, gazetteer: Gazetteer, now: datetime, tz: ZoneInfo
) -> list[Announcement]:
    """One message per active alert owner and new session their alerts match."""
    new_docs = [doc for doc in load_docs(engine, now=now) if doc.external_id in created]
    matches = matches_for_new_sessions(
        engine, new_sessions=new_docs, gazetteer=gazetteer, now=now, tz=tz
    )
    if not matches:
        return []
    with unit_of_work(engine) as session:
        people = dict(
            session.execute(
                select(col(User.id), col(User.language)).where(
                    col(User.id).in_({m.user_id for m in matches}), col(User.is_active).is_(True)
                )
            ).all()
        )
        queries = dict(
            session.execute(
                select(col(Alert.id), col(Alert.query)).where(
                    col(Alert.id).in_({m.alert_id for m in matches})
                )
            ).all()
        )
    found: list[Announcement] = []
    told: set[tuple[int, int]] = set()
    for m in matches:
        # Two alerts of one learner can match the same session: one message is enough.
        if m.user_id not in people or (m.user_id, m.session_id) in told:
            continue
        told.add((m.user_id, m.session_id))
        found.append(
            Announcement(
                m.user_id,
                people[m.user_id],
                "alert",
                m.session_id,
                alert_query=queries.get(m.alert_id),
                alert_id=m.alert_id,
            )
        )
    return found
