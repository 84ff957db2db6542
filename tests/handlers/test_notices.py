"""Notices to other people are durable: an offer whose send fails is sent later, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot.i18n import translator
from bot.models import Reminder
from handlers import delivery
from tests.factories import add_session
from tests.handlers.test_enrolment_chat import anne_enrolled_bruno_waiting

FR = translator("fr")

pytestmark = pytest.mark.filterwarnings(
    "ignore:Deprecated since version v22.2:telegram.warnings.PTBDeprecationWarning"
)


@pytest.mark.expect_api_errors(502)  # the offer's first send fails on purpose
async def test_an_offer_lost_to_a_network_error_is_sent_by_the_sweep(
    app, chat, sqlite_engine, clock
) -> None:
    sid = add_session(sqlite_engine, now=clock.now(), seats=1)
    anne, bruno = await anne_enrolled_bruno_waiting(chat, sid)
    before = len(chat.sandbox.bot_messages(bruno.id))

    chat.sandbox.inject_fault("sendMessage", "server_error", chat_id=bruno.id, times=1)
    [mine] = await chat.send(anne, "/mes_inscriptions")
    await chat.press(anne, index=1, message_id=mine.message_id)
    await chat.press(anne, label=FR("mine.button_confirm_cancel"), message_id=mine.message_id)
    assert len(chat.sandbox.bot_messages(bruno.id)) == before  # the send failed
    with Session(sqlite_engine) as session:
        [offer] = session.exec(select(Reminder).where(Reminder.kind == "waitlist_offer")).all()
    assert offer.status == "pending"  # kept for a retry, not lost

    clock.advance(timedelta(minutes=5))
    await delivery.sweep(app)
    await delivery.sweep(app)  # a second sweep sends nothing more
    news = chat.sandbox.bot_messages(bruno.id)[before:]
    assert [m.plain.split(" pour ")[0] for m in news] == ["Une place s'est libérée"]
