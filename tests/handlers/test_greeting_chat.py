"""/start and /help greet each role as itself (the scripted conversations in tests/dialogues
cover the rest); here, what a script cannot set up."""

from __future__ import annotations

from sqlmodel import Session

from bot.i18n import translator
from bot.models import RoleGrant
from tests.factories import add_user

FR = translator("fr")


async def test_an_invited_tutor_without_appointments_is_greeted_as_a_tutor(
    chat, sqlite_engine
) -> None:
    add_user(sqlite_engine, 900, name="Claire")
    with Session(sqlite_engine) as session:  # the role an invite grants; no tutor row yet
        session.add(RoleGrant(user_id=900, role="tutor"))
        session.commit()
    [welcome] = await chat.send(chat.user(900, "Claire"), "/start")
    assert FR("greeting.tutor_title").replace("<b>", "").replace("</b>", "") in welcome.plain
    assert FR("greeting.tutor_no_pending") in welcome.plain
    assert welcome.button_texts[0] == FR("greeting.button_slots")


async def test_a_forged_requests_button_answers_plainly(chat) -> None:
    anne = chat.user()
    await chat.send(anne, "/start")
    [answer] = await chat.press(anne, data="menu:requests")
    assert answer.plain == FR("greeting.tutor_no_pending")
