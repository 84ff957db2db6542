"""Update processing: people are served concurrently, each person's updates in order.

PTB processes updates one at a time by default, so one slow request (an admin's import, a
search on a busy machine) would make everyone wait. Its concurrent processing would let
one person's double tap or conversation answers overtake each other. This processor keys
updates by chat (private chats are per person): different chats run concurrently, a chat's
updates one after the other, in arrival order.

An update first waits for its chat's turn, then for one of the `MAX_CONCURRENT_CHATS` slots.
The other order (PTB's: its semaphore in `process_update`, which is final, comes first)
would let the queued updates of one busy chat hold slots while they wait for their turn,
delaying everyone else. So PTB's semaphore only bounds how many updates may be waiting at
once (`MAX_PENDING_UPDATES`), and the slots are this processor's own.

While an update is processed, `serving_chat` holds its chat: the Bot API calls made then to
that chat are the answer to the person writing (see `handlers/retrying.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from contextvars import ContextVar
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_CONCURRENT_CHATS = 32
# Updates accepted at once, waiting for their chat's turn or a slot (a memory bound only).
MAX_PENDING_UPDATES = 10_000

# The chat whose update is being processed in this task (None outside update processing).
serving_chat: ContextVar[int | None] = ContextVar("serving_chat", default=None)
# The update being processed in this task (its update_id), for the inbox's "answered" mark.
serving_update: ContextVar[int | None] = ContextVar("serving_update", default=None)


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats, sequential within one chat; a chat's turn before a slot."""

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_CHATS) -> None:
        super().__init__(max_concurrent_updates=max(max_concurrent_updates, MAX_PENDING_UPDATES))
        if max_concurrent_updates < 1:
            raise ValueError("max_concurrent_updates must be at least 1")
        self.max_concurrent_chats = max_concurrent_updates
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int | None, asyncio.Lock] = {}
        self._users: dict[int | None, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock, self._slots:  # the chat's turn, then a slot
                token = serving_chat.set(key)
                update_token = serving_update.set(getattr(update, "update_id", None))
                try:
                    await coroutine
                finally:
                    serving_update.reset(update_token)
                    serving_chat.reset(token)
        finally:
            self._users[key] -= 1
            if not self._users[key]:  # nobody else queued for this chat: forget its lock
                del self._users[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def _chat_key(update: object) -> int | None:
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return None  # updates without a chat share one queue
