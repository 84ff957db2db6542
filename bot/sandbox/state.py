"""The sandbox's in-memory Telegram world: users, chats, messages, updates, files, commands.

One `threading.Condition` (over an RLock) guards everything. It is notified on every change
so long polls, the webhook pusher and `wait_for` wake up; being re-entrant, predicates
passed to `wait_for` may call the sandbox's read methods.
"""

from __future__ import annotations

import copy
import itertools
import logging
import mimetypes
import threading
import time
from collections.abc import Callable
from typing import Any

from bot.sandbox.errors import CHAT_NOT_FOUND, ApiError
from bot.sandbox.faults import FaultRegistry
from bot.sandbox.flood import FloodControl
from bot.sandbox.models import (
    CallbackRecord,
    ChatRecord,
    Entry,
    FailedCall,
    SandboxUser,
    StoredFile,
    WebhookConfig,
)

logger = logging.getLogger(__name__)

# file_id prefixes loosely mimic Telegram's (they encode the file type there).
_FILE_PREFIX = {"document": "BQAC", "photo": "AgAC", "sticker": "CAAC", "voice": "AwAC"}
# How long Telegram keeps an update nobody fetched (telegram-bot-api Client.cpp, add_update):
# a day for messages, 150 s for callback queries, which can no longer be answered after that.
MESSAGE_UPDATE_TTL = 86_400.0
CALLBACK_QUERY_TTL = 150.0
MAX_RECORDED_CALLS = 50_000  # bounds `calls` when a bot polls in a tight loop for hours
_FOLDERS = {"document": "documents", "photo": "photos", "sticker": "stickers", "voice": "voice"}


class StateCondition(threading.Condition):
    """The world's condition; counts notifications so `wait_for` can evaluate predicates
    without holding the lock and still never miss a change."""

    def __init__(self) -> None:
        super().__init__(threading.RLock())
        self.version = 0

    def notify_all(self) -> None:
        self.version += 1
        super().notify_all()


class World:
    """All mutable sandbox state. API handlers run with `cond` held; the helper methods
    below take it themselves too (it is re-entrant), so user-side code can call them."""

    def __init__(
        self, token: str, bot_username: str, now: Callable[[], float] | None = None
    ) -> None:
        self.cond = StateCondition()
        self.stop_event = threading.Event()
        self.token = token
        head = token.split(":", 1)[0]
        self.bot_id = int(head) if head.isdigit() else 123456
        self.bot_username = bot_username
        self.bot_first_name = "Proxi Sandbox"
        self._now = now or time.time
        self.users: dict[int, SandboxUser] = {}
        self.chats: dict[int, ChatRecord] = {}
        self.updates: list[dict[str, Any]] = []
        self.update_deadlines: dict[int, float] = {}  # update_id -> clock time it expires
        self.callback_query_ttl = CALLBACK_QUERY_TTL
        self.next_update_id = 1
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.callbacks: dict[str, CallbackRecord] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.bot_texts: dict[tuple[str, str], str] = {}  # (field, language) -> value
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.webhook: WebhookConfig | None = None
        self.webhook_deliveries: list[tuple[int, int]] = []
        self.webhook_routes: dict[str, str] = {}  # public URL prefix -> local URL prefix
        self.calls: list[tuple[str, dict[str, str], float]] = []
        self.failed_calls: list[FailedCall] = []
        self.faults = FaultRegistry()
        self.flood = FloodControl()
        self.poll_generation = 0
        self._counter = itertools.count(1)

    # -- time, identity -------------------------------------------------------------------
    def now(self) -> int:
        return int(self._now())

    def clock(self) -> float:
        """The sandbox clock in seconds (the controllable clock given to the sandbox, if any)."""
        return self._now()

    def callback_expired(self, record: CallbackRecord) -> bool:
        return self.clock() - record.pressed_at > self.callback_query_ttl

    def next_id(self) -> int:
        """A sandbox-wide counter for file ids, callback ids..."""
        return next(self._counter)

    def bot_from(self) -> dict[str, Any]:
        """The bot as the `from` of its messages."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def get_me(self) -> dict[str, Any]:
        return {
            **self.bot_from(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def record_call(self, method: str, params: dict[str, str]) -> None:
        with self.cond:
            self.calls.append((method, params, time.monotonic()))
            if len(self.calls) > MAX_RECORDED_CALLS:
                del self.calls[: len(self.calls) - MAX_RECORDED_CALLS]
            self.cond.notify_all()

    def record_failure(self, method: str, status: int, body: dict[str, Any]) -> None:
        """Keep an error answer, so tests can tell expected errors from surprises."""
        with self.cond:
            self.failed_calls.append(FailedCall(method, status, str(body.get("description"))))
            del self.failed_calls[:-MAX_RECORDED_CALLS]

    def notify(self) -> None:
        with self.cond:
            self.cond.notify_all()

    def webhook_target(self, url: str) -> str:
        """Where a delivery to `url` really goes: through a route set by `route_webhook`
        (a TLS-terminating reverse proxy in front of the bot), else `url` itself."""
        for public, local in self.webhook_routes.items():
            if url.startswith(public):
                return local + url[len(public) :]
        return url

    # -- chats and messages ---------------------------------------------------------------
    def chat(self, chat_id: int | str) -> ChatRecord:
        """The chat for a chat_id parameter, or 400 "chat not found"."""
        if isinstance(chat_id, str):
            for chat in self.chats.values():
                username = chat.user.username if chat.user else None
                if username and chat_id.lstrip("@").lower() == username.lower():
                    return chat
            raise ApiError(400, CHAT_NOT_FOUND)
        found = self.chats.get(chat_id)
        if found is None:
            raise ApiError(400, CHAT_NOT_FOUND)
        return found

    def add_entry(
        self,
        chat: ChatRecord,
        *,
        sender: str,
        kind: str,
        from_: dict[str, Any],
        content: dict[str, Any],
        **fields: Any,
    ) -> Entry:
        """Append a message to a chat; `content` holds the Message dict's kind-specific keys."""
        with self.cond:
            message_id = chat.next_message_id
            chat.next_message_id += 1
            date = self.now()
            message = {
                "message_id": message_id,
                "from": from_,
                "chat": chat.to_api(),
                "date": date,
                **content,
            }
            entry = Entry(
                message_id=message_id,
                chat_id=chat.id,
                sender=sender,
                kind=kind,
                date=date,
                message=message,
                **fields,
            )
            chat.entries.append(entry)
            chat.events.append(("send", message_id))
            self.cond.notify_all()
            return entry

    def live_entry(self, chat: ChatRecord, message_id: int, missing: str) -> Entry:
        """A non-deleted message of the chat, or 400 with `missing` as reason."""
        entry = chat.find(message_id)
        if entry is None or entry.deleted:
            raise ApiError(400, f"Bad Request: {missing}")
        return entry

    def log_event(self, chat: ChatRecord, kind: str, message_id: int) -> None:
        with self.cond:
            chat.events.append((kind, message_id))
            self.cond.notify_all()

    # -- updates --------------------------------------------------------------------------
    def push_update(
        self, payload: dict[str, Any], ttl: float = MESSAGE_UPDATE_TTL
    ) -> dict[str, Any]:
        """Queue an update (`payload` is e.g. {"message": {...}}) that expires unless fetched
        within `ttl` seconds; returns a copy of it."""
        with self.cond:
            update = {"update_id": self.next_update_id, **copy.deepcopy(payload)}
            self.next_update_id += 1
            self.updates.append(update)
            self.update_deadlines[update["update_id"]] = self.clock() + ttl
            self.cond.notify_all()
            return copy.deepcopy(update)

    def drop_expired_updates(self) -> None:
        """Forget updates nobody fetched in time, as Telegram's update queue does."""
        now = self.clock()
        deadlines = self.update_deadlines
        self.updates = [u for u in self.updates if deadlines.get(u["update_id"], now) >= now]
        # Keep deadlines of pending updates only, so the map stays as small as the queue.
        self.update_deadlines = {
            u["update_id"]: deadlines[u["update_id"]]
            for u in self.updates
            if u["update_id"] in deadlines
        }

    def confirm_updates(self, offset: int | None) -> None:
        """Apply getUpdates' offset: forget confirmed updates (negative: keep the last N),
        and the expired ones."""
        self.drop_expired_updates()
        if offset is None:
            return
        if offset < 0:
            del self.updates[: max(0, len(self.updates) + offset)]
        else:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]

    # -- files ----------------------------------------------------------------------------
    def store_file(
        self,
        content: bytes,
        kind: str,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        with self.cond:
            number = self.next_id()
            if mime_type is None and file_name:
                mime_type = mimetypes.guess_type(file_name)[0]
            ext = mimetypes.guess_extension(mime_type or "") or ""
            if file_name and "." in file_name:
                ext = "." + file_name.rsplit(".", 1)[1]
            # An unusual file_path so PTB's is_local_file() never mistakes it for a local file.
            path = f"{_FOLDERS[kind]}/sandbox_file_{number}{ext}"
            stored = StoredFile(
                file_id=f"{_FILE_PREFIX[kind]}sbx{number:06d}{self.bot_id}",
                file_unique_id=f"AgADsbx{number:06d}",
                file_path=path,
                content=bytes(content),
                kind=kind,
                file_name=file_name,
                mime_type=mime_type,
            )
            self.files[stored.file_id] = stored
            self.files_by_path[path] = stored
            return stored

    # -- users ----------------------------------------------------------------------------
    def register_user(self, user: SandboxUser) -> SandboxUser:
        with self.cond:
            existing = self.users.get(user.id)
            if existing is not None:
                return existing
            self.users[user.id] = user
            self.chats[user.id] = ChatRecord(id=user.id, type="private", user=user)
            self.cond.notify_all()
            return user

    def register_group(self, chat_id: int, title: str) -> ChatRecord:
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        with self.cond:
            chat = self.chats.get(chat_id)
            if chat is None:
                kind = "supergroup" if str(chat_id).startswith("-100") else "group"
                chat = ChatRecord(id=chat_id, type=kind, title=title)
                self.chats[chat_id] = chat
            chat.title = title
            return chat
