"""An update processor that tells when each update has been fully handled.

The demo's terminal chat and the end-to-end harness wait on it instead of sleeping: after a
person's line is sent, the transcript is printed once the bot has finished with it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from bot.updates import PerChatUpdateProcessor


class TrackingUpdateProcessor(PerChatUpdateProcessor):
    """The bot's update processing, recording which updates are finished."""

    def __init__(self) -> None:
        super().__init__()
        self._done: set[int] = set()
        self._changed = asyncio.Condition()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await super().do_process_update(update, coroutine)
        finally:
            update_id = getattr(update, "update_id", None)
            if update_id is not None:
                async with self._changed:
                    self._done.add(update_id)
                    self._changed.notify_all()

    async def wait_processed(self, update_id: int, timeout: float = 30.0) -> bool:
        """Wait until this update has been handled; False after `timeout` seconds."""
        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: update_id in self._done), timeout
                )
            except TimeoutError:
                return False
        return True
