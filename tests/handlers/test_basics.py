"""The first conversation: welcome, help, language, privacy, forgetting, odd input."""

import pytest
from sqlmodel import Session
from telegram.error import Forbidden

from bot.i18n import translator
from bot.models import User

FR = translator("fr")
EN = translator("en")


def _plain(html_text: str) -> str:
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", html_text))


async def test_start_welcomes_in_french_with_main_actions(chat) -> None:
    anne = chat.user()
    [welcome] = await chat.send(anne, "/start")
    assert welcome.plain == _plain(FR("start.hello", name="Anne") + "\n" + FR("start.intro"))
    labels = [b.text for row in welcome.buttons for b in row]
    assert labels == [
        FR("start.button_search"),
        FR("companies.button_menu"),
        FR("start.button_help"),
        FR("start.button_language"),
    ]


async def test_english_speakers_get_english(chat) -> None:
    john = chat.user(7, "John", language="en-GB")
    [welcome] = await chat.send(john, "/start")
    assert welcome.plain.startswith("Hello John!")


async def test_names_are_escaped_in_html(chat) -> None:
    mallory = chat.user(8, "<b>Eve</b> & co")
    [welcome] = await chat.send(mallory, "/start")
    assert welcome.plain.startswith("Bonjour <b>Eve</b> & co !")


@pytest.mark.parametrize(
    "payload",
    [
        "zzz_unknown",  # no such kind of link
        "s_999999",  # a session that does not exist (any more)
        "s_99999999999999999999999",  # an id no database holds
        "s_12ab",  # a mistyped session link
        "s_",  # a link cut short
        "s_²",  # a Unicode digit
        "i_notarealtoken",  # an unknown, used or expired invite
        "i_",
    ],
)
async def test_a_broken_deep_link_gets_the_same_answer_and_the_menu(chat, payload) -> None:
    anne = chat.user()
    replies = await chat.send(anne, f"/start {payload}")
    assert [r.plain for r in replies] == [
        _plain(FR("start.bad_link")),
        _plain(FR("start.hello", name="Anne") + "\n" + FR("start.intro")),
    ]
    assert replies[1].buttons[0][0].text == FR("start.button_search")


async def test_help_lists_what_the_bot_does(chat) -> None:
    [reply] = await chat.send(chat.user(), "/help")
    assert reply.plain == _plain(FR("help.text"))


async def test_menu_buttons_answer(chat) -> None:
    anne = chat.user()
    await chat.send(anne, "/start")
    [reply] = await chat.press(anne, label=FR("start.button_help"))
    assert reply.plain == _plain(FR("help.text"))


async def test_language_change_is_remembered(chat, sqlite_engine) -> None:
    anne = chat.user()
    await chat.send(anne, "/langue")
    await chat.press(anne, label="English")
    assert chat.last(anne).plain == EN("language.changed")
    [welcome] = await chat.send(anne, "/start")
    assert welcome.plain.startswith("Hello Anne!")
    with Session(sqlite_engine) as session:
        assert session.get(User, anne.id).language == "en"


async def test_privacy_explains_what_is_stored(chat) -> None:
    [reply] = await chat.send(chat.user(), "/privacy")
    assert reply.plain == _plain(FR("privacy.text"))


async def test_forget_needs_confirmation_then_deletes(chat, sqlite_engine) -> None:
    anne = chat.user()
    await chat.send(anne, "/start")
    [question] = await chat.send(anne, "/forget")
    assert question.plain == FR("forget.confirm")
    await chat.press(anne, label=FR("forget.button_no"))
    with Session(sqlite_engine) as session:
        assert session.get(User, anne.id) is not None
    await chat.send(anne, "/forget")
    await chat.press(anne, label=FR("forget.button_yes"))
    assert chat.last(anne).plain == FR("forget.done")
    with Session(sqlite_engine) as session:
        assert session.get(User, anne.id) is None


async def test_odd_input_gets_a_helpful_answer(chat) -> None:
    anne = chat.user()
    assert [r.plain for r in await chat.do(anne, "send_sticker")] == [FR("fallback.media")]
    assert [r.plain for r in await chat.do(anne, "send_photo")] == [FR("fallback.media")]
    assert [r.plain for r in await chat.do(anne, "send_voice")] == [FR("fallback.media")]
    assert [r.plain for r in await chat.send(anne, "/nimportequoi")] == [
        FR("fallback.unknown_command")
    ]
    long_text = [r.plain for r in await chat.send(anne, "a" * 4096)]
    assert long_text == [_plain(FR("fallback.too_long"))]


async def test_edited_messages_are_not_acted_upon_twice(chat) -> None:
    anne = chat.user()
    await chat.send(anne, "bonjour")
    first = chat.sandbox.transcript(anne.id)[0]
    replies = await chat.do(anne, "edit_text", first.message_id, "bonsoir")
    assert [r.plain for r in replies] == [FR("fallback.edited")]


async def test_forged_button_data_is_refused_politely(chat) -> None:
    anne = chat.user()
    await chat.send(anne, "/start")
    await chat.press(anne, data="enrol:99999:someone-else")
    answers = chat.sandbox.callback_answers(anne.id)
    assert answers[-1][1] == FR("fallback.stale_button")


async def test_groups_get_one_polite_answer(chat) -> None:
    anne = chat.user()
    chat.sandbox.group(-100123, "Les amis")
    for _ in range(3):
        chat.sandbox.send_text(anne, "/start", chat_id=-100123)
    await chat.deliver()
    replies = [e for e in chat.sandbox.transcript(-100123) if e.sender == "bot"]
    assert [r.plain for r in replies] == [
        FR("group.private_only", bot_username=chat.application.bot.username)
    ]


async def test_menus_are_published_per_language(chat) -> None:
    fr = chat.sandbox.commands_for(None, "fr")
    en = chat.sandbox.commands_for(None, "en")
    assert [c["command"] for c in fr] == [
        "start",
        "mentorat",
        "mes_rdv",
        "mes_inscriptions",
        "alertes",
        "settings",
        "help",
        "langue",
        "privacy",
        "forget",
    ]
    assert [c["command"] for c in en] == [
        "start",
        "mentoring",
        "my_appointments",
        "my_enrolments",
        "alerts",
        "settings",
        "help",
        "language",
        "privacy",
        "forget",
    ]
    assert en[0]["description"] == EN("commands.start")


# The handler raises on purpose: the error handler is the subject.
@pytest.mark.expect_error_handler(raises=RuntimeError)
async def test_an_unexpected_error_is_logged_and_the_user_told_politely(chat, caplog) -> None:
    from telegram.ext import MessageHandler, filters

    async def explode(update, context) -> None:
        raise RuntimeError("database on fire: password=hunter2")

    chat.application.add_handler(MessageHandler(filters.Regex("^boom$"), explode), group=-2)
    replies = await chat.send(chat.user(), "boom")
    assert replies[0].plain == FR("error.generic")
    assert all("hunter2" not in reply.plain for reply in replies)
    assert any("database on fire" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


# The user blocked the bot: the send fails with 403 and the error handler marks them.
@pytest.mark.expect_api_errors(403)
@pytest.mark.expect_error_handler(raises=Forbidden)
async def test_a_user_who_blocked_the_bot_is_marked_inactive(chat, sqlite_engine) -> None:
    anne = chat.user()
    await chat.send(anne, "/start")
    chat.sandbox.block(anne.id)
    assert await chat.send(anne, "/help") == []
    with Session(sqlite_engine) as session:
        assert session.get(User, anne.id).is_active is False
    chat.sandbox.unblock(anne.id)
    await chat.send(anne, "/help")
    with Session(sqlite_engine) as session:
        assert session.get(User, anne.id).is_active is True
