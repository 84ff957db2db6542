"""What organisations see of company requests: the open ones, marking one answered, the
line for /demande, and forgetting a requester."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from bot.alerts import save_alert
from bot.companies.drafts import topic_label
from bot.companies.errors import NotYours, RequestGone
from bot.companies.tables import CompanyMessage, CompanyRequest, CompanyRequestStatus, CompanyRoute
from bot.db import reading, rowcount, unit_of_work
from bot.i18n import translator
from bot.models import Organisation, Role, RoleGrant, User
from bot.search.query import Place


@dataclass(frozen=True, slots=True)
class RouteView:
    """A request as one organisation received it, as plain values. The requester's name is
    filled only when the company agreed to share it."""

    route_id: int
    request_id: int
    organisation_id: int
    organisation: str
    requester_id: int
    requester_name: str | None
    concept_id: str | None
    topic_text: str
    head_count: int | None
    place_label: str
    period_label: str
    contact: str
    distance_km: float
    created_at: datetime
    answered_at: datetime | None
    closed_at: datetime | None
    request_open: bool

    @property
    def is_open(self) -> bool:
        return self.request_open and self.answered_at is None


def _views(session: Session, *conditions: object) -> list[RouteView]:
    rows = session.execute(
        select(CompanyRoute, CompanyRequest, col(Organisation.name), User)
        .join(CompanyRequest, col(CompanyRequest.id) == col(CompanyRoute.request_id))
        .join(Organisation, col(Organisation.id) == col(CompanyRoute.organisation_id))
        .join(User, col(User.id) == col(CompanyRequest.requester_id), isouter=True)
        .where(*conditions)  # type: ignore[arg-type]  # SQL expressions
        .order_by(col(CompanyRequest.created_at), col(CompanyRoute.id))
    ).all()
    return [_view(route, request, name, user) for route, request, name, user in rows]


def _view(
    route: CompanyRoute, request: CompanyRequest, organisation: str, user: User | None
) -> RouteView:
    name = None
    if request.share_identity and user is not None:
        name = " ".join(p for p in (user.first_name, user.last_name) if p)
        if user.username:
            name += f" (@{user.username})"
    return RouteView(
        route_id=route.id,  # type: ignore[arg-type]  # stored rows have ids
        request_id=request.id,  # type: ignore[arg-type]
        organisation_id=route.organisation_id,
        organisation=organisation,
        requester_id=request.requester_id,
        requester_name=name,
        concept_id=request.concept_id,
        topic_text=request.topic_text,
        head_count=request.head_count,
        place_label=request.place_label,
        period_label=request.period_label,
        contact=request.contact,
        distance_km=route.distance_km,
        created_at=request.created_at,
        answered_at=route.answered_at,
        closed_at=route.closed_at,
        request_open=request.status == CompanyRequestStatus.OPEN,
    )


def route_view(engine: Engine, *, route_id: int) -> RouteView | None:
    """One route, whatever its state; None when it is gone."""
    with reading(engine) as session:
        found = _views(session, col(CompanyRoute.id) == route_id)
        return found[0] if found else None


def _open(organisation_id: int) -> tuple[object, ...]:
    return (
        col(CompanyRoute.organisation_id) == organisation_id,
        col(CompanyRoute.answered_at).is_(None),
        col(CompanyRequest.status) == CompanyRequestStatus.OPEN,
    )


def open_requests_for(engine: Engine, *, organisation_id: int) -> list[RouteView]:
    """The requests an organisation received and has not marked answered, oldest first."""
    with reading(engine) as session:
        return _views(session, *_open(organisation_id))


def organisations_of(engine: Engine, *, user_id: int) -> list[tuple[int, str]]:
    """(id, name) of the organisations a user administers."""
    with reading(engine) as session:
        rows = session.execute(
            select(col(Organisation.id), col(Organisation.name))
            .join(RoleGrant, col(RoleGrant.organisation_id) == col(Organisation.id))
            .where(col(RoleGrant.user_id) == user_id, col(RoleGrant.role) == Role.ORG_ADMIN)
            .order_by(col(Organisation.name))
        ).all()
        return [(org_id, name) for org_id, name in rows]


def is_admin_of(session: Session, *, user_id: int, organisation_id: int) -> bool:
    found = session.scalar(
        select(func.count()).where(
            col(RoleGrant.user_id) == user_id,
            col(RoleGrant.role) == Role.ORG_ADMIN,
            col(RoleGrant.organisation_id) == organisation_id,
        )
    )
    return bool(found)


def mark_answered(
    engine: Engine, *, request_id: int, organisation_id: int, by: int, now: datetime
) -> bool:
    """Mark a request answered for an organisation by one of its admins; False when it was
    already (a double tap, or another admin). Refused to anyone else."""
    with unit_of_work(engine) as session:
        if not is_admin_of(session, user_id=by, organisation_id=organisation_id):
            raise NotYours(by)
        route_id = session.scalar(
            select(col(CompanyRoute.id)).where(
                col(CompanyRoute.request_id) == request_id,
                col(CompanyRoute.organisation_id) == organisation_id,
            )
        )
        if route_id is None:
            raise RequestGone(request_id)
        result = session.execute(
            update(CompanyRoute)
            .where(col(CompanyRoute.id) == route_id, col(CompanyRoute.answered_at).is_(None))
            .values(answered_at=now, answered_by=by)
        )
        return rowcount(result) == 1


def company_requests_line(session: Session, organisation_id: int, lang: str) -> str | None:
    """ "2 demandes d'entreprises près de vos espaces" for /demande; None when there is none."""
    count = session.scalar(
        select(func.count())
        .select_from(CompanyRoute)
        .join(CompanyRequest, col(CompanyRequest.id) == col(CompanyRoute.request_id))
        .where(*_open(organisation_id))  # type: ignore[arg-type]  # SQL expressions
    )
    if not count:
        return None
    return translator(lang)("companies.line", count=count)


def forget_requester(session: Session, *, user_id: int) -> None:
    """/forget: the user's own requests go with everything relayed about them; what they
    wrote for an organisation stays for the company, without their id."""
    requests = select(col(CompanyRequest.id)).where(col(CompanyRequest.requester_id) == user_id)
    routes = select(col(CompanyRoute.id)).where(col(CompanyRoute.request_id).in_(requests))
    session.execute(delete(CompanyMessage).where(col(CompanyMessage.route_id).in_(routes)))
    session.execute(delete(CompanyRoute).where(col(CompanyRoute.request_id).in_(requests)))
    session.execute(delete(CompanyRequest).where(col(CompanyRequest.requester_id) == user_id))
    session.execute(
        update(CompanyMessage)
        .where(col(CompanyMessage.sender_id) == user_id)
        .values(sender_id=None)
    )
    for column in (CompanyRoute.replier_id, CompanyRoute.answered_by):
        session.execute(update(CompanyRoute).where(col(column) == user_id).values({column: None}))


@dataclass(frozen=True, slots=True)
class RouteAlert:
    """The alert a request became: its topic and place, for the confirmation."""

    topic: str
    place: str


def alert_for(engine: Engine, *, request_id: int, user_id: int, now: datetime) -> RouteAlert:
    """Nobody teaches it nearby: the requester's own request becomes a search alert."""
    with reading(engine) as session:
        request = session.get(CompanyRequest, request_id)
        if request is None:
            raise RequestGone(request_id)
        if request.requester_id != user_id:
            raise NotYours(user_id)
        query = topic_label(request.concept_id, request.topic_text, "fr")
        place = Place.from_point(request.latitude, request.longitude, request.place_label)
    save_alert(engine, user_id=user_id, query=query, place=place, radius_km=30, now=now)
    return RouteAlert(query, place.label)
