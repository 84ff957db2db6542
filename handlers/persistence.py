"""Wiring: python-telegram-bot's persistence backed by the project's database.

`DatabasePersistence` keeps `user_data`, `chat_data` and the named conversations' states in
`chat_state` rows (`bot.chat_state`), as JSON; `bot_data` holds the services and is never
stored. `FlushingApplication` writes what an update changed as soon as it is processed, so a
SIGKILL right after an answer loses nothing (PTB's own loop writes every `update_interval`
seconds, which stays as a safety net for changes made outside updates).

Only what changed since the last write is written: each row's last JSON is remembered, and
user_data keys copied from the database on every update (language, home town) are left out,
so a person with nothing pending has no row.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterable, MutableMapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from telegram.ext import Application, BasePersistence, ConversationHandler, PersistenceInput

from bot import chat_state

logger = logging.getLogger(__name__)

SAFETY_INTERVAL = 5.0  # seconds: PTB's periodic write, for changes made outside updates

Data = dict[str, Any]
# PTB's own aliases (telegram.ext._utils.types), spelled here rather than imported from a
# private module.
ConversationKey = tuple[int | str, ...]
ConversationDict = MutableMapping[ConversationKey, object]
CDCData = tuple[list[tuple[str, float, dict[str, Any]]], dict[str, str]]


class DatabasePersistence(BasePersistence[Data, Data, Data]):
    """user_data, chat_data and conversations in the `chat_state` table."""

    def __init__(
        self,
        engine: Engine,
        now: Callable[[], datetime],
        *,
        refreshed: Iterable[str] = (),
        conversation_timeout: timedelta | None = None,
    ) -> None:
        """`refreshed`: user_data keys rebuilt from the database on every update, not stored.
        `conversation_timeout`: a conversation idle longer than this at start-up is over (PTB
        does not keep the timers that would have ended it)."""
        super().__init__(
            store_data=PersistenceInput(bot_data=False, callback_data=False),
            update_interval=SAFETY_INTERVAL,
        )
        self.engine = engine
        self.now = now
        self._refreshed = frozenset(refreshed)
        self._conversation_timeout = conversation_timeout
        self._written: dict[tuple[str, str, str], str] = {}

    async def _load(self, kind: str, name: str = "") -> dict[str, Any]:
        rows = await asyncio.to_thread(chat_state.load, self.engine, kind=kind, name=name)
        for key, data in rows.items():
            self._written[(kind, name, key)] = chat_state.encode(data)
        return rows

    async def _write(
        self, kind: str, key: str, data: Any, name: str = "", *, touch: bool = False
    ) -> None:
        """Store one row if it changed (or `touch`: its time matters); empty data is no row."""
        encoded = chat_state.encode(data)  # a TypeError reaches the error handler: a bug
        ident = (kind, name, key)
        if self._written.get(ident, "{}") == encoded and not (touch and encoded != "null"):
            return
        if encoded in ("{}", "null"):
            await asyncio.to_thread(chat_state.drop, self.engine, kind=kind, key=key, name=name)
            self._written.pop(ident, None)
            return
        now = self.now()
        await asyncio.to_thread(
            chat_state.save, self.engine, kind=kind, key=key, data=encoded, now=now, name=name
        )
        self._written[ident] = encoded

    async def _drop(self, kind: str, key: str) -> None:
        await asyncio.to_thread(chat_state.drop, self.engine, kind=kind, key=key)
        self._written.pop((kind, "", key), None)

    async def get_user_data(self) -> dict[int, Data]:
        return {int(key): data for key, data in (await self._load(chat_state.USER)).items()}

    async def get_chat_data(self) -> dict[int, Data]:
        return {int(key): data for key, data in (await self._load(chat_state.CHAT)).items()}

    async def get_bot_data(self) -> Data:
        return {}  # never stored: bot_data holds the services, built at start-up

    async def get_callback_data(self) -> CDCData | None:
        return None  # callback data is plain short strings (handlers/buttons.py)

    async def get_conversations(self, name: str) -> ConversationDict:
        if self._conversation_timeout is not None:
            before = self.now() - self._conversation_timeout
            await asyncio.to_thread(
                chat_state.expire, self.engine, kind=chat_state.CONVERSATION, before=before
            )
        rows = await self._load(chat_state.CONVERSATION, name)
        return {tuple(json.loads(key)): state for key, state in rows.items()}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        # Always written: its time says when the conversation was last active.
        key_text = _conversation_key(key)
        await self._write(chat_state.CONVERSATION, key_text, new_state, name, touch=True)

    async def update_user_data(self, user_id: int, data: Data) -> None:
        kept = {key: value for key, value in data.items() if key not in self._refreshed}
        await self._write(chat_state.USER, str(user_id), kept)

    async def update_chat_data(self, chat_id: int, data: Data) -> None:
        await self._write(chat_state.CHAT, str(chat_id), data)

    async def update_bot_data(self, data: Data) -> None:
        """Not stored (see get_bot_data)."""

    async def update_callback_data(self, data: CDCData) -> None:
        """Not stored (see get_callback_data)."""

    async def drop_chat_data(self, chat_id: int) -> None:
        await self._drop(chat_state.CHAT, str(chat_id))

    async def drop_user_data(self, user_id: int) -> None:
        await self._drop(chat_state.USER, str(user_id))

    async def refresh_user_data(self, user_id: int, user_data: Data) -> None:
        """Nothing to do: this process is the only writer of a person's data."""

    async def refresh_chat_data(self, chat_id: int, chat_data: Data) -> None:
        """Nothing to do (see refresh_user_data)."""

    async def refresh_bot_data(self, bot_data: Data) -> None:
        """Not stored."""

    async def flush(self) -> None:
        """Nothing buffered: every change is written when the update is done."""


def _conversation_key(key: ConversationKey) -> str:
    return json.dumps(list(key), separators=(",", ":"))


def _persistent_conversations(
    application: Application[Any, Any, Any, Any, Any, Any],
) -> list[ConversationHandler[Any]]:
    return [
        handler
        for group in application.handlers.values()
        for handler in group
        if isinstance(handler, ConversationHandler)
        and handler.persistent
        and handler.name
        and handler.conversation_timeout
    ]


async def end_idle_restored_conversations(
    application: Application[Any, Any, Any, Any, Any, Any],
) -> int:
    """End the conversations restored at start-up that stayed idle past their timeout.

    PTB keeps a conversation's timeout as a JobQueue job, which a restart loses: a
    conversation restored from the database would wait for its answer forever, and a tutor's
    message days later would be taken for it. Run every minute: a conversation PTB is timing
    itself (active since the restart) is left to PTB; one whose row was not written for longer
    than the timeout is ended, as PTB's own timeout would have (its TIMEOUT handlers, which
    need the last update, are not run; Proxi has none). Returns how many ended.
    """
    persistence = application.persistence
    if not isinstance(persistence, DatabasePersistence):
        return 0
    now = persistence.now()
    ended = 0
    for handler in _persistent_conversations(application):
        timeout = handler.conversation_timeout
        idle = timeout if isinstance(timeout, timedelta) else timedelta(seconds=timeout or 0)
        name = str(handler.name)
        rows = await asyncio.to_thread(
            chat_state.touched, persistence.engine, kind=chat_state.CONVERSATION, name=name
        )
        for key_text, written in rows.items():
            key = tuple(json.loads(key_text))
            if key in handler.timeout_jobs or now - written <= idle:
                continue
            # PTB has no public way to end a conversation from outside an update; its own
            # timeout job does exactly this (PTB is pinned to 22.x in pyproject.toml).
            handler._update_state(ConversationHandler.END, key)
            await persistence.update_conversation(name, key, None)
            ended += 1
    if ended:
        logger.info("ended %d conversation(s) idle since before the restart", ended)
    return ended


class FlushingApplication(Application[Any, Any, Any, Any, Any, Any]):
    """An Application that writes the persistence after each update it processes."""

    async def process_update(self, update: object) -> None:
        try:
            await super().process_update(update)
        finally:
            if self.persistence is not None:
                await self.update_persistence()
