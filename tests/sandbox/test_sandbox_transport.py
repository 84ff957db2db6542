"""Getting updates out of the sandbox: long polling and webhook pushes."""

from __future__ import annotations

import datetime as dtm
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.sandbox import BotApiSandbox, webhook
from tests.sandbox.sandbox_helpers import RawApi


class Receiver:
    """A tiny webhook endpoint recording what it receives; answers `status`."""

    def __init__(self) -> None:
        self.status = 200
        self.hold_chat: int | None = None  # deliveries for this chat wait for `release`
        self.release = threading.Event()
        self.received: list[tuple[dict[str, Any], str | None]] = []
        self.cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.cond:
                    secret = self.headers.get("X-Telegram-Bot-Api-Secret-Token")
                    receiver.received.append((json.loads(body), secret))
                    receiver.cond.notify_all()
                chat = json.loads(body).get("message", {}).get("chat", {}).get("id")
                if chat is not None and chat == receiver.hold_chat:
                    receiver.release.wait(5)
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def wait(self, count: int, timeout: float = 5.0) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: len(self.received) >= count, timeout)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    endpoint = Receiver()
    endpoint.thread.start()
    yield endpoint
    endpoint.server.shutdown()
    endpoint.server.server_close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_text(f"echo: {update.message.text}")


async def test_ptb_long_polling(app: Application, sandbox: BotApiSandbox) -> None:
    alice = sandbox.user(42)
    app.add_handler(MessageHandler(filters.TEXT, _echo))
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=1))
    await app.start()
    alice.send("bonjour")
    assert await sandbox.wait_for_async(lambda: sandbox.last_bot_message(42) is not None)
    assert sandbox.last_bot_message(42).text == "echo: bonjour"  # type: ignore[union-attr]
    await app.updater.stop()
    await app.stop()
    # Updater.stop confirms what was processed, so nothing is redelivered.
    assert sandbox.pending_update_count() == 0


def test_long_poll_wakes_up_on_update(api: RawApi, sandbox: BotApiSandbox) -> None:
    alice = sandbox.user(42)
    result: list[Any] = []
    # The poll would wait 60 s but the client gives up after 5 s: only an update that wakes
    # the poll up can produce a result (no elapsed time is measured).
    poller = threading.Thread(target=lambda: result.append(api.ok("getUpdates", timeout=60)))
    poller.start()
    assert sandbox.wait_for(lambda: len(sandbox.calls_for("getUpdates")) == 1)
    alice.send("réveil")
    poller.join(timeout=10)
    assert result and result[0][0]["message"]["text"] == "réveil"


def test_a_burst_of_new_connections_is_answered_in_full(sandbox: BotApiSandbox) -> None:
    """Hundreds of clients connecting at the same instant all get their answer (the server's
    listen backlog was 5: Linux then dropped handshakes and requests were lost)."""
    url = f"{sandbox.base_url}{sandbox.token}/getMe"
    start = threading.Barrier(200)
    statuses: list[int | str] = []

    def call() -> None:
        with httpx.Client(timeout=10, trust_env=False) as client:
            start.wait()
            try:
                statuses.append(client.post(url).status_code)
            except httpx.HTTPError as exc:
                statuses.append(type(exc).__name__)

    callers = [threading.Thread(target=call) for _ in range(200)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert statuses == [200] * 200


def test_second_poll_terminates_the_first(api: RawApi, sandbox: BotApiSandbox) -> None:
    """As telegram-bot-api does: the earlier long poll gets the 409, the newer one waits on."""
    statuses: list[int] = []
    bodies: list[dict[str, Any]] = []

    def first_poll() -> None:
        answer = api.call("getUpdates", timeout=5)
        statuses.append(answer.status_code)
        bodies.append(answer.json())

    poller = threading.Thread(target=first_poll)
    poller.start()
    assert sandbox.wait_for(lambda: len(sandbox.calls_for("getUpdates")) == 1)
    assert api.ok("getUpdates") == []
    poller.join(timeout=5)
    assert statuses == [409]
    assert bodies == [
        {
            "ok": False,
            "error_code": 409,
            "description": "Conflict: terminated by other getUpdates request; "
            "make sure that only one bot instance is running",
        }
    ]


def _public(sandbox: BotApiSandbox, local_url: str) -> str:
    """The HTTPS address Telegram accepts for a local receiver, routed to it like a proxy."""
    base, _, path = local_url.removeprefix("http://").partition("/")
    sandbox.route_webhook("https://proxi.example:8443", f"http://{base}")
    return f"https://proxi.example:8443/{path}"


def test_webhook_push_with_secret(api: RawApi, sandbox: BotApiSandbox, receiver: Receiver) -> None:
    alice = sandbox.user(42)
    assert api.ok("setWebhook", url=_public(sandbox, receiver.url), secret_token="s3cret-Token_1")
    update = alice.send("par webhook")
    assert receiver.wait(1)
    body, secret = receiver.received[0]
    assert body == update
    assert secret == "s3cret-Token_1"
    assert sandbox.wait_for(lambda: sandbox.pending_update_count() == 0)
    assert sandbox.webhook_deliveries == [(update["update_id"], 200)]


def test_webhook_failures_are_retried_then_kept(
    api: RawApi, sandbox: BotApiSandbox, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhook, "RETRY_INTERVAL", 0.2)
    alice = sandbox.user(42)
    receiver.status = 500
    api.ok("setWebhook", url=_public(sandbox, receiver.url))
    update = alice.send("échec")
    attempts = webhook.ATTEMPTS
    assert sandbox.wait_for(lambda: len(sandbox.webhook_deliveries) >= attempts)
    assert sandbox.webhook_deliveries[:attempts] == [(update["update_id"], 500)] * attempts
    assert sandbox.pending_update_count() == 1
    assert sandbox.wait_for(lambda: "last_error_message" in api.ok("getWebhookInfo"))
    receiver.status = 200
    assert sandbox.wait_for(lambda: sandbox.pending_update_count() == 0)
    assert sandbox.webhook_deliveries[-1] == (update["update_id"], 200)


def _texts(receiver: Receiver) -> list[str]:
    with receiver.cond:
        return [body["message"]["text"] for body, _ in receiver.received]


def test_webhook_delivers_chats_in_parallel_and_each_chat_in_order(
    api: RawApi, sandbox: BotApiSandbox, receiver: Receiver
) -> None:
    """Telegram's WebhookActor: one queue per chat, queues in parallel up to max_connections."""
    alice, bob = sandbox.user(42), sandbox.user(43)
    receiver.hold_chat = 42  # the bot is slow to answer Alice's first message
    api.ok("setWebhook", url=_public(sandbox, receiver.url))
    alice.send("alice 1")
    assert receiver.wait(1)
    alice.send("alice 2")
    bob.send("bob 1")
    assert receiver.wait(2)
    # Bob is not held up by Alice's pending delivery; Alice's second message waits its turn.
    assert _texts(receiver) == ["alice 1", "bob 1"]
    receiver.release.set()
    assert receiver.wait(3)
    assert _texts(receiver) == ["alice 1", "bob 1", "alice 2"]
    assert sandbox.wait_for(lambda: sandbox.pending_update_count() == 0)


def test_webhook_with_one_connection_delivers_one_update_at_a_time(
    api: RawApi, sandbox: BotApiSandbox, receiver: Receiver
) -> None:
    alice, bob = sandbox.user(42), sandbox.user(43)
    receiver.hold_chat = 42
    api.ok("setWebhook", url=_public(sandbox, receiver.url), max_connections=1)
    alice.send("alice 1")
    bob.send("bob 1")
    assert receiver.wait(1)
    assert not receiver.wait(2, timeout=0.3)  # bob waits: the only connection is busy
    receiver.release.set()
    assert receiver.wait(2)
    assert _texts(receiver) == ["alice 1", "bob 1"]


def test_unreachable_webhook_then_back_to_polling(api: RawApi, sandbox: BotApiSandbox) -> None:
    alice = sandbox.user(42)
    api.ok("setWebhook", url=_public(sandbox, f"http://127.0.0.1:{_free_port()}/nobody"))
    update = alice.send("perdu")
    assert sandbox.wait_for(lambda: len(sandbox.webhook_deliveries) >= webhook.ATTEMPTS)
    assert sandbox.webhook_deliveries[0] == (update["update_id"], webhook.CONNECTION_FAILED)
    api.ok("deleteWebhook")
    assert [u["update_id"] for u in api.ok("getUpdates")] == [update["update_id"]]


async def test_ptb_webhook_server(app: Application, sandbox: BotApiSandbox) -> None:
    """PTB's own webhook server (tornado) receives the sandbox's pushes."""
    alice = sandbox.user(42)
    app.add_handler(MessageHandler(filters.TEXT, _echo))
    port = _free_port()
    assert app.updater is not None
    await app.updater.start_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="tg",
        webhook_url=_public(sandbox, f"http://127.0.0.1:{port}/tg"),
        secret_token="topsecret",
    )
    await app.start()
    assert sandbox.webhook_url == "https://proxi.example:8443/tg"
    alice.send("via tornado")
    assert await sandbox.wait_for_async(lambda: sandbox.last_bot_message(42) is not None)
    assert sandbox.last_bot_message(42).text == "echo: via tornado"  # type: ignore[union-attr]
    await app.updater.stop()
    await app.stop()
