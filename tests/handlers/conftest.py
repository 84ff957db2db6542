"""The real Application driven through the offline sandbox, update by update.

`ChatDriver` plays the people: each action goes into the sandbox as a Telegram update, which is
fed to `Application.process_update` (no polling, so each step is finished when it returns), and
the bot's answers are read back from the sandbox transcript, as a person would see them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from telegram import Update

from bot.application import build_application, post_init
from bot.sandbox import BotApiSandbox


@pytest.fixture
def sandbox() -> Iterator[BotApiSandbox]:
    with BotApiSandbox() as server:
        yield server


class ChatDriver:
    """Acts as Telegram users and returns what the bot sent in answer."""

    def __init__(self, sandbox: BotApiSandbox, application: Any) -> None:
        self.sandbox = sandbox
        self.application = application

    def user(self, user_id: int = 42, name: str = "Anne", language: str | None = "fr") -> Any:
        return self.sandbox.user(user_id, name, language_code=language)

    async def deliver(self) -> None:
        """Hand every pending update to the bot, in order, and wait for each to finish."""
        for payload in self.sandbox.take_updates():
            update = Update.de_json(payload, self.application.bot)
            await self.application.process_update(update)

    async def _step(self, user: Any, act: Any) -> list[Any]:
        before = len(self.sandbox.bot_messages(user.id))
        act()
        await self.deliver()
        return self.sandbox.bot_messages(user.id)[before:]

    async def send(self, user: Any, text: str) -> list[Any]:
        """The user writes `text`; returns the bot messages it caused (edits are in place)."""
        return await self._step(user, lambda: self.sandbox.send_text(user, text))

    async def press(self, user: Any, **which: Any) -> list[Any]:
        """The user presses a button (index=, label=, message_id=, or forged data=)."""
        return await self._step(user, lambda: self.sandbox.press(user, **which))

    async def do(self, user: Any, action: str, *args: Any, **kwargs: Any) -> list[Any]:
        """Any other sandbox user action (share_location, upload_document, send_sticker…)."""
        method = getattr(self.sandbox, action)
        return await self._step(user, lambda: method(user, *args, **kwargs))

    def last(self, user: Any) -> Any:
        return self.sandbox.last_bot_message(user.id)


@pytest.fixture
async def application(sandbox, settings, sqlite_engine, clock) -> AsyncIterator[Any]:
    """The real Proxi Application, pointed at the sandbox, initialised like at start-up."""
    bot_settings = settings.model_copy(
        update={
            "telegram_bot_token": sandbox.token,
            "telegram_api_base_url": sandbox.base_url,
            "telegram_api_base_file_url": sandbox.base_file_url,
        }
    )
    app = build_application(bot_settings, engine=sqlite_engine, clock=clock)
    async with app:
        await post_init(app)
        yield app


@pytest.fixture
def chat(sandbox, application) -> ChatDriver:
    return ChatDriver(sandbox, application)
