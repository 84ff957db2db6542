"""Work never left half done, and odd input answered cleanly: expired button queries,
presses on messages that are gone or have no text, malformed deep links and locations,
names with NUL characters, stickers."""

import pytest
from sqlmodel import Session, select

from bot.application import post_init
from bot.i18n import translator
from bot.models import Organisation, Reminder, RoleGrant, TrainingSession, User
from handlers import menu
from tests.factories import add_session, add_user
from tests.helpers import plain

FR = translator("fr")


@pytest.mark.expect_api_errors("query is too old")
async def test_an_expired_query_still_takes_the_seat_and_plans_everything(
    chat, sqlite_engine, clock
) -> None:
    """answerCallbackQuery refused ("query is too old"): the seat is taken, the reminder
    planned, the admin told, and the card still edited."""
    sid = add_session(sqlite_engine, now=clock.now(), seats=3)
    add_user(sqlite_engine, 77, name="Béa")
    with Session(sqlite_engine) as session:
        org = session.exec(select(Organisation)).one()
        session.add(RoleGrant(user_id=77, role="org_admin", organisation_id=org.id))
        session.commit()
    bea, anne = chat.user(77, "Béa"), chat.user(42, "Anne")
    card, _ = await chat.send(anne, f"/start s_{sid}")
    chat.sandbox.inject_fault("answerCallbackQuery", "query_too_old")
    await chat.press(anne, label=FR("card.button_enrol"), message_id=card.message_id)
    [done] = [e for e in chat.sandbox.transcript(anne.id) if e.message_id == card.message_id]
    assert done.plain.startswith("C'est fait : vous êtes inscrit·e à Excel")
    assert chat.last(bea).plain.startswith("Nouvelle inscription : Anne à Excel initiation")
    with Session(sqlite_engine) as session:
        assert session.get(TrainingSession, sid).seats_taken == 1
        assert session.exec(select(Reminder).where(Reminder.recipient_id == anne.id)).all()
    assert chat.sandbox.callback_answers(anne.id) == []


@pytest.mark.expect_api_errors("query is too old")
async def test_an_expired_query_on_a_refusal_is_harmless(chat, sqlite_engine, clock) -> None:
    anne = chat.user()
    _, reply = await chat.send(anne, "/start s_999999")
    chat.sandbox.inject_fault("answerCallbackQuery", "query_too_old", times=2)
    await chat.press(anne, message_id=reply.message_id, data="enr:999999")  # refused (alert)
    await chat.press(anne, message_id=reply.message_id, data="zzz")  # stale button
    assert FR("error.generic") not in [m.plain for m in chat.sandbox.bot_messages(anne.id)]


@pytest.mark.expect_api_errors("there is no text in the message to edit")
async def test_a_card_button_on_the_venue_pin_sends_a_fresh_card(
    chat, sqlite_engine, clock
) -> None:
    """A press whose message has no text (the map pin) gets a new message, not an error."""
    sid = add_session(sqlite_engine, now=clock.now())
    anne = chat.user()
    _, venue = await chat.send(anne, f"/start s_{sid}")
    assert venue.kind == "venue"
    sent = await chat.press(anne, message_id=venue.message_id, data=f"card:{sid}")
    assert sent[0].plain.startswith("Excel initiation")
    assert sent[0].buttons


@pytest.mark.expect_api_errors("message to edit not found")
async def test_a_press_on_a_deleted_message_gets_a_fresh_one(chat, sqlite_engine, clock) -> None:
    """The message went away between the press and its handling (deleted by the bot)."""
    sid = add_session(sqlite_engine, now=clock.now())
    anne = chat.user()
    card, _ = await chat.send(anne, f"/start s_{sid}")
    chat.sandbox.press(anne, label=FR("card.button_enrol"), message_id=card.message_id)
    await chat.application.bot.delete_message(anne.id, card.message_id)
    await chat.deliver()
    assert chat.last(anne).plain.startswith("C'est fait : vous êtes inscrit·e à Excel")


async def test_menu_and_share_buttons_answer_with_a_new_message(
    chat, sqlite_engine, clock
) -> None:
    sid = add_session(sqlite_engine, now=clock.now())
    anne = chat.user()
    _, venue = await chat.send(anne, f"/start s_{sid}")
    [shared] = await chat.press(anne, message_id=venue.message_id, data=f"shr:{sid}")
    assert f"start=s_{sid}" in shared.plain
    [helped] = await chat.press(anne, message_id=venue.message_id, data="menu:help")
    assert helped.plain == plain(FR("help.text"))


@pytest.mark.expect_api_errors(429, "chat not found")  # post_init again: admin menus too
async def test_flood_control_at_start_up_is_waited_out(application, sandbox) -> None:
    """429 on setMyCommands, more times than the rate limiter retries: the start-up work
    waits and publishes the menus all the same."""
    await application.bot.delete_my_commands()
    assert sandbox.commands_for() == []
    sandbox.inject_fault("setMyCommands", "retry_after", times=3, retry_after=1)
    await post_init(application)
    assert [c["command"] for c in sandbox.commands_for()][:2] == ["start", "mentorat"]


@pytest.mark.expect_api_errors(429, "chat not found")  # post_init again: admin menus too
async def test_flood_control_that_lasts_never_stops_the_start(
    application, sandbox, monkeypatch
) -> None:
    monkeypatch.setattr(menu, "MENU_ATTEMPTS", 1)
    await application.bot.delete_my_commands()
    sandbox.inject_fault("setMyCommands", "retry_after", times=3, retry_after=1)
    await post_init(application)  # no exception: the default menu waits for the next start
    assert sandbox.commands_for() == []
    assert sandbox.commands_for(language_code="fr")  # the others went out


@pytest.mark.parametrize("payload", ["s_²", "s_" + "9" * 30, "s_", "s_-1", "s_١٢"])
async def test_malformed_session_links_say_so_then_show_the_menu(chat, payload) -> None:
    reply, menu = await chat.send(chat.user(), f"/start {payload}")
    assert reply.plain == FR("start.bad_link")
    assert menu.buttons


@pytest.mark.parametrize(("latitude", "longitude"), [(999, 2.0), (48.0, -999), (-91, 0)])
async def test_a_location_out_of_range_gets_a_clean_answer(chat, latitude, longitude) -> None:
    anne = chat.user()
    sent = await chat.do(anne, "share_location", latitude, longitude)
    assert sent and FR("error.generic") not in [m.plain for m in sent]


async def test_a_name_with_nul_characters_is_stored_without_them(chat, sqlite_engine) -> None:
    anne = chat.user(42, "An\x00ne", language="fr")
    [welcome] = await chat.send(anne, "/start")
    assert welcome.plain.startswith("Bonjour An")
    with Session(sqlite_engine) as session:
        assert session.get(User, 42).first_name == "Anne"


async def test_a_sticker_gets_the_text_only_answer(chat) -> None:
    [reply] = await chat.do(chat.user(), "send_sticker")
    assert reply.plain == plain(FR("fallback.media"))


@pytest.mark.parametrize(
    "text", ["Excel le ² mars", "Excel dans ³ km de Ploërmel", "Excel ١٢ mars"]
)
async def test_unicode_digits_in_a_request_are_no_numbers(chat, text) -> None:
    sent = await chat.send(chat.user(), text)
    assert sent and FR("error.generic") not in [m.plain for m in sent]
