"""Wiring: the update inbox (`bot.inbox`) between PTB's updater and its update processor.

`InboxQueue` is the Application's update queue: each update is recorded in the database before
it is queued, and the updater asks Telegram for the next batch (confirming this one) only once
the whole batch is queued, so a confirmed update is never only in memory. An update already
handled is not queued again. `OnceUpdateProcessor` marks each update done once handled.
`handle_undone` queues, at takeover, the updates a process that died left undone.
Used by `python -m bot run` only (bot/runner.py); tests of handlers keep the plain pieces.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from telegram import Update

from bot import inbox
from bot.updates import PerChatUpdateProcessor
from handlers.retrying import RetryingRateLimiter

logger = logging.getLogger(__name__)


class InboxQueue(asyncio.Queue[object]):
    """The update queue: an update enters it only once recorded in the inbox."""

    def __init__(self, engine: Engine, worker: str, now: Callable[[], datetime]) -> None:
        super().__init__()
        self._engine, self._worker, self._now = engine, worker, now

    async def put(self, item: object) -> None:
        if isinstance(item, Update):
            accepted = await asyncio.to_thread(
                inbox.receive,
                self._engine,
                update_id=item.update_id,
                payload=item.to_json(),
                worker=self._worker,
                now=self._now(),
            )
            if not accepted:
                return
        await super().put(item)


class OnceUpdateProcessor(PerChatUpdateProcessor):
    """Per-chat processing (bot/updates.py), then the update is marked done in the inbox."""

    def __init__(self, engine: Engine, now: Callable[[], datetime]) -> None:
        super().__init__()
        self._engine, self._now = engine, now

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await super().do_process_update(update, coroutine)
        # Not in a `finally`: an update cancelled by a shutdown stays undone, for the next run.
        if isinstance(update, Update):
            await asyncio.to_thread(
                inbox.done, self._engine, update_id=update.update_id, now=self._now()
            )


def mark_answered_in_inbox(application: Any, engine: Engine, now: Callable[[], datetime]) -> None:
    """The rate limiter marks an update answered once its first message reached Telegram."""
    limiter = application.bot.rate_limiter
    if not isinstance(limiter, RetryingRateLimiter):
        return
    # A thread of its own: in the shared pool the mark would queue behind the storm's other
    # database work, and every millisecond it waits is a window for a double answer.
    marker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inbox-answered")

    async def answered(update_id: int) -> None:
        mark = functools.partial(inbox.answered, engine, update_id=update_id, now=now())
        await asyncio.get_running_loop().run_in_executor(marker, mark)

    limiter.on_answered = answered


PRUNE_JOB = "inbox:prune"
PRUNE_INTERVAL = 3600  # seconds: done rows older than a day are forgotten hourly


async def prune_job(context: Any) -> None:
    """Forget the updates handled more than a day ago (an active process may run for weeks)."""
    services = context.application.bot_data["services"]
    await asyncio.to_thread(inbox.prune, services.engine, now=services.clock.now())


def schedule_pruning(application: Any) -> None:
    """The hourly prune, with a stable id (replaced, never doubled)."""
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            prune_job,
            interval=PRUNE_INTERVAL,
            first=PRUNE_INTERVAL,
            name=PRUNE_JOB,
            job_kwargs={"id": PRUNE_JOB, "replace_existing": True, "misfire_grace_time": 600},
        )


async def handle_undone(application: Any, engine: Engine, now: datetime) -> int:
    """Queue the updates left undone by the previous active process; returns how many."""
    await asyncio.to_thread(inbox.prune, engine, now=now)
    settled = await asyncio.to_thread(inbox.settle_answered, engine, now=now)
    if settled:
        logger.warning("%s updates answered by a process that died: not handled again", settled)
    payloads = await asyncio.to_thread(inbox.undone, engine)
    for payload in payloads:
        update = Update.de_json(json.loads(payload), application.bot)
        await application.update_queue.put(update)
    if payloads:
        logger.warning("%s updates left undone by a process that died: handled now", len(payloads))
    return len(payloads)
