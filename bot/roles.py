"""Roles: super-admins (ADMIN_IDS), organisation admins and tutors, granted by invite links.

An invite is a one-time token carried by a deep link (t.me/<bot>?start=i_<token>); it expires,
and redeeming it is one guarded UPDATE so two people can never both use it.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from bot.db import reading, rowcount, unit_of_work
from bot.errors import DomainError
from bot.models import AuditEntry, Invite, Organisation, Role, RoleGrant, User
from bot.observability.logs import user_ref

logger = logging.getLogger(__name__)

INVITE_PREFIX = "i_"
INVITE_TTL = timedelta(days=7)


class RoleError(DomainError):
    """Base of the expected failures of roles and invites."""

    key = "admin.not_allowed"


class NotAllowed(RoleError):
    """The user may not do this."""


class InviteInvalid(RoleError):
    """No such invite, or it was already used or has expired."""

    key = "admin.invite_invalid"


class UnknownOrganisation(RoleError):
    """No organisation has this name (or id)."""


@dataclass(frozen=True, slots=True)
class Roles:
    """What a user may do beyond being a learner."""

    super_admin: bool
    admin_of: frozenset[str]  # organisation names
    tutor: bool

    @property
    def is_admin(self) -> bool:
        return self.super_admin or bool(self.admin_of)

    @property
    def names(self) -> frozenset[str]:
        found = set()
        if self.is_admin:
            found.add(Role.ADMIN if self.super_admin else Role.ORG_ADMIN)
        if self.tutor:
            found.add(Role.TUTOR)
        return frozenset(str(name) for name in found)


def roles_of(engine: Engine, *, user_id: int, super_admins: frozenset[int]) -> Roles:
    """The roles of a user: ADMIN_IDS make super-admins; grants come from invites."""
    with reading(engine) as session:
        return _roles(session, user_id, super_admins)


def _roles(session: Session, user_id: int, super_admins: frozenset[int]) -> Roles:
    rows = session.execute(
        select(col(RoleGrant.role), col(Organisation.name))
        .join(Organisation, col(RoleGrant.organisation_id) == col(Organisation.id), isouter=True)
        .where(col(RoleGrant.user_id) == user_id)
    ).all()
    return Roles(
        super_admin=user_id in super_admins or any(role == Role.ADMIN for role, _ in rows),
        admin_of=frozenset(org for role, org in rows if role == Role.ORG_ADMIN and org),
        tutor=any(role == Role.TUTOR for role, _ in rows),
    )


def list_organisations(
    engine: Engine, *, only: frozenset[str] | None = None
) -> list[tuple[int, str]]:
    """(id, name) of organisations, alphabetically; `only` restricts to these names."""
    query = select(col(Organisation.id), col(Organisation.name)).order_by(col(Organisation.name))
    if only is not None:
        query = query.where(col(Organisation.name).in_(sorted(only)))
    with reading(engine) as session:
        return [(org_id, name) for org_id, name in session.execute(query)]


@dataclass(frozen=True, slots=True)
class Invitation:
    """A new one-time invite: its token and the organisation it is for."""

    token: str
    organisation: str | None


def create_invite(
    engine: Engine,
    *,
    actor_id: int,
    super_admins: frozenset[int],
    role: Role,
    organisation_id: int | None,
    now: datetime,
) -> Invitation:
    """A one-time invite token: super-admins invite organisation admins and tutors;
    organisation admins invite tutors of their own organisations (the actor's roles are read
    in the same transaction)."""
    if role not in (Role.ORG_ADMIN, Role.TUTOR):
        raise NotAllowed(f"cannot invite role {role}")
    token = secrets.token_urlsafe(16)  # 22 characters of A-Za-z0-9_- : fits a deep link
    with unit_of_work(engine) as session:
        organisation = None
        if organisation_id is not None:
            found = session.get(Organisation, organisation_id)
            if found is None:
                raise UnknownOrganisation(str(organisation_id))
            organisation = found.name
        actor_roles = _roles(session, actor_id, super_admins)
        if not actor_roles.super_admin and not (
            role == Role.TUTOR and organisation in actor_roles.admin_of
        ):
            raise NotAllowed("only super-admins, or admins of this organisation for tutors")
        session.add(
            Invite(
                token=token,
                role=role,
                organisation_id=organisation_id,
                created_by=actor_id,
                expires_at=now + INVITE_TTL,
            )
        )
        session.add(
            AuditEntry(
                at=now,
                actor_id=actor_id,
                action="invite_created",
                detail=f"role={role} organisation={organisation or '-'}",
            )
        )
    return Invitation(token=token, organisation=organisation)


@dataclass(frozen=True, slots=True)
class Granted:
    role: str
    organisation: str | None


def redeem_invite(engine: Engine, *, token: str, user_id: int, now: datetime) -> Granted:
    """Use an invite: the role is granted once, to the first person who opens the link."""
    with unit_of_work(engine) as session:
        claimed = session.execute(
            update(Invite)
            .where(
                col(Invite.token) == token,
                col(Invite.used_by).is_(None),
                col(Invite.expires_at) > now,
            )
            .values(used_by=user_id, used_at=now)
        )
        if rowcount(claimed) != 1:
            raise InviteInvalid(token)
        invite = session.get(Invite, token)
        assert invite is not None
        if session.get(User, user_id) is None:
            session.add(User(id=user_id, created_at=now, last_seen_at=now))
            session.flush()
        exists = session.scalar(
            select(col(RoleGrant.id)).where(
                col(RoleGrant.user_id) == user_id,
                col(RoleGrant.role) == invite.role,
                col(RoleGrant.organisation_id) == invite.organisation_id
                if invite.organisation_id is not None
                else col(RoleGrant.organisation_id).is_(None),
            )
        )
        if exists is None:
            session.add(
                RoleGrant(
                    user_id=user_id,
                    role=invite.role,
                    organisation_id=invite.organisation_id,
                    granted_by=invite.created_by,
                    created_at=now,
                )
            )
        organisation = (
            session.get(Organisation, invite.organisation_id) if invite.organisation_id else None
        )
        session.add(
            AuditEntry(
                at=now,
                actor_id=user_id,
                action="role_granted",
                detail=f"role={invite.role} organisation="
                f"{organisation.name if organisation else '-'} by={invite.created_by}",
            )
        )
    logger.info("%s became %s", user_ref(user_id), invite.role)
    return Granted(role=invite.role, organisation=organisation.name if organisation else None)
