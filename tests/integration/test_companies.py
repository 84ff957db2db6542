"""Company requests in the database (SQLite and PostgreSQL): routing to the organisations
teaching the topic within reach, once each; marking answered; the /demande line; the relay's
ownership checks; /forget."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.companies.answers import (
    company_requests_line,
    mark_answered,
    open_requests_for,
    route_view,
)
from bot.companies.demo import DEMO_REQUEST
from bot.companies.drafts import Draft
from bot.companies.errors import ConversationClosed, NotYours, RequestGone
from bot.companies.relay import close, post, start_reply
from bot.companies.routing import submit
from bot.companies.tables import CompanyMessage, CompanyRequest, CompanyRoute
from bot.models import Organisation, RoleGrant
from bot.users import forget_user
from tests.factories import add_session, add_space, add_user

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
COMPANY, NEAR_ADMIN, OTHER_ADMIN = 42, 500, 501
SST = "SST – Sauveteur Secouriste du Travail"
# The demo's request (SST, 6 people, Mauron, March), its name not shared, contact on Telegram.
MAURON = dataclasses.replace(DEMO_REQUEST, share_identity=False, contact="Telegram")


def _org(engine, name: str) -> int:
    with Session(engine) as session:
        return session.exec(select(Organisation).where(Organisation.name == name)).one().id


def _grant(engine, user_id: int, organisation_id: int) -> None:
    add_user(engine, user_id)
    with Session(engine) as session:
        session.add(RoleGrant(user_id=user_id, role="org_admin", organisation_id=organisation_id))
        session.commit()


@pytest.fixture
def offer(engine) -> dict[str, int]:
    near = add_space(engine, city="Mauron", latitude=48.09, longitude=-2.28)
    josselin = add_space(engine, city="Josselin", latitude=47.953, longitude=-2.546)  # 24 km
    rennes = add_space(engine, city="Rennes", latitude=48.11, longitude=-1.68)  # 45 km
    far = add_space(engine, city="Bellac", latitude=46.12, longitude=1.05)
    add_session(engine, now=NOW, title=SST, organisation="Secours Formation", space_id=near)
    add_session(engine, now=NOW, title=SST, organisation="Secours Formation", space_id=josselin)
    add_session(engine, now=NOW, title="Secourisme PSC1", organisation="Croix", space_id=rennes)
    add_session(engine, now=NOW, title=SST, organisation="Limousin", space_id=far)
    add_session(engine, now=NOW, title="Excel", organisation="Bureau Pro", space_id=near)
    add_session(engine, now=NOW, title=SST, organisation="Annulé", space_id=near,
                status="cancelled")  # fmt: skip
    orgs = {name: _org(engine, name) for name in
            ("Secours Formation", "Croix", "Limousin", "Bureau Pro", "Annulé")}  # fmt: skip
    _grant(engine, NEAR_ADMIN, orgs["Secours Formation"])
    _grant(engine, OTHER_ADMIN, orgs["Bureau Pro"])
    add_user(engine, COMPANY, name="Claire")
    return orgs


def test_routed_to_the_organisations_teaching_it_within_reach_once_each(engine, offer) -> None:
    sent = submit(engine, requester_id=COMPANY, draft=MAURON, now=NOW)
    assert [(r.organisation, r.admin_ids) for r in sent.routes] == [
        ("Secours Formation", (NEAR_ADMIN,))
    ]
    assert sent.routes[0].distance_km < 2  # its nearest space, not Josselin's
    # A broader topic reaches the narrower concepts' teachers too (PSC1 is secourisme).
    broad = Draft(**{**MAURON.to_dict(), "concept_id": "secourisme", "asked": ()})
    names = {
        r.organisation for r in submit(engine, requester_id=COMPANY, draft=broad, now=NOW).routes
    }
    assert names == {"Secours Formation", "Croix"}
    with Session(engine) as session, pytest.raises(IntegrityError):
        route = session.exec(select(CompanyRoute)).first()
        assert route is not None
        session.add(
            CompanyRoute(request_id=route.request_id, organisation_id=route.organisation_id)
        )
        session.commit()


def test_a_topic_without_concept_matches_the_course_words(engine, offer) -> None:
    draft = Draft(**{**MAURON.to_dict(), "concept_id": None, "topic_text": "excel", "asked": ()})
    [route] = submit(engine, requester_id=COMPANY, draft=draft, now=NOW).routes
    assert route.organisation == "Bureau Pro"


def test_mark_answered_removes_it_from_the_open_list_and_the_line(engine, offer) -> None:
    org = offer["Secours Formation"]
    sent = submit(engine, requester_id=COMPANY, draft=MAURON, now=NOW)
    submit(engine, requester_id=COMPANY, draft=MAURON, now=NOW + timedelta(minutes=1))
    assert len(open_requests_for(engine, organisation_id=org)) == 2
    with Session(engine) as session:
        assert company_requests_line(session, org, "fr") == (
            "2 demandes d'entreprises près de vos espaces"
        )
        assert company_requests_line(session, offer["Bureau Pro"], "en") is None
    with pytest.raises(NotYours):
        mark_answered(engine, request_id=sent.request_id, organisation_id=org, by=OTHER_ADMIN,
                      now=NOW)  # fmt: skip
    with pytest.raises(RequestGone):  # administers Bureau Pro, which never got it
        mark_answered(engine, request_id=sent.request_id, organisation_id=offer["Bureau Pro"],
                      by=OTHER_ADMIN, now=NOW)  # fmt: skip
    assert mark_answered(engine, request_id=sent.request_id, organisation_id=org, by=NEAR_ADMIN,
                         now=NOW)  # fmt: skip
    assert not mark_answered(engine, request_id=sent.request_id, organisation_id=org,
                             by=NEAR_ADMIN, now=NOW)  # fmt: skip
    [left] = open_requests_for(engine, organisation_id=org)
    assert left.request_id != sent.request_id
    with Session(engine) as session:
        assert (
            company_requests_line(session, org, "en")
            == "1 request from a company near your spaces"
        )


def test_relay_checks_who_writes_and_stops_once_closed(engine, offer) -> None:
    [route] = submit(engine, requester_id=COMPANY, draft=MAURON, now=NOW).routes
    with pytest.raises(NotYours):
        start_reply(engine, route_id=route.route_id, user_id=OTHER_ADMIN)
    side, view = start_reply(engine, route_id=route.route_id, user_id=NEAR_ADMIN)
    assert side == "organisation" and view.requester_name is None  # not shared
    assert post(engine, route_id=route.route_id, user_id=NEAR_ADMIN, text="Bonjour",
                now=NOW).recipients == (COMPANY,)  # fmt: skip
    assert post(engine, route_id=route.route_id, user_id=COMPANY, text="Merci",
                now=NOW).recipients == (NEAR_ADMIN,)  # fmt: skip
    assert close(engine, route_id=route.route_id, user_id=COMPANY, now=NOW) == (NEAR_ADMIN,)
    assert close(engine, route_id=route.route_id, user_id=NEAR_ADMIN, now=NOW) == ()
    with pytest.raises(ConversationClosed):
        post(engine, route_id=route.route_id, user_id=NEAR_ADMIN, text="Encore ?", now=NOW)


def test_identity_is_shown_only_when_agreed(engine, offer) -> None:
    shared = Draft(**{**MAURON.to_dict(), "share_identity": True, "asked": ()})
    [route] = submit(engine, requester_id=COMPANY, draft=shared, now=NOW).routes
    view = route_view(engine, route_id=route.route_id)
    assert view is not None and view.requester_name == "Claire"


def test_forget_deletes_the_requesters_requests_and_anonymises_the_admins(engine, offer) -> None:
    [route] = submit(engine, requester_id=COMPANY, draft=MAURON, now=NOW).routes
    post(engine, route_id=route.route_id, user_id=NEAR_ADMIN, text="Bonjour", now=NOW)
    other = submit(engine, requester_id=OTHER_ADMIN, draft=MAURON, now=NOW).routes[0]
    post(engine, route_id=other.route_id, user_id=NEAR_ADMIN, text="Bonjour", now=NOW)

    forget_user(engine, user_id=COMPANY, now=NOW)
    forget_user(engine, user_id=NEAR_ADMIN, now=NOW)
    with Session(engine) as session:
        assert [r.requester_id for r in session.exec(select(CompanyRequest))] == [OTHER_ADMIN]
        [message] = session.exec(select(CompanyMessage)).all()
        [kept] = session.exec(select(CompanyRoute)).all()
    assert message.sender_id is None and message.text == "Bonjour"
    assert kept.replier_id is None


def test_the_demo_holds_an_open_request_for_its_admins_organisation(engine) -> None:
    import io

    from bot.companies.demo import DEMO_ORGANISATION, seed_company_request
    from bot.config import PROJECT_ROOT
    from bot.importer.demo import load_for_demo
    from bot.models import Reminder

    sample = PROJECT_ROOT / "data" / "sample"
    load_for_demo(engine, [sample / "spaces.csv", sample / "sessions.csv"], shift_days=0,
                  out=io.StringIO())  # fmt: skip
    assert seed_company_request(engine, admin_id=1000, now=NOW) >= 1
    [view] = open_requests_for(engine, organisation_id=_org(engine, DEMO_ORGANISATION))
    assert view.requester_name == "Menuiserie Guérin" and view.head_count == 6
    with Session(engine) as session:
        [notice] = session.exec(select(Reminder).where(Reminder.recipient_id == 1000)).all()
    assert notice.kind == "company_request" and notice.status == "pending"


def test_at_most_five_requests_a_day(engine, offer) -> None:
    from bot.companies.errors import TooManyRequests
    from bot.companies.routing import MAX_PER_DAY

    for minute in range(MAX_PER_DAY):
        submit(engine, requester_id=COMPANY, draft=MAURON, now=NOW + timedelta(minutes=minute))
    with pytest.raises(TooManyRequests):
        submit(engine, requester_id=COMPANY, draft=MAURON, now=NOW + timedelta(hours=1))
    assert submit(engine, requester_id=COMPANY, draft=MAURON, now=NOW + timedelta(days=1)).routes
