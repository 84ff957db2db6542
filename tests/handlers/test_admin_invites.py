"""Admins invite organisation admins with one-time deep links; nobody else can."""

import re

from sqlmodel import Session, select

from bot.i18n import translator
from bot.models import Organisation, RoleGrant

FR = translator("fr")
SUPER_ADMIN = 1000  # in the test settings' ADMIN_IDS


def _add_org(engine, name="Form'Ouest Conseil") -> int:
    with Session(engine) as session:
        org = Organisation(name=name)
        session.add(org)
        session.commit()
        return org.id


async def test_invite_link_grants_the_role_once(chat, sqlite_engine) -> None:
    org_id = _add_org(sqlite_engine)
    admin = chat.user(SUPER_ADMIN, "Admin")
    await chat.send(admin, "/inviter")
    await chat.press(admin, label=FR("admin.role_org_admin"))
    await chat.press(admin, label="Form'Ouest Conseil")
    text = chat.last(admin).plain
    link = re.search(r"https://t\.me/\S+\?start=(i_[A-Za-z0-9_-]+)", text)
    assert link is not None, text

    bea = chat.user(77, "Béa")
    [welcome] = await chat.send(bea, f"/start {link.group(1)}")
    assert welcome.plain == FR(
        "admin.invite_redeemed", role=FR("admin.role_org_admin"), organisation="Form'Ouest Conseil"
    )
    with Session(sqlite_engine) as session:
        grants = session.exec(select(RoleGrant)).all()
    assert [(g.user_id, g.role, g.organisation_id) for g in grants] == [(77, "org_admin", org_id)]
    menu = chat.sandbox.commands_for({"type": "chat", "chat_id": 77}, "")
    assert "inviter" in [c["command"] for c in menu]

    carl = chat.user(78, "Carl")
    refused, menu_again = await chat.send(carl, f"/start {link.group(1)}")  # already used
    assert refused.plain == FR("start.bad_link")
    assert menu_again.plain.startswith("Bonjour Carl")


async def test_org_admin_can_only_invite_tutors(chat, sqlite_engine) -> None:
    _add_org(sqlite_engine)
    admin = chat.user(SUPER_ADMIN, "Admin")
    await chat.send(admin, "/inviter")
    await chat.press(admin, label=FR("admin.role_org_admin"))
    await chat.press(admin, label="Form'Ouest Conseil")
    token = re.search(r"start=(i_\S+)", chat.last(admin).plain).group(1)
    bea = chat.user(77, "Béa")
    await chat.send(bea, f"/start {token}")
    [question] = await chat.send(bea, "/inviter")
    assert [b.text for row in question.buttons for b in row] == [FR("admin.role_tutor")]


async def test_learners_cannot_invite_even_with_forged_buttons(chat, sqlite_engine) -> None:
    org_id = _add_org(sqlite_engine)
    eve = chat.user(66, "Eve")
    [reply] = await chat.send(eve, "/inviter")
    assert reply.plain == FR("admin.not_allowed")
    target = reply.message_id  # a forged press still comes from a message of the chat
    await chat.press(eve, message_id=target, data=f"inv:o:a:{org_id}")
    await chat.press(eve, message_id=target, data="inv:o:zz:notanumber")
    answers = [text for _, text, _ in chat.sandbox.callback_answers(eve.id)]
    assert answers == [FR("admin.not_allowed"), FR("fallback.stale_button")]
    with Session(sqlite_engine) as session:
        assert session.exec(select(RoleGrant)).all() == []


async def test_help_tells_admins_what_they_can_do(chat) -> None:
    [learner_help] = await chat.send(chat.user(42, "Anne"), "/help")
    assert "/inscrits" not in learner_help.plain
    [admin_help] = await chat.send(chat.user(SUPER_ADMIN, "Admin"), "/help")
    assert "/inscrits" in admin_help.plain and "/inviter" in admin_help.plain
