"""Saved searches: a learner is told when an import adds a matching session near them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from bot.db import rowcount, unit_of_work
from bot.errors import DomainError, Refusal
from bot.gazetteer import Gazetteer
from bot.models import Alert
from bot.search.docs import SessionDoc
from bot.search.index import SearchIndex
from bot.search.query import Place, parse_request
from bot.search.service import search

logger = logging.getLogger(__name__)

MAX_ALERTS = 10


class AlertError(DomainError):
    """Base of the expected failures of alerts."""


class TooManyAlerts(AlertError):
    """The learner already has the maximum number of alerts."""

    def refusal(self) -> Refusal:
        return Refusal("alerts.too_many", {"max": MAX_ALERTS})


class NotYourAlert(AlertError):
    """No such alert among the learner's."""

    key = "alerts.not_yours"


@dataclass(frozen=True, slots=True)
class AlertView:
    id: int
    query: str
    place_label: str
    radius_km: int
    topic: str = ""

    @property
    def label(self) -> str:
        """What the alert is about, as its confirmation said ("Excel"), else its words."""
        return self.topic or self.query


@dataclass(frozen=True, slots=True)
class AlertMatch:
    alert_id: int
    user_id: int
    session_id: int


def save_alert(
    engine: Engine,
    *,
    user_id: int,
    query: str,
    place: Place,
    radius_km: int,
    now: datetime,
    topic: str = "",
) -> AlertView:
    """Save a search to be alerted about; the same one twice is kept once. ``topic``: what
    the confirmation names ("Excel"), shown later instead of the whole sentence."""
    query = " ".join(query.split())[:300]
    topic = " ".join(topic.split())[:200]
    with unit_of_work(engine) as session:
        existing = session.scalars(
            select(Alert).where(
                col(Alert.user_id) == user_id,
                col(Alert.query) == query,
                col(Alert.place_label) == place.label,
            )
        ).first()
        if existing is not None:
            existing.radius_km = max(existing.radius_km, radius_km)
            existing.topic = existing.topic or topic
            return _view(existing)
        count = session.scalar(select(func.count()).where(col(Alert.user_id) == user_id))
        if (count or 0) >= MAX_ALERTS:
            raise TooManyAlerts(user_id)
        alert = Alert(
            user_id=user_id,
            query=query,
            topic=topic,
            latitude=place.latitude,
            longitude=place.longitude,
            place_label=place.label[:200],
            radius_km=radius_km,
            created_at=now,
        )
        session.add(alert)
        session.flush()
        return _view(alert)


def list_alerts(engine: Engine, *, user_id: int) -> list[AlertView]:
    """The learner's alerts, oldest first."""
    with unit_of_work(engine) as session:
        rows = session.scalars(
            select(Alert)
            .where(col(Alert.user_id) == user_id)
            .order_by(col(Alert.created_at), col(Alert.id))
        ).all()
        return [_view(row) for row in rows]


def delete_alert(engine: Engine, *, alert_id: int, user_id: int) -> None:
    """Delete one of the learner's own alerts."""
    with unit_of_work(engine) as session:
        gone = session.execute(
            delete(Alert).where(col(Alert.id) == alert_id, col(Alert.user_id) == user_id)
        )
        if rowcount(gone) != 1:
            raise NotYourAlert(alert_id)


def matches_for_new_sessions(
    engine: Engine,
    *,
    new_sessions: list[SessionDoc],
    gazetteer: Gazetteer,
    now: datetime,
    tz: ZoneInfo,
) -> list[AlertMatch]:
    """Which alerts the newly added sessions answer (same matcher and radius as the chat)."""
    if not new_sessions:
        return []
    index = SearchIndex(new_sessions)
    with unit_of_work(engine) as session:
        alerts = session.scalars(select(Alert)).all()
    found: list[AlertMatch] = []
    for alert in alerts:
        request = parse_request(alert.query, now=now, tz=tz, gazetteer=gazetteer)
        place = Place.from_point(alert.latitude, alert.longitude, alert.place_label)
        outcome = search(
            index,
            request.with_place(place),
            now=now,
            radius_km=alert.radius_km,
            widen=False,
        )
        for result in outcome.results:
            found.append(AlertMatch(alert.id, alert.user_id, result.session.id))  # type: ignore[arg-type]  # a stored row's id is set (None only before flush)
            # Other dates of the same course were collapsed: one message per course is enough.
    return found


def _view(alert: Alert) -> AlertView:
    return AlertView(
        id=alert.id,  # type: ignore[arg-type]  # a stored row's id is set (None only before flush)
        query=alert.query,
        place_label=alert.place_label,
        radius_km=alert.radius_km,
        topic=alert.topic,
    )


def alert_dedupe_key(*, alert_id: int, user_id: int, session_id: int) -> str:
    """The notice key of an alert match (a load announces each session once per learner)."""
    return f"alert:{user_id}:{session_id}:{alert_id}"


def alert_label(engine: Engine, *, dedupe_key: str) -> str | None:
    """What the alert a notice key refers to is about (None once the alert is deleted)."""
    try:
        alert_id = int(dedupe_key.rsplit(":", 1)[-1])
    except ValueError:
        return None
    with unit_of_work(engine) as session:
        alert = session.get(Alert, alert_id)
        return None if alert is None else _view(alert).label
