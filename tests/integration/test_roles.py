"""Roles and one-time invites, on SQLite and PostgreSQL."""

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot.models import AuditEntry, Organisation, Role
from bot.observability.logs import user_ref
from bot.roles import (
    InviteInvalid,
    NotAllowed,
    Roles,
    UnknownOrganisation,
    create_invite,
    redeem_invite,
    roles_of,
)

SUPER = frozenset({1})  # ADMIN_IDS: user 1 is a super-admin


ORG = "Form'Ouest Conseil"


@pytest.fixture
def org(engine) -> int:
    """The id of the organisation named ORG."""
    with Session(engine) as session:
        organisation = Organisation(name=ORG)
        session.add(organisation)
        session.commit()
        return organisation.id


def test_super_admin_invites_an_org_admin_who_redeems_once(engine, clock, org, caplog) -> None:
    token = create_invite(
        engine,
        actor_id=1,
        super_admins=SUPER,
        role=Role.ORG_ADMIN,
        organisation_id=org,
        now=clock.now(),
    ).token
    with caplog.at_level(logging.INFO, logger="bot.roles"):
        granted = redeem_invite(engine, token=token, user_id=55, now=clock.now())
    assert (granted.role, granted.organisation) == ("org_admin", ORG)
    # The log names the new admin by digest only (issue 14: no user id in the logs).
    assert [r.getMessage() for r in caplog.records] == [f"{user_ref(55)} became org_admin"]
    assert roles_of(engine, user_id=55, super_admins=frozenset()) == Roles(
        super_admin=False, admin_of=frozenset({ORG}), tutor=False
    )
    with pytest.raises(InviteInvalid):
        redeem_invite(engine, token=token, user_id=56, now=clock.now())
    with Session(engine) as session:
        actions = [entry.action for entry in session.exec(select(AuditEntry))]
    assert actions == ["invite_created", "role_granted"]


def test_expired_invite_is_refused(engine, clock, org) -> None:
    token = create_invite(
        engine,
        actor_id=1,
        super_admins=SUPER,
        role=Role.TUTOR,
        organisation_id=org,
        now=clock.now(),
    ).token
    with pytest.raises(InviteInvalid):
        redeem_invite(engine, token=token, user_id=55, now=clock.now() + timedelta(days=8))


def test_concurrent_redemptions_grant_once(engine, clock, org) -> None:
    token = create_invite(
        engine,
        actor_id=1,
        super_admins=SUPER,
        role=Role.ORG_ADMIN,
        organisation_id=org,
        now=clock.now(),
    ).token

    def attempt(user_id: int) -> bool:
        try:
            redeem_invite(engine, token=token, user_id=user_id, now=clock.now())
        except InviteInvalid:
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, range(100, 110)))
    assert outcomes.count(True) == 1


def test_only_admins_invite(engine, clock, org) -> None:
    def invite(actor_id: int, role: Role, organisation_id: int = org):
        return create_invite(
            engine,
            actor_id=actor_id,
            super_admins=SUPER,
            role=role,
            organisation_id=organisation_id,
            now=clock.now(),
        )

    with pytest.raises(NotAllowed):  # a learner
        invite(9, Role.TUTOR)
    learner_made_org_admin = invite(1, Role.ORG_ADMIN).token
    redeem_invite(engine, token=learner_made_org_admin, user_id=9, now=clock.now())
    with pytest.raises(NotAllowed):  # org admins invite tutors, not other admins
        invite(9, Role.ORG_ADMIN)
    assert invite(9, Role.TUTOR).organisation == ORG
    with pytest.raises(UnknownOrganisation):
        invite(1, Role.ORG_ADMIN, organisation_id=999_999)


def test_super_admins_come_from_settings(engine) -> None:
    assert roles_of(engine, user_id=1000, super_admins=frozenset({1000})).super_admin
