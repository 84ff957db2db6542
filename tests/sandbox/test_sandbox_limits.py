"""The sandbox refuses what Telegram refuses (issue 10): each rule with Telegram's own words.

Sources: telegram-bot-api (Client.cpp, Client.h, WebhookActor.cpp, Query.cpp), tdlib
(MessageEntity.cpp, FileLoaderUtils.cpp), the Bot FAQ's limits.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot.clock import FrozenClock
from bot.sandbox import BotApiSandbox
from bot.sandbox.errors import QUERY_TOO_OLD
from bot.sandbox.flood import FloodLimits
from tests.sandbox.sandbox_helpers import RawApi

logger = logging.getLogger(__name__)

TOO_LONG = "Bad Request: reply markup is too long"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2027, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def sandbox(clock: FrozenClock) -> Iterator[BotApiSandbox]:
    """A sandbox on a controllable clock (the suite's own runs on real time)."""
    with BotApiSandbox(clock=clock) as server:
        yield server


def _keyboard(
    api: RawApi, rows: list[list[dict[str, str]]], key: str = "inline_keyboard"
) -> httpx.Response:
    markup = json.dumps({key: rows})
    return api.call("sendMessage", chat_id=42, text="menu", reply_markup=markup)


def _button(n: int) -> dict[str, str]:
    return {"text": f"b{n}", "callback_data": f"d{n}"}


# -- 1. callback queries expire -----------------------------------------------------------
def test_a_press_not_fetched_in_time_is_dropped(
    api: RawApi, sandbox: BotApiSandbox, clock: FrozenClock
) -> None:
    sandbox.user(42)
    assert _keyboard(api, [[_button(1)]]).status_code == 200
    sandbox.press(42, index=1)
    sandbox.send_text(42, "bonjour")
    clock.advance(timedelta(seconds=151))
    updates = api.ok("getUpdates")
    assert [next(k for k in u if k != "update_id") for u in updates] == ["message"]


def test_answering_an_old_query_is_refused(
    api: RawApi, sandbox: BotApiSandbox, clock: FrozenClock
) -> None:
    sandbox.user(42)
    _keyboard(api, [[_button(1)]])
    query_id = sandbox.press(42, index=1)["callback_query"]["id"]
    assert api.ok("getUpdates")  # fetched in time...
    clock.advance(timedelta(seconds=151))  # ...but answered too late
    body = api.error("answerCallbackQuery", 400, callback_query_id=query_id)
    assert body["description"] == QUERY_TOO_OLD
    assert sandbox.unanswered_callbacks(42) == [query_id]


def test_the_callback_window_is_configurable(api: RawApi, clock: FrozenClock) -> None:
    with BotApiSandbox(clock=clock, callback_query_ttl=5) as sandbox:
        local = RawApi(sandbox, api.client)
        sandbox.user(42)
        _keyboard(local, [[_button(1)]])
        query_id = sandbox.press(42, index=1)["callback_query"]["id"]
        clock.advance(timedelta(seconds=4))
        assert local.ok("answerCallbackQuery", callback_query_id=query_id) is True
        second = sandbox.press(42, index=1)["callback_query"]["id"]
        clock.advance(timedelta(seconds=6))
        assert sandbox.take_updates() == []
        local.error("answerCallbackQuery", 400, callback_query_id=second)


# -- 2. keyboard sizes --------------------------------------------------------------------
def test_inline_keyboard_limits(api: RawApi, sandbox: BotApiSandbox) -> None:
    sandbox.user(42)
    assert _keyboard(api, [[_button(n) for n in range(8)]]).status_code == 200
    assert _keyboard(api, [[_button(n) for n in range(9)]]).json()["description"] == TOO_LONG
    full = [[_button(r * 8 + n) for n in range(4)] for r in range(25)]  # 100 buttons
    assert _keyboard(api, full).status_code == 200
    over = [*full, [_button(100)]]
    assert _keyboard(api, over).json()["description"] == TOO_LONG
    long_data = [[{"text": "x", "callback_data": "é" * 33}]]  # 66 bytes
    assert _keyboard(api, long_data).json()["description"] == "Bad Request: BUTTON_DATA_INVALID"


def test_reply_keyboard_limits(api: RawApi, sandbox: BotApiSandbox) -> None:
    sandbox.user(42)
    row = [{"text": f"k{n}"} for n in range(12)]
    assert _keyboard(api, [row], "keyboard").status_code == 200
    wide = [[*row, {"text": "k12"}]]
    assert _keyboard(api, wide, "keyboard").json()["description"] == TOO_LONG
    rows = [[{"text": f"k{r}-{n}"} for n in range(10)] for r in range(31)]  # 310 buttons
    assert _keyboard(api, rows, "keyboard").json()["description"] == TOO_LONG


# -- 4. files and command scopes ----------------------------------------------------------
def test_get_file_refuses_files_over_20_mb(api: RawApi, sandbox: BotApiSandbox) -> None:
    sandbox.user(42)
    big = sandbox.upload_document(42, b"x" * ((20 << 20) + 1), "gros.csv")
    small = sandbox.upload_document(42, b"x" * (20 << 20), "juste.csv")
    body = api.error("getFile", 400, file_id=big["message"]["document"]["file_id"])
    assert body["description"] == "Bad Request: file is too big"
    assert (
        api.ok("getFile", file_id=small["message"]["document"]["file_id"])["file_size"] == 20 << 20
    )


def test_empty_documents_are_refused(api: RawApi, sandbox: BotApiSandbox) -> None:
    sandbox.user(42)
    with pytest.raises(ValueError, match="empty file"):
        sandbox.upload_document(42, b"", "vide.csv")
    url = f"{sandbox.base_url}{sandbox.token}/sendDocument"
    response = api.client.post(url, data={"chat_id": "42"}, files={"document": ("vide.csv", b"")})
    assert response.json()["description"] == "Bad Request: file must be non-empty"


def test_command_scope_of_an_unknown_chat(api: RawApi, sandbox: BotApiSandbox) -> None:
    sandbox.user(42)
    commands = json.dumps([{"command": "start", "description": "Début"}])
    for scope in (
        {"type": "chat", "chat_id": 999},
        {"type": "chat_member", "chat_id": 7, "user_id": 42},
    ):
        body = api.error("setMyCommands", 400, commands=commands, scope=json.dumps(scope))
        assert body["description"] == "Bad Request: chat not found"
    assert api.ok(
        "setMyCommands", commands=commands, scope=json.dumps({"type": "chat", "chat_id": 42})
    )


# -- 5. webhooks --------------------------------------------------------------------------
HTTPS_ONLY = "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
PORTS = "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"


@pytest.mark.parametrize(
    ("url", "description"),
    [
        ("http://bot.example/hook", HTTPS_ONLY),
        ("https://bot.example:8080/hook", PORTS),
        ("ftp://bot.example/hook", "Bad Request: invalid webhook URL specified"),
    ],
)
def test_webhook_urls_telegram_refuses(api: RawApi, url: str, description: str) -> None:
    assert api.error("setWebhook", 400, url=url)["description"] == description
    assert api.ok("getWebhookInfo")["url"] == ""


@pytest.mark.parametrize(
    "url",
    [
        "https://bot.example/h",
        "https://bot.example:88/h",
        "bot.example:8443/h",
        "https://b.example:80/h",
    ],
)
def test_webhook_urls_telegram_accepts(api: RawApi, url: str) -> None:
    assert api.ok("setWebhook", url=url) is True


# -- 6. blocking --------------------------------------------------------------------------
def test_blocking_emits_my_chat_member(sandbox: BotApiSandbox) -> None:
    anne = sandbox.user(42, "Anne")
    sandbox.block(42)
    sandbox.block(42)  # already blocked: nothing new
    sandbox.unblock(42)
    changes = [u["my_chat_member"] for u in sandbox.take_updates()]
    assert [(c["old_chat_member"]["status"], c["new_chat_member"]["status"]) for c in changes] == [
        ("member", "kicked"),
        ("kicked", "member"),
    ]
    assert changes[0]["from"] == anne.to_api()
    assert changes[0]["chat"] == {"id": 42, "type": "private", "first_name": "Anne"}
    assert changes[0]["new_chat_member"]["user"]["id"] == sandbox.bot_user["id"]


# -- 7. flood control ---------------------------------------------------------------------
def _send(api: RawApi, chat_id: int) -> httpx.Response:
    return api.call("sendMessage", chat_id=chat_id, text="hop")


def test_flood_control_is_off_by_default(api: RawApi, sandbox: BotApiSandbox) -> None:
    sandbox.user(42)
    assert all(_send(api, 42).status_code == 200 for _ in range(40))


def test_flood_per_chat_tolerates_a_burst_then_answers_429(
    api: RawApi, sandbox: BotApiSandbox, clock: FrozenClock
) -> None:
    sandbox.user(42)
    sandbox.user(43)
    sandbox.enable_flood_control()
    assert [_send(api, 42).status_code for _ in range(4)] == [200, 200, 200, 429]
    body = _send(api, 42).json()
    assert body["description"] == "Too Many Requests: retry after 1"
    assert body["parameters"] == {"retry_after": 1}
    assert _send(api, 43).status_code == 200  # other chats are not held back
    clock.advance(timedelta(seconds=1))
    assert _send(api, 42).status_code == 200
    assert _send(api, 42).status_code == 429


def test_flood_per_bot(api: RawApi, sandbox: BotApiSandbox, clock: FrozenClock) -> None:
    for user_id in range(1, 41):
        sandbox.user(user_id)
    sandbox.enable_flood_control(FloodLimits(per_bot_per_second=30))
    statuses = [_send(api, user_id).status_code for user_id in range(1, 41)]
    assert statuses == [200] * 30 + [429] * 10
    assert api.ok("sendChatAction", chat_id=40, action="typing") is True  # not a message
    clock.advance(timedelta(seconds=1))
    assert _send(api, 40).status_code == 200
    sandbox.disable_flood_control()
    assert all(_send(api, 40).status_code == 200 for _ in range(5))


# -- 3. formatting ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "description"),
    [
        ("<a href=https://x.fr>x</a>", "Unexpected end of name token at byte offset 8"),
        ("é<a href=x/y>x</a>", "Unexpected end of name token at byte offset 10"),
    ],
)
def test_unquoted_attribute_values_must_be_name_tokens(
    api: RawApi, sandbox: BotApiSandbox, text: str, description: str
) -> None:
    sandbox.user(42)
    body = api.error("sendMessage", 400, chat_id=42, text=text, parse_mode="HTML")
    assert body["description"] == f"Bad Request: can't parse entities: {description}"


def test_unquoted_name_token_is_accepted(api: RawApi, sandbox: BotApiSandbox) -> None:
    sandbox.user(42)
    sent = api.ok(
        "sendMessage", chat_id=42, text="<span class=TG-spoiler>s</span>", parse_mode="HTML"
    )
    assert sent["entities"] == [{"type": "spoiler", "offset": 0, "length": 1}]


def test_unknown_parse_mode_is_refused(api: RawApi, sandbox: BotApiSandbox) -> None:
    sandbox.user(42)
    body = api.error("sendMessage", 400, chat_id=42, text="x", parse_mode="BBCode")
    assert body["description"] == "Bad Request: unsupported parse_mode"
    assert api.ok("sendMessage", chat_id=42, text="<b>", parse_mode="None")["text"] == "<b>"
