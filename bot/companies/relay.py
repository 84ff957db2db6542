"""The relayed conversation between an organisation and a company, on one route.

Either side presses [Répondre] (`start_reply`), then writes: each message is stored
(`company_message`) and goes to the other side, the organisation's messages under its name,
the company's to the admin who last wrote for the organisation (else to all its admins).
Either side ends it with [Terminer] (`close`). Every step checks that the person is the
requester or an admin of the route's organisation, so a forged button is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from bot.companies.answers import RouteView, is_admin_of, route_view
from bot.companies.errors import ConversationClosed, NotYours, RequestGone
from bot.companies.routing import admins_of
from bot.companies.tables import CompanyMessage, CompanyRequest, CompanyRequestStatus, CompanyRoute
from bot.db import reading, rowcount, unit_of_work

Side = Literal["organisation", "company"]
ORGANISATION: Side = "organisation"
COMPANY: Side = "company"
MAX_MESSAGE = 2000


@dataclass(frozen=True, slots=True)
class Posted:
    message_id: int
    recipients: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class MessageView:
    """A relayed message and the route it belongs to, for its notice."""

    id: int
    text: str
    from_company: bool
    route: RouteView


def _route(session: Session, route_id: int) -> tuple[CompanyRoute, CompanyRequest]:
    route = session.get(CompanyRoute, route_id)
    request = session.get(CompanyRequest, route.request_id) if route is not None else None
    if route is None or request is None or request.status != CompanyRequestStatus.OPEN:
        raise RequestGone(route_id)
    return route, request


def _side(session: Session, route: CompanyRoute, request: CompanyRequest, user_id: int) -> Side:
    if request.requester_id == user_id:
        return COMPANY
    if is_admin_of(session, user_id=user_id, organisation_id=route.organisation_id):
        return ORGANISATION
    raise NotYours(user_id)


def start_reply(engine: Engine, *, route_id: int, user_id: int) -> tuple[Side, RouteView]:
    """[Répondre]: which side the person writes for; an admin becomes the one the company's
    replies go to."""
    with unit_of_work(engine) as session:
        route, request = _route(session, route_id)
        side = _side(session, route, request, user_id)
        if route.closed_at is not None:
            raise ConversationClosed(route_id)
        if side == ORGANISATION:
            route.replier_id = user_id
    view = route_view(engine, route_id=route_id)
    if view is None:  # pragma: no cover - deleted in between
        raise RequestGone(route_id)
    return side, view


def post(engine: Engine, *, route_id: int, user_id: int, text: str, now: datetime) -> Posted:
    """Store one message and say whom it goes to."""
    with unit_of_work(engine) as session:
        route, request = _route(session, route_id)
        side = _side(session, route, request, user_id)
        if route.closed_at is not None:
            raise ConversationClosed(route_id)
        message = CompanyMessage(
            route_id=route_id,
            from_company=side == COMPANY,
            sender_id=user_id,
            text=text.strip()[:MAX_MESSAGE],
            created_at=now,
        )
        session.add(message)
        if side == ORGANISATION:
            route.replier_id = user_id
            recipients: tuple[int, ...] = (request.requester_id,)
        else:
            recipients = _organisation_side(session, route)
        session.flush()
        assert message.id is not None
        return Posted(message.id, recipients)


def _organisation_side(session: Session, route: CompanyRoute) -> tuple[int, ...]:
    admins = admins_of(session, organisation_id=route.organisation_id)
    if route.replier_id is not None and route.replier_id in admins:
        return (route.replier_id,)
    return admins


def close(engine: Engine, *, route_id: int, user_id: int, now: datetime) -> tuple[int, ...]:
    """[Terminer]: end the conversation; returns whom to tell (the other side), empty when
    it was ended already."""
    with unit_of_work(engine) as session:
        route, request = _route(session, route_id)
        side = _side(session, route, request, user_id)
        result = session.execute(
            update(CompanyRoute)
            .where(col(CompanyRoute.id) == route_id, col(CompanyRoute.closed_at).is_(None))
            .values(closed_at=now)
        )
        if rowcount(result) != 1:
            return ()
        if side == ORGANISATION:
            return (request.requester_id,)
        return _organisation_side(session, route)


def message_view(engine: Engine, *, message_id: int) -> MessageView | None:
    """A stored message with its route; None when it (or its request) is gone."""
    with reading(engine) as session:
        message = session.get(CompanyMessage, message_id)
        if message is None:
            return None
        text, from_company, route_id = message.text, message.from_company, message.route_id
    view = route_view(engine, route_id=route_id)
    if view is None:
        return None
    return MessageView(message_id, text, from_company, view)
