"""The sandbox over raw HTTP: answer shapes and Telegram-like validation errors."""

from __future__ import annotations

import json

import httpx

from bot.sandbox import BotApiSandbox
from bot.sandbox.errors import NOT_MODIFIED, QUERY_TOO_OLD
from tests.sandbox.sandbox_helpers import RawApi

INLINE = json.dumps({"inline_keyboard": [[{"text": "Oui", "callback_data": "yes"}]]})


def test_get_me_shape(api: RawApi) -> None:
    me = api.ok("getMe")
    assert me["is_bot"] is True
    assert me["username"] == "ProxiSandboxBot"
    assert me["id"] == 123456
    for key in ("first_name", "can_join_groups", "can_read_all_group_messages"):
        assert key in me
    assert me["supports_inline_queries"] is False


def test_get_with_query_string_and_json_body(api: RawApi, sandbox: BotApiSandbox) -> None:
    sandbox.user(7)
    url = f"{sandbox.base_url}{sandbox.token}/sendMessage"
    response = api.client.get(url, params={"chat_id": "7", "text": "via GET"})
    assert response.json()["result"]["text"] == "via GET"
    response = api.client.post(url, json={"chat_id": 7, "text": "via JSON"})
    assert response.json()["result"]["text"] == "via JSON"


def test_wrong_token_is_401(api: RawApi) -> None:
    body = api.error("getMe", 401, token="999:WRONG")
    assert body == {"ok": False, "error_code": 401, "description": "Unauthorized"}


def test_unknown_method_is_404(api: RawApi) -> None:
    body = api.error("sendTelepathy", 404)
    assert body == {"ok": False, "error_code": 404, "description": "Not Found"}


def test_method_names_are_case_insensitive(api: RawApi) -> None:
    assert api.ok("GETME")["is_bot"] is True


def test_unknown_chat(api: RawApi) -> None:
    body = api.error("sendMessage", 400, chat_id=555, text="hi")
    assert body["description"] == "Bad Request: chat not found"


def test_message_ids_increment_per_chat(api: RawApi, sandbox: BotApiSandbox) -> None:
    sandbox.user(1)
    sandbox.user(2)
    first = api.ok("sendMessage", chat_id=1, text="a")
    second = api.ok("sendMessage", chat_id=1, text="b")
    other = api.ok("sendMessage", chat_id=2, text="c")
    assert (first["message_id"], second["message_id"], other["message_id"]) == (1, 2, 1)
    assert first["from"]["is_bot"] is True
    assert first["chat"] == {"id": 1, "type": "private", "first_name": "Test"}
    assert isinstance(first["date"], int)


def test_empty_and_too_long_text(api: RawApi, sandbox: BotApiSandbox) -> None:
    sandbox.user(1)
    empty = api.error("sendMessage", 400, chat_id=1, text="  ")
    assert empty["description"] == "Bad Request: message text is empty"
    long = api.error("sendMessage", 400, chat_id=1, text="x" * 4097)
    assert long["description"] == "Bad Request: message is too long"
    # The limit applies after entity parsing: markup does not count.
    api.ok("sendMessage", chat_id=1, text="<b>" + "x" * 4096 + "</b>", parse_mode="HTML")


def test_button_data_too_long(api: RawApi, sandbox: BotApiSandbox) -> None:
    sandbox.user(1)
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "é" * 33}]]}
    body = api.error("sendMessage", 400, chat_id=1, text="x", reply_markup=json.dumps(markup))
    assert body["description"] == "Bad Request: BUTTON_DATA_INVALID"
    markup = {"inline_keyboard": [[{"text": "A"}]]}
    body = api.error("sendMessage", 400, chat_id=1, text="x", reply_markup=json.dumps(markup))
    assert "Text buttons are unallowed" in body["description"]


def test_html_parse_errors(api: RawApi, sandbox: BotApiSandbox) -> None:
    sandbox.user(1)
    for bad in ("<b>open", "a < b", "Q&A", "<blink>x</blink>", "<b><i>x</b></i>"):
        body = api.error("sendMessage", 400, chat_id=1, text=bad, parse_mode="HTML")
        assert body["description"].startswith("Bad Request: can't parse entities: "), bad
    # Without parse_mode the same text is fine.
    assert api.ok("sendMessage", chat_id=1, text="a < b & c")["text"] == "a < b & c"


def test_caption_too_long(api: RawApi, sandbox: BotApiSandbox) -> None:
    sandbox.user(1)
    response = api.client.post(
        f"{sandbox.base_url}{sandbox.token}/sendDocument",
        data={"chat_id": "1", "caption": "c" * 1025},
        files={"document": ("a.txt", b"data", "text/plain")},
    )
    assert response.status_code == 400
    assert response.json()["description"] == "Bad Request: message caption is too long"


def test_edit_not_modified_and_not_found(api: RawApi, sandbox: BotApiSandbox) -> None:
    sandbox.user(1)
    sent = api.ok("sendMessage", chat_id=1, text="Hello", reply_markup=INLINE)
    message_id = sent["message_id"]
    same = {"chat_id": 1, "message_id": message_id, "text": "Hello", "reply_markup": INLINE}
    body = api.error("editMessageText", 400, **same)
    assert body["description"] == NOT_MODIFIED
    # Same text but omitting the markup removes the keyboard: that is a modification.
    edited = api.ok("editMessageText", chat_id=1, message_id=sent["message_id"], text="Hello")
    assert "reply_markup" not in edited
    assert "edit_date" in edited
    missing = api.error("editMessageText", 400, chat_id=1, message_id=99, text="x")
    assert missing["description"] == "Bad Request: message to edit not found"
    entry = sandbox.last_bot_message(1)
    assert entry is not None and entry.edits == 1 and entry.buttons == []


def test_edit_reply_markup_and_delete(api: RawApi, sandbox: BotApiSandbox) -> None:
    sandbox.user(1)
    sent = api.ok("sendMessage", chat_id=1, text="Pick")
    api.ok("editMessageReplyMarkup", chat_id=1, message_id=sent["message_id"], reply_markup=INLINE)
    assert sandbox.last_bot_message(1).button_texts == ["Oui"]  # type: ignore[union-attr]
    assert api.ok("deleteMessage", chat_id=1, message_id=sent["message_id"]) is True
    body = api.error("deleteMessage", 400, chat_id=1, message_id=sent["message_id"])
    assert body["description"] == "Bad Request: message to delete not found"
    assert sandbox.events(1) == [("send", 1), ("edit", 1), ("delete", 1)]
    assert sandbox.transcript(1)[0].deleted is True
    assert sandbox.last_bot_message(1) is None


def test_answer_callback_query(api: RawApi, sandbox: BotApiSandbox) -> None:
    alice = sandbox.user(1)
    api.ok("sendMessage", chat_id=1, text="Pick", reply_markup=INLINE)
    query_id = alice.press(label="oui")["callback_query"]["id"]
    assert sandbox.unanswered_callbacks(1) == [query_id]
    assert api.ok("answerCallbackQuery", callback_query_id=query_id, text="Noted") is True
    again = api.error("answerCallbackQuery", 400, callback_query_id=query_id)
    assert again["description"] == QUERY_TOO_OLD
    api.error("answerCallbackQuery", 400, callback_query_id="nope")
    assert sandbox.callback_answers(1) == [(query_id, "Noted", False)]


def test_get_updates_conflicts_with_webhook(api: RawApi) -> None:
    api.ok("setWebhook", url="https://proxi.example/hook")
    body = api.error("getUpdates", 409)
    assert body["description"].startswith("Conflict: can't use getUpdates method while webhook")
    info = api.ok("getWebhookInfo")
    assert info["url"] == "https://proxi.example/hook"
    api.ok("deleteWebhook")
    assert api.ok("getUpdates") == []


def test_get_updates_offset_and_limit(api: RawApi, sandbox: BotApiSandbox) -> None:
    alice = sandbox.user(1)
    for text in ("a", "b", "c"):
        alice.send(text)
    first_two = api.ok("getUpdates", limit=2)
    assert [u["message"]["text"] for u in first_two] == ["a", "b"]
    rest = api.ok("getUpdates", offset=first_two[-1]["update_id"] + 1)
    assert [u["message"]["text"] for u in rest] == ["c"]
    assert sandbox.pending_update_count() == 1  # not confirmed yet
    api.ok("getUpdates", offset=rest[-1]["update_id"] + 1)
    assert sandbox.pending_update_count() == 0


def test_commands_roundtrip(api: RawApi, sandbox: BotApiSandbox) -> None:
    commands = json.dumps([{"command": "start", "description": "Démarrer"}])
    scope = json.dumps({"type": "all_private_chats"})
    api.ok("setMyCommands", commands=commands, scope=scope, language_code="fr")
    assert api.ok("getMyCommands", scope=scope, language_code="fr")[0]["command"] == "start"
    assert api.ok("getMyCommands") == []
    assert sandbox.commands_for({"type": "all_private_chats"}, "fr") == [
        {"command": "start", "description": "Démarrer"}
    ]
    bad = json.dumps([{"command": "Start!", "description": "x"}])
    assert api.error("setMyCommands", 400, commands=bad)["description"].endswith(
        "BOT_COMMAND_INVALID"
    )
    api.ok("deleteMyCommands", scope=scope, language_code="fr")
    assert sandbox.commands_for({"type": "all_private_chats"}, "fr") == []


def test_file_download_routes(api: RawApi, sandbox: BotApiSandbox) -> None:
    alice = sandbox.user(1)
    update = sandbox.upload_document(alice, b"\x00\x01binary", "data.bin")
    file = api.ok("getFile", file_id=update["message"]["document"]["file_id"])
    token = sandbox.token.replace(":", "%3A")  # PTB percent-encodes the token
    response = api.client.get(f"{sandbox.base_file_url}{token}/{file['file_path']}")
    assert response.status_code == 200
    assert response.content == b"\x00\x01binary"
    assert api.client.get(f"{sandbox.base_file_url}{token}/nope").status_code == 404
    wrong = api.client.get(f"{sandbox.base_file_url}1%3AX/{file['file_path']}")
    assert wrong.status_code == 401


def test_calls_are_recorded(api: RawApi, sandbox: BotApiSandbox) -> None:
    api.ok("getMe")
    api.call("noSuchMethod")
    names = [name for name, _params, _at in sandbox.calls]
    assert names == ["getMe", "noSuchMethod"]
    assert sandbox.calls_for("GETME")[0][0] == "getMe"


def test_stop_releases_the_port() -> None:
    sandbox = BotApiSandbox()
    sandbox.start()
    url = sandbox.url
    sandbox.stop()
    sandbox.stop()  # idempotent
    try:
        httpx.get(f"{url}/bot{sandbox.token}/getMe", timeout=1)
    except httpx.ConnectError:
        pass
    else:
        raise AssertionError("the sandbox still answers after stop()")
