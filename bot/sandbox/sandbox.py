"""`BotApiSandbox`: an offline Telegram Bot API server for tests, demos and local runs.

The real PTB `Application` runs against it unchanged:

    sandbox = BotApiSandbox(); sandbox.start()
    app = (ApplicationBuilder().token(sandbox.token)
           .base_url(sandbox.base_url).base_file_url(sandbox.base_file_url).build())

Tests then act as users (`sandbox.send_text`, `sandbox.press`...), read what the bot did
(`sandbox.transcript`), and inject failures (`sandbox.inject_fault`, `sandbox.block`).
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

# Importing the API modules registers their methods.
from bot.sandbox import api_media, api_messages, api_system  # noqa: F401
from bot.sandbox.api_system import scope_key
from bot.sandbox.errors import ApiError, server_error
from bot.sandbox.faults import Fault
from bot.sandbox.flood import FloodLimits
from bot.sandbox.models import ChatRecord, Entry, FailedCall
from bot.sandbox.multipart import UploadedFile
from bot.sandbox.params import Params, lookup
from bot.sandbox.server import NOT_FOUND, HttpServerThread
from bot.sandbox.state import World
from bot.sandbox.users import UserActions
from bot.sandbox.webhook import WebhookPusher

if TYPE_CHECKING:
    from bot.clock import Clock

logger = logging.getLogger(__name__)

UNAUTHORIZED = {"ok": False, "error_code": 401, "description": "Unauthorized"}


class BotApiSandbox(UserActions):
    """A local Bot API server with an in-memory world of users and chats."""

    def __init__(
        self,
        token: str = "123456:SANDBOX-TOKEN",
        *,
        bot_username: str = "ProxiSandboxBot",
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock | None = None,
        callback_query_ttl: float | None = None,
    ) -> None:
        """`clock` drives message dates, update and callback expiry and flood control;
        `callback_query_ttl` overrides Telegram's 150 s for presses left unfetched or
        unanswered."""
        now = (lambda: clock.now().timestamp()) if clock is not None else None
        self._world = World(token, bot_username, now)
        if callback_query_ttl is not None:
            self._world.callback_query_ttl = callback_query_ttl
        self._host = host
        self._port = port
        self._http: HttpServerThread | None = None
        self._pusher = WebhookPusher(self._world)

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        """Bind the port and serve in daemon threads."""
        if self._http is not None:
            raise RuntimeError("sandbox already started")
        self._http = HttpServerThread(self._host, self._port, self)
        self._http.start()
        self._pusher.start()
        logger.info("Bot API sandbox listening on %s", self.url)

    def stop(self) -> None:
        """Stop serving; waiting long polls and injected delays return at once."""
        if self._http is None or self._world.stop_event.is_set():
            return
        self._world.stop_event.set()
        self._world.notify()
        self._http.stop()
        self._pusher.join()
        logger.info("Bot API sandbox stopped")

    def __enter__(self) -> BotApiSandbox:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._http is None:
            raise RuntimeError("sandbox not started")
        host, port = self._http.address
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    @property
    def token(self) -> str:
        return self._world.token

    @property
    def bot_user(self) -> dict[str, Any]:
        return self._world.get_me()

    # -- HTTP backend ---------------------------------------------------------------------
    def handle_api(
        self, token: str, method: str, values: dict[str, str], files: dict[str, UploadedFile]
    ) -> tuple[int, dict[str, Any]]:
        """Run one Bot API call; returns (HTTP status, JSON body). Error answers are also
        kept in `failed_calls`."""
        status, body = self._answer_api(token, method, values, files)
        if status != 200:
            self._world.record_failure(method, status, body)
        return status, body

    def _answer_api(
        self, token: str, method: str, values: dict[str, str], files: dict[str, UploadedFile]
    ) -> tuple[int, dict[str, Any]]:
        if token != self._world.token:
            return 401, dict(UNAUTHORIZED)
        world = self._world
        found = lookup(method)
        params = Params(values, files)
        delay = 0.0
        with world.cond:
            world.record_call(found[0] if found else method, params.summary())
            if found is None:
                return 404, dict(NOT_FOUND)
            name, handler = found
            try:
                fault = world.faults.take(name, values)
                error = fault.error() if fault else world.faults.blocked_error(name, values)
                if fault is not None and fault.kind == "timeout":
                    delay = fault.delay
                if error is not None:
                    raise error
                world.flood.check(name, values.get("chat_id"), world.clock())
                status, body = 200, {"ok": True, "result": handler(world, params)}
            except ApiError as exc:
                status, body = exc.code, exc.payload()
            except Exception:
                logger.exception("sandbox bug while handling %s", name)
                status, body = 500, server_error(500).payload()
        if delay:
            # The call took effect but the answer comes late: the client may time out while
            # the message was in fact sent, as happens with the real API.
            world.stop_event.wait(delay)
        return status, body

    def read_file(self, token: str, file_path: str) -> tuple[int, bytes | dict[str, Any]]:
        """Serve a stored file to `GET /file/bot<token>/<file_path>`."""
        if token != self._world.token:
            return 401, dict(UNAUTHORIZED)
        with self._world.cond:
            stored = self._world.files_by_path.get(file_path)
        return (200, stored.content) if stored else (404, dict(NOT_FOUND))

    # -- inspection -----------------------------------------------------------------------
    def _chat_record(self, chat_id: int) -> ChatRecord:
        chat = self._world.chats.get(chat_id)
        if chat is None:
            raise LookupError(f"unknown chat {chat_id}")
        return chat

    def transcript(self, chat_id: int) -> list[Entry]:
        """Every message of the chat in order (user's and bot's, deleted ones flagged);
        snapshots, safe to keep."""
        with self._world.cond:
            return copy.deepcopy(self._chat_record(chat_id).entries)

    def bot_messages(self, chat_id: int) -> list[Entry]:
        """The bot's messages in the chat that are not deleted."""
        return [e for e in self.transcript(chat_id) if e.sender == "bot" and not e.deleted]

    def last_bot_message(self, chat_id: int) -> Entry | None:
        messages = self.bot_messages(chat_id)
        return messages[-1] if messages else None

    def events(self, chat_id: int) -> list[tuple[str, int]]:
        """("send" | "edit" | "delete", message_id) in the order they happened."""
        with self._world.cond:
            return list(self._chat_record(chat_id).events)

    def callback_answers(self, chat_id: int) -> list[tuple[str, str | None, bool]]:
        """(callback_query_id, text, show_alert) of answered presses in the chat."""
        with self._world.cond:
            return [
                (r.id, r.text, r.show_alert)
                for r in self._world.callbacks.values()
                if r.chat_id == chat_id and r.answered
            ]

    def unanswered_callbacks(self, chat_id: int) -> list[str]:
        """Ids of presses the bot never answered (the user sees a spinner)."""
        with self._world.cond:
            return [
                r.id
                for r in self._world.callbacks.values()
                if r.chat_id == chat_id and not r.answered
            ]

    def reply_keyboard(self, chat_id: int) -> list[list[dict[str, Any]]] | None:
        """The reply keyboard currently shown in the chat, if any."""
        with self._world.cond:
            return copy.deepcopy(self._chat_record(chat_id).reply_keyboard)

    def take_updates(self) -> list[dict[str, Any]]:
        """Drain the pending updates (to feed `Application.process_update` directly)."""
        with self._world.cond:
            self._world.drop_expired_updates()
            updates, self._world.updates = self._world.updates, []
            self._world.cond.notify_all()
            return updates

    def pending_update_count(self) -> int:
        with self._world.cond:
            self._world.drop_expired_updates()
            return len(self._world.updates)

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        """Block until predicate() is true, re-checking after every state change, or until
        timeout. The predicate runs without the sandbox lock, so it may do anything
        (even call the sandbox over HTTP)."""
        cond = self._world.cond
        deadline = time.monotonic() + timeout
        while True:
            with cond:
                seen = cond.version
            if predicate():
                return True
            with cond:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                if cond.version == seen:
                    cond.wait(remaining)

    async def wait_for_async(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        """`wait_for` for coroutines: waits in a worker thread so the event loop (and the
        bot running on it) keeps going."""
        return await asyncio.to_thread(self.wait_for, predicate, timeout)

    def commands_for(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, str]]:
        """Commands stored by setMyCommands for exactly this scope and language."""
        with self._world.cond:
            return copy.deepcopy(self._world.commands.get((scope_key(scope), language_code), []))

    @property
    def calls(self) -> list[tuple[str, dict[str, str], float]]:
        """(method, params, time.monotonic()) of every bot-side call, in order."""
        with self._world.cond:
            return list(self._world.calls)

    def calls_for(self, method: str) -> list[tuple[str, dict[str, str], float]]:
        return [call for call in self.calls if call[0].lower() == method.lower()]

    @property
    def failed_calls(self) -> list[FailedCall]:
        """Every Bot API call answered with an error (bad request, not found, injected
        fault...), in order, as the method name the bot used."""
        with self._world.cond:
            return list(self._world.failed_calls)

    @property
    def webhook_deliveries(self) -> list[tuple[int, int]]:
        """(update_id, HTTP status) of each webhook POST attempt; status 0 = no answer."""
        with self._world.cond:
            return list(self._world.webhook_deliveries)

    @property
    def webhook_url(self) -> str | None:
        with self._world.cond:
            return self._world.webhook.url if self._world.webhook else None

    def route_webhook(self, public_prefix: str, local_prefix: str) -> None:
        """Deliver webhook updates for URLs under `public_prefix` (the HTTPS address given to
        setWebhook) to `local_prefix` (the bot's plain HTTP server), like a reverse proxy."""
        with self._world.cond:
            self._world.webhook_routes[public_prefix] = local_prefix
            self._world.notify()

    # -- faults ---------------------------------------------------------------------------
    def inject_fault(
        self,
        method: str,
        kind: str,
        *,
        times: int = 1,
        chat_id: int | None = None,
        retry_after: int = 1,
        status: int = 502,
        delay: float = 0.0,
    ) -> None:
        """Make the next `times` calls of `method` (optionally to `chat_id`) fail with `kind`:
        retry_after (429), server_error (5xx), timeout (late answer), forbidden (403),
        query_too_old (400, answerCallbackQuery after its deadline)."""
        fault = Fault(method, kind, times, chat_id, retry_after, status, delay)
        with self._world.cond:
            self._world.faults.add(fault)

    def clear_faults(self) -> None:
        """Disarm injected faults (blocked users stay blocked)."""
        with self._world.cond:
            self._world.faults.clear()

    def enable_flood_control(self, limits: FloodLimits | None = None) -> None:
        """Answer 429 with retry_after beyond Telegram's sending limits (off by default);
        time is the sandbox clock, so tests advance a controllable clock, never sleep."""
        with self._world.cond:
            self._world.flood.enable(limits or FloodLimits())

    def disable_flood_control(self) -> None:
        with self._world.cond:
            self._world.flood.disable()

    def block(self, user_id: int) -> None:
        """The user blocks the bot: a `my_chat_member` update (member -> kicked), then sends
        to their chat answer 403 until `unblock`."""
        with self._world.cond:
            if user_id not in self._world.faults.blocked:
                self._world.faults.blocked.add(user_id)
                self._member_update(user_id, "member", "kicked")

    def unblock(self, user_id: int) -> None:
        """The user restarts the bot: a `my_chat_member` update (kicked -> member)."""
        with self._world.cond:
            if user_id in self._world.faults.blocked:
                self._world.faults.blocked.discard(user_id)
                self._member_update(user_id, "kicked", "member")

    def _member_update(self, user_id: int, old: str, new: str) -> None:
        world = self._world
        user = world.users.get(user_id)
        if user is None:
            return  # blocking someone the sandbox never saw: no chat, no update
        bot = world.bot_from()
        kicked = {"until_date": 0}
        change = {
            "chat": world.chats[user_id].to_api(),
            "from": user.to_api(),
            "date": world.now(),
            "old_chat_member": {"user": bot, "status": old, **(kicked if old == "kicked" else {})},
            "new_chat_member": {"user": bot, "status": new, **(kicked if new == "kicked" else {})},
        }
        world.push_update({"my_chat_member": change})
