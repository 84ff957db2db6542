"""The real PTB Application against the sandbox, updates fed through process_update."""

from __future__ import annotations

import pytest
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.sandbox import BotApiSandbox

KEYBOARD = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("Lundi", callback_data="day:mon")],
        [
            InlineKeyboardButton("Mardi", callback_data="day:tue"),
            InlineKeyboardButton("Site", url="https://example.org"),
        ],
    ]
)


async def feed(app: Application, sandbox: BotApiSandbox) -> None:
    """Deliver every pending update to the application, as polling would."""
    for raw in sandbox.take_updates():
        await app.process_update(Update.de_json(raw, app.bot))


async def test_initialize_reads_get_me(app: Application) -> None:
    assert app.bot.username == "ProxiSandboxBot"
    assert app.bot.id == 123456


async def test_press_answer_and_edit(app: Application, sandbox: BotApiSandbox) -> None:
    alice = sandbox.user(42, "Alice")

    async def on_day(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        await query.answer("C'est noté", show_alert=True)
        await query.edit_message_text(f"Choisi : <b>{query.data}</b>", parse_mode="HTML")

    app.add_handler(CallbackQueryHandler(on_day))
    sent = await app.bot.send_message(42, "Quel jour ?", reply_markup=KEYBOARD)
    assert sent.reply_markup == KEYBOARD

    update = sandbox.press(alice, label="mardi")
    assert update["callback_query"]["data"] == "day:tue"
    assert update["callback_query"]["message"]["message_id"] == sent.message_id
    await feed(app, sandbox)

    entry = sandbox.transcript(42)[-1]
    assert entry.text == "Choisi : <b>day:tue</b>"
    assert entry.plain == "Choisi : day:tue"
    assert entry.edits == 1
    assert entry.buttons == []  # edit_message_text without markup drops the keyboard
    assert sandbox.events(42) == [("send", 1), ("edit", 1)]
    [(query_id, text, show_alert)] = sandbox.callback_answers(42)
    assert (query_id, text, show_alert) == (update["callback_query"]["id"], "C'est noté", True)


async def test_press_errors(app: Application, sandbox: BotApiSandbox) -> None:
    alice = sandbox.user(42)
    with pytest.raises(LookupError, match="no bot message with an inline keyboard"):
        sandbox.press(alice, index=1)
    await app.bot.send_message(42, "Quel jour ?", reply_markup=KEYBOARD)
    with pytest.raises(LookupError, match="URL button"):
        sandbox.press(alice, label="Site")
    with pytest.raises(LookupError, match="no button #9"):
        sandbox.press(alice, index=9)
    with pytest.raises(LookupError, match="pass index= or label="):
        sandbox.press(alice)
    assert sandbox.press(alice, index=2)["callback_query"]["data"] == "day:tue"
    forged = sandbox.press(alice, data="admin:delete-all")
    assert forged["callback_query"]["data"] == "admin:delete-all"


async def test_user_document_download(app: Application, sandbox: BotApiSandbox) -> None:
    alice = sandbox.user(42)
    content = bytes(range(256)) * 10
    update = sandbox.upload_document(alice, content, "agenda.ics", caption="Mon agenda")
    message = Update.de_json(update, app.bot).message
    assert message is not None and message.document is not None
    assert message.document.file_name == "agenda.ics"
    assert message.document.mime_type == "text/calendar"
    assert message.caption == "Mon agenda"
    file = await app.bot.get_file(message.document.file_id)
    assert await file.download_as_bytearray() == bytearray(content)


async def test_bot_document_photo_and_reuse(app: Application, sandbox: BotApiSandbox) -> None:
    sandbox.user(42)
    sent = await app.bot.send_document(
        42, b"%PDF-1.4 fake", filename="planning.pdf", caption="<i>Votre planning</i>",
        parse_mode="HTML", disable_notification=True,
    )  # fmt: skip
    assert sent.document is not None and sent.caption == "Votre planning"
    entry = sandbox.last_bot_message(42)
    assert entry is not None
    assert (entry.kind, entry.file_name, entry.file_bytes) == ("document", "planning.pdf",
                                                               b"%PDF-1.4 fake")  # fmt: skip
    assert entry.mime_type == "application/pdf" and entry.disable_notification is True
    assert entry.plain == "Votre planning"
    again = await app.bot.send_document(42, sent.document.file_id)
    assert again.document is not None and again.document.file_id == sent.document.file_id
    photo = await app.bot.send_photo(42, b"\x89PNG\r\n\x1a\nnot really")
    assert photo.photo[-1].file_size == 18
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await app.bot.send_document(42, "no-such-file-id")


async def test_venue_location_and_reply_keyboard(app: Application, sandbox: BotApiSandbox) -> None:
    alice = sandbox.user(42)
    venue = await app.bot.send_venue(42, 48.85, 2.35, "Centre AFPA", "12 rue de Paris")
    assert venue.venue is not None and venue.venue.title == "Centre AFPA"
    entry = sandbox.last_bot_message(42)
    assert entry is not None
    assert (entry.kind, entry.latitude, entry.longitude) == ("venue", 48.85, 2.35)
    assert entry.address == "12 rue de Paris"
    await app.bot.send_location(42, 45.76, 4.83)
    assert sandbox.last_bot_message(42).kind == "location"  # type: ignore[union-attr]

    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton("📍 Ma position", request_location=True)], ["Annuler"]],
        one_time_keyboard=True,
    )
    await app.bot.send_message(42, "Où êtes-vous ?", reply_markup=keyboard)
    assert sandbox.last_bot_message(42).reply_keyboard[0][0]["request_location"] is True  # type: ignore[index,union-attr]
    update = sandbox.tap(alice, "📍 Ma position", latitude=43.6, longitude=1.44)
    assert update["message"]["location"] == {"latitude": 43.6, "longitude": 1.44}
    assert sandbox.reply_keyboard(42) is None  # one-time keyboards hide after use

    await app.bot.send_message(42, "Choix", reply_markup=ReplyKeyboardMarkup([["Oui", "Non"]]))
    assert sandbox.tap(alice, "non")["message"]["text"] == "Non"
    await app.bot.send_message(42, "OK", reply_markup=ReplyKeyboardRemove())
    assert sandbox.reply_keyboard(42) is None
    await app.bot.send_message(42, "Votre nom ?", reply_markup=ForceReply())
    assert sandbox.last_bot_message(42).force_reply is True  # type: ignore[union-attr]


async def test_reply_parameters(app: Application, sandbox: BotApiSandbox) -> None:
    alice = sandbox.user(42)
    question = sandbox.send_text(alice, "Bonjour")["message"]["message_id"]
    answer = await app.bot.send_message(
        42, "Salut", reply_parameters=ReplyParameters(message_id=question)
    )
    assert answer.reply_to_message is not None
    assert answer.reply_to_message.text == "Bonjour"
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await app.bot.send_message(42, "x", reply_parameters=ReplyParameters(message_id=999))


async def test_commands_with_scope_and_language(app: Application, sandbox: BotApiSandbox) -> None:
    scope = BotCommandScopeAllPrivateChats()
    await app.bot.set_my_commands(
        [BotCommand("start", "Commencer"), BotCommand("aide", "Aide")],
        scope=scope,
        language_code="fr",
    )
    assert [c["command"] for c in sandbox.commands_for({"type": "all_private_chats"}, "fr")] == [
        "start",
        "aide",
    ]
    assert sandbox.commands_for() == []
    fetched = await app.bot.get_my_commands(scope=scope, language_code="fr")
    assert fetched[0] == BotCommand("start", "Commencer")
    assert await app.bot.delete_my_commands(scope=scope, language_code="fr") is True
    assert sandbox.commands_for({"type": "all_private_chats"}, "fr") == []


async def test_group_messages_and_commands(app: Application, sandbox: BotApiSandbox) -> None:
    alice = sandbox.user(42, "Alice", username="alice")
    sandbox.group(-100123, "Formateurs")
    seen: list[str] = []

    async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None and update.effective_message is not None
        seen.append(f"{update.effective_chat.type}:{update.effective_message.text}")
        await update.effective_message.reply_text("vu")

    app.add_handler(MessageHandler(filters.TEXT, on_message))
    update = sandbox.send_text(alice, "/start@ProxiSandboxBot hello", chat_id=-100123)
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 22}]
    await feed(app, sandbox)
    assert seen == ["supergroup:/start@ProxiSandboxBot hello"]
    assert [e.sender for e in sandbox.transcript(-100123)] == ["user", "bot"]


async def test_other_user_updates_parse(app: Application, sandbox: BotApiSandbox) -> None:
    alice = sandbox.user(42)
    sent = sandbox.send_text(alice, "bonjour")["message"]["message_id"]
    updates = [
        sandbox.send_sticker(alice),
        sandbox.send_photo(alice, caption="ma photo"),
        sandbox.send_voice(alice),
        sandbox.send_contact(alice),
        sandbox.share_location(alice, 48.1, -1.6),
        sandbox.edit_text(alice, sent, "bonsoir"),
    ]
    parsed = [Update.de_json(u, app.bot) for u in updates]
    assert parsed[0].message.sticker.emoji == "👍"  # type: ignore[union-attr]
    assert parsed[1].message.photo[-1].width == 1  # type: ignore[union-attr]
    assert parsed[2].message.voice.file_size > 0  # type: ignore[union-attr]
    assert parsed[3].message.contact.user_id == 42  # type: ignore[union-attr]
    assert parsed[4].message.location.longitude == -1.6  # type: ignore[union-attr]
    assert parsed[5].edited_message.text == "bonsoir"  # type: ignore[union-attr]
    kinds = [e.kind for e in sandbox.transcript(42)]
    assert kinds == ["text", "sticker", "photo", "voice", "contact", "location"]
    assert sandbox.transcript(42)[0].edits == 1
    photo = await (
        await app.bot.get_file(parsed[1].message.photo[-1].file_id)
    ).download_as_bytearray()  # type: ignore[union-attr]
    assert photo.startswith(b"\x89PNG")
