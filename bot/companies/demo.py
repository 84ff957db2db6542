"""The offline demo's company request: the demo admin administers an organisation that
teaches SST near Mauron, and a local company ("/user entreprise") has asked for it: the
admin's notice is waiting (`/user admin`), and /entreprises lists it."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from bot.companies.drafts import Draft
from bot.companies.notices import REQUEST_NOTICE, dedupe_key
from bot.companies.routing import submit
from bot.db import unit_of_work
from bot.models import Organisation, Role, RoleGrant, User
from bot.reminders import schedule

logger = logging.getLogger(__name__)

DEMO_COMPANY_ID = 800001  # "/user entreprise" in the demo (bot.terminal.DemoPeople)
DEMO_ORGANISATION = "Secours Formation Bretagne"  # teaches SST in Mauron (data/sample/)
DEMO_REQUEST = Draft(
    concept_id="sst",
    head_count=6,
    place_label="Mauron (56)",
    insee="56127",
    latitude=48.08379,
    longitude=-2.28391,
    period_label="en mars",
    contact="02 97 22 00 00",
    share_identity=True,
)


def seed_company_request(engine: Engine, *, admin_id: int, now: datetime) -> int:
    """Make `admin_id` an admin of the demo organisation and file the company's request;
    returns how many organisations it reached (0 when the sample data is not loaded)."""
    with unit_of_work(engine) as session:
        org_id = session.scalar(
            select(col(Organisation.id)).where(col(Organisation.name) == DEMO_ORGANISATION)
        )
        if org_id is None:
            logger.warning("demo: no %s, no company request", DEMO_ORGANISATION)
            return 0
        for user_id, name in ((admin_id, "Admin"), (DEMO_COMPANY_ID, "Menuiserie Guérin")):
            if session.get(User, user_id) is None:
                session.add(User(id=user_id, first_name=name))
        session.flush()
        session.add(RoleGrant(user_id=admin_id, role=Role.ORG_ADMIN, organisation_id=org_id))
    sent = submit(engine, requester_id=DEMO_COMPANY_ID, draft=DEMO_REQUEST, now=now)
    # Its notice to the admin goes out at start-up, like any pending notice.
    for route in sent.routes:
        for recipient in route.admin_ids:
            schedule(
                engine,
                kind=REQUEST_NOTICE,
                recipient_id=recipient,
                due_at=now,
                dedupe_key=dedupe_key(REQUEST_NOTICE, route.route_id, recipient),
                urgent=True,  # the demo runs at any hour
                now=now,
            )
    return len(sent.routes)
