"""Where a company request goes: the organisations that teach its topic (from their sessions'
titles and topics, read with the topic table) and hold sessions in a space within
`REACH_KM` of the town. The request is stored with one route per organisation, unique on
(request, organisation), so nothing reaches an organisation twice.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from bot.companies.drafts import Draft
from bot.companies.errors import TooManyRequests
from bot.companies.tables import CompanyRequest, CompanyRoute
from bot.db import unit_of_work
from bot.geo import haversine_km
from bot.models import Organisation, Role, RoleGrant, SessionStatus, Space, TrainingSession
from bot.search.topics import TopicTable, default_topics, words

# How far an organisation's space may be from the company's town (km, as the crow flies):
# a trainer drives to an intra-entreprise course, so farther than a learner would (30 km).
REACH_KM = 50.0
# Requests one person may file in 24 hours: each one reaches several organisations' admins.
MAX_PER_DAY = 5


@dataclass(frozen=True, slots=True)
class Route:
    """One organisation a request reached, and who administers it."""

    route_id: int
    organisation_id: int
    organisation: str
    distance_km: float
    admin_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Submitted:
    request_id: int
    routes: tuple[Route, ...]


def submit(engine: Engine, *, requester_id: int, draft: Draft, now: datetime) -> Submitted:
    """Store the request and route it; the draft must have a topic and a place."""
    if not draft.has_topic or draft.latitude is None or draft.longitude is None:
        raise ValueError("a company request needs a topic and a place")
    with unit_of_work(engine) as session:
        recent = session.scalar(
            select(func.count()).where(
                col(CompanyRequest.requester_id) == requester_id,
                col(CompanyRequest.created_at) > now - timedelta(days=1),
            )
        )
        if (recent or 0) >= MAX_PER_DAY:
            raise TooManyRequests(MAX_PER_DAY)
        request = CompanyRequest(
            requester_id=requester_id,
            concept_id=draft.concept_id,
            topic_text=draft.topic_text,
            head_count=draft.head_count,
            place_label=draft.place_label,
            insee=draft.insee,
            latitude=draft.latitude,
            longitude=draft.longitude,
            period_label=draft.period_label,
            period_start=_moment(draft.period_start),
            period_end=_moment(draft.period_end),
            contact=draft.contact,
            share_identity=draft.share_identity,
            created_at=now,
        )
        session.add(request)
        session.flush()
        assert request.id is not None
        found = teaching_nearby(
            session,
            concept_id=draft.concept_id,
            topic_text=draft.topic_text,
            latitude=draft.latitude,
            longitude=draft.longitude,
        )
        routes = []
        for org_id, (name, distance) in sorted(found.items(), key=lambda item: item[1][1]):
            route = CompanyRoute(
                request_id=request.id,
                organisation_id=org_id,
                distance_km=round(distance, 1),
                created_at=now,
            )
            session.add(route)
            session.flush()
            assert route.id is not None
            admins = admins_of(session, organisation_id=org_id)
            routes.append(Route(route.id, org_id, name, round(distance, 1), admins))
        return Submitted(request.id, tuple(routes))


def admins_of(session: Session, *, organisation_id: int) -> tuple[int, ...]:
    """The Telegram ids of the organisation's admins."""
    rows = session.scalars(
        select(col(RoleGrant.user_id)).where(
            col(RoleGrant.role) == Role.ORG_ADMIN,
            col(RoleGrant.organisation_id) == organisation_id,
        )
    )
    return tuple(sorted(set(rows)))


def teaching_nearby(
    session: Session,
    *,
    concept_id: str | None,
    topic_text: str,
    latitude: float,
    longitude: float,
    reach_km: float = REACH_KM,
    topics: TopicTable | None = None,
) -> dict[int, tuple[str, float]]:
    """organisation id → (name, distance of its nearest space) for the organisations that
    teach the topic and hold sessions within reach."""
    near = _organisations_within(session, latitude, longitude, reach_km)
    if not near:
        return {}
    # Each distinct course once: an organisation repeats the same title many times.
    courses = session.execute(
        select(
            col(TrainingSession.organisation_id),
            col(TrainingSession.title),
            col(TrainingSession.topics),
        )
        .where(
            col(TrainingSession.organisation_id).in_(sorted(near)),
            col(TrainingSession.status) == SessionStatus.SCHEDULED,
        )
        .distinct()
    )
    teaching = {
        org_id
        for org_id, title, course_topics in courses
        if teaches(f"{title} {course_topics.replace(';', ' ')}", concept_id, topic_text, topics)
    }
    names = dict(
        session.execute(
            select(col(Organisation.id), col(Organisation.name)).where(
                col(Organisation.id).in_(sorted(teaching))
            )
        ).all()
    )
    return {org_id: (names[org_id], near[org_id]) for org_id in teaching if org_id in names}


def teaches(
    course_text: str, concept_id: str | None, topic_text: str, topics: TopicTable | None = None
) -> bool:
    """Whether a course (title and topics) is about the requested topic: a concept or a
    narrower one named in it, or (no concept known) every word of the topic in it."""
    table = topics or default_topics()
    tokens = words(course_text)
    if concept_id is not None and concept_id in table.concepts:
        return bool(table.concepts_in(tokens) & table.closure(concept_id))
    wanted = set(words(topic_text))
    return bool(wanted) and wanted <= set(tokens)


def _organisations_within(
    session: Session, latitude: float, longitude: float, reach_km: float
) -> dict[int, float]:
    """organisation id → distance of its nearest space with a scheduled session in reach."""
    dlat = reach_km / 111.0
    dlon = reach_km / (111.0 * max(0.1, math.cos(math.radians(latitude))))
    rows = session.execute(
        select(col(TrainingSession.organisation_id), col(Space.latitude), col(Space.longitude))
        .join(Space, col(Space.id) == col(TrainingSession.space_id))
        .where(
            col(TrainingSession.status) == SessionStatus.SCHEDULED,
            col(Space.latitude).between(latitude - dlat, latitude + dlat),
            col(Space.longitude).between(longitude - dlon, longitude + dlon),
        )
        .distinct()
    )
    nearest = _nearest(
        (org_id, haversine_km(latitude, longitude, lat, lon)) for org_id, lat, lon in rows
    )
    return {org_id: distance for org_id, distance in nearest.items() if distance <= reach_km}


def _nearest(pairs: Iterable[tuple[int, float]]) -> dict[int, float]:
    best: dict[int, float] = {}
    for org_id, distance in pairs:
        best[org_id] = min(distance, best.get(org_id, distance))
    return best


def _moment(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso) if iso else None
