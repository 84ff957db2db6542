"""The user-side Python API and the transcript, without going through PTB."""

from __future__ import annotations

import threading

import pytest

from bot.sandbox import BotApiSandbox, SandboxUser
from tests.sandbox.sandbox_helpers import RawApi


def test_user_registration(sandbox: BotApiSandbox) -> None:
    alice = sandbox.user(42, "Alice", last_name="Martin", username="alice_m", language_code="en")
    assert isinstance(alice, SandboxUser)
    assert sandbox.user(42) is alice  # existing users are returned unchanged
    assert alice.to_api() == {
        "id": 42,
        "is_bot": False,
        "first_name": "Alice",
        "last_name": "Martin",
        "username": "alice_m",
        "language_code": "en",
    }
    update = alice.send("salut")
    assert update["message"]["chat"] == {
        "id": 42,
        "type": "private",
        "first_name": "Alice",
        "last_name": "Martin",
        "username": "alice_m",
    }
    with pytest.raises(LookupError, match=r"sandbox.user\(7\)"):
        sandbox.send_text(7, "who am I")
    with pytest.raises(LookupError, match="unknown chat"):
        sandbox.send_text(alice, "hello", chat_id=-5)


def test_commands_get_entities(sandbox: BotApiSandbox) -> None:
    alice = sandbox.user(42)
    assert sandbox.send_text(alice, "/start abc")["message"]["entities"] == [
        {"type": "bot_command", "offset": 0, "length": 6}
    ]
    assert "entities" not in sandbox.send_text(alice, "pas une commande")["message"]
    assert "entities" not in sandbox.send_text(alice, "/ espace")["message"]


def test_update_ids_and_take_updates(sandbox: BotApiSandbox) -> None:
    alice = sandbox.user(42)
    ids = [alice.send(str(n))["update_id"] for n in range(3)]
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert sandbox.pending_update_count() == 3
    assert [u["update_id"] for u in sandbox.take_updates()] == ids
    assert sandbox.take_updates() == []


def test_transcript_is_a_snapshot(api: RawApi, sandbox: BotApiSandbox) -> None:
    alice = sandbox.user(42)
    alice.send("bonjour")
    api.ok("sendMessage", chat_id=42, text="<b>Bienvenue</b> &amp; merci", parse_mode="HTML")
    transcript = sandbox.transcript(42)
    assert [(e.sender, e.kind) for e in transcript] == [("user", "text"), ("bot", "text")]
    assert transcript[1].text == "<b>Bienvenue</b> &amp; merci"
    assert transcript[1].plain == "Bienvenue & merci"
    transcript[1].text = "tampered"
    assert sandbox.transcript(42)[1].text == "<b>Bienvenue</b> &amp; merci"
    assert sandbox.events(42) == [("send", 1), ("send", 2)]
    with pytest.raises(LookupError):
        sandbox.transcript(999)


def test_user_edit(sandbox: BotApiSandbox) -> None:
    alice = sandbox.user(42)
    bob = sandbox.user(43)
    message_id = alice.send("premier jet")["message"]["message_id"]
    update = sandbox.edit_text(alice, message_id, "version finale")
    assert update["edited_message"]["text"] == "version finale"
    assert "edit_date" in update["edited_message"]
    entry = sandbox.transcript(42)[0]
    assert (entry.text, entry.edits) == ("version finale", 1)
    assert sandbox.events(42)[-1] == ("edit", message_id)
    with pytest.raises(LookupError):
        sandbox.edit_text(bob, message_id, "pas à moi")


def test_wait_for(sandbox: BotApiSandbox) -> None:
    alice = sandbox.user(42)
    assert sandbox.wait_for(lambda: False, timeout=0.05) is False
    threading.Timer(0.05, lambda: alice.send("plus tard")).start()
    assert sandbox.wait_for(lambda: sandbox.pending_update_count() == 1, timeout=5)


def test_press_on_given_and_deleted_messages(api: RawApi, sandbox: BotApiSandbox) -> None:
    alice = sandbox.user(42)
    markup = '{"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}'
    first = api.ok("sendMessage", chat_id=42, text="1", reply_markup=markup)["message_id"]
    api.ok("sendMessage", chat_id=42, text="2", reply_markup=markup.replace('"a"', '"b"'))
    assert alice.press(message_id=first)["callback_query"]["data"] == "a"
    assert alice.press()["callback_query"]["data"] == "b"  # latest keyboard by default
    api.ok("deleteMessage", chat_id=42, message_id=first)
    with pytest.raises(LookupError):
        alice.press(message_id=first)


def test_concurrent_sends_get_distinct_ids(api: RawApi, sandbox: BotApiSandbox) -> None:
    sandbox.user(42)
    errors: list[BaseException] = []

    def send_many() -> None:
        try:
            for n in range(10):
                api.ok("sendMessage", chat_id=42, text=f"m{n}")
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=send_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert errors == []
    ids = [e.message_id for e in sandbox.transcript(42)]
    assert sorted(ids) == list(range(1, 41))


def test_bot_user_and_urls(sandbox: BotApiSandbox) -> None:
    assert sandbox.bot_user["username"] == "ProxiSandboxBot"
    assert sandbox.base_url == sandbox.url + "/bot"
    assert sandbox.base_file_url == sandbox.url + "/file/bot"
    assert sandbox.url.startswith("http://127.0.0.1:")
    with pytest.raises(RuntimeError):
        _ = BotApiSandbox().url
