"""Delivering one reminder row: claim it, render it in the recipient's language, send it,
book the outcome.

`deliver` claims the row first, so a timer, a sweep and another bot process racing for the
same row send it once. Sends go `CONCURRENCY` at a time (the AIORateLimiter then paces them at
30/s), so a backlog of 10,000 holds few claims and little memory. Database work runs in
threads: the event loop stays free for APScheduler.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot import reminders
from bot.context import Services
from bot.i18n import translator
from bot.observability.logs import user_ref
from bot.reminders import ClaimOutcome, ReminderView
from bot.users import mark_inactive
from handlers.common import retry_delay
from handlers.notices.base import RENDERERS, Message, Obsolete

logger = logging.getLogger(__name__)

CONCURRENCY = 16
# One send never holds its claim near the lease, after which another process may take it over.
SEND_TIMEOUT = min(60.0, reminders.LEASE.total_seconds() / 4)
_STATE = "reminders.dispatcher"


class Dispatcher:
    """One application's delivery state (kept in Services.extras): who we are when claiming,
    the bound on concurrent sends, the reminders in flight, and one sweep at a time."""

    def __init__(self, concurrency: int = CONCURRENCY) -> None:
        self.worker = reminders.new_worker_id()
        self.sending = asyncio.Semaphore(concurrency)
        self.sweeping = asyncio.Lock()
        self.in_flight: set[int] = set()
        self._idle = asyncio.Event()
        self._idle.set()

    def begin(self, reminder_id: int) -> bool:
        if reminder_id in self.in_flight:
            return False
        self.in_flight.add(reminder_id)
        self._idle.clear()
        return True

    def end(self, reminder_id: int) -> None:
        self.in_flight.discard(reminder_id)
        if not self.in_flight:
            self._idle.set()

    async def wait_idle(self) -> None:
        """Until no delivery is in flight in this process."""
        await self._idle.wait()


def dispatcher(application: Any) -> Dispatcher:
    """The application's Dispatcher, created on first use."""
    extras = services_of(application).extras
    if _STATE not in extras:
        extras[_STATE] = Dispatcher()
    return extras[_STATE]


def services_of(application: Any) -> Services:
    """The Services of an Application (or of anything holding its bot_data)."""
    return application.bot_data["services"]


# -- delivering one reminder ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Prepared:
    outcome: str
    reminder: ReminderView | None = None
    message: Message | None = None


async def deliver(application: Any, reminder_id: int, *, during_update: bool = False) -> str:
    """Claim, render (in the recipient's language) and send one reminder, then book it.

    `during_update`: called by a handler right after planning a notice, to send it at once
    (the row makes it durable: if this send fails, the sweep retries it).

    Returns what happened: sent, retry, failed, cancelled, expired, postponed (quiet hours),
    skipped (not due, or someone else has it), busy (already in flight here) or stopped (the
    bot is stopping).
    """
    services = services_of(application)
    state = dispatcher(application)
    if not state.begin(reminder_id):
        return "busy"
    try:
        async with state.sending:
            if not application.running and not during_update:
                return "stopped"  # still pending: armed again at the next start
            prepared = await asyncio.to_thread(_prepare, services, reminder_id, state.worker)
            if prepared.message is None or prepared.reminder is None:
                return prepared.outcome
            return await _send_and_book(application, prepared.reminder, prepared.message)
    finally:
        state.end(reminder_id)


def _prepare(services: Services, reminder_id: int, worker: str) -> _Prepared:
    """Claim and render, in a worker thread."""
    engine = services.engine
    claim = reminders.claim(
        engine,
        reminder_id=reminder_id,
        worker=worker,
        now=services.clock.now(),
        tz=services.settings.tz,
    )
    if claim.outcome is not ClaimOutcome.CLAIMED or claim.reminder is None:
        return _Prepared(claim.outcome.value)
    reminder = claim.reminder
    if not claim.recipient_active:
        reminders.mark_failed(
            engine, reminder_id=reminder_id, error="the recipient blocked the bot", worker=worker
        )
        return _Prepared("failed")
    render = RENDERERS.get(reminder.kind)
    if render is None:
        logger.error("no renderer for reminder kind %r (reminder %s)", reminder.kind, reminder_id)
        reminders.mark_failed(
            engine,
            reminder_id=reminder_id,
            error=f"no renderer for {reminder.kind}",
            worker=worker,
        )
        return _Prepared("failed")
    try:
        message = render(
            reminder, services, translator(claim.language, services.settings.timezone)
        )
    except Obsolete as exc:
        logger.info("reminder %s cancelled: %s", reminder_id, exc)
        reminders.mark_cancelled(engine, reminder_id=reminder_id, reason=str(exc), worker=worker)
        return _Prepared("cancelled")
    except Exception as exc:
        logger.exception("could not render reminder %s (%s)", reminder_id, reminder.kind)
        reminders.mark_failed(
            engine, reminder_id=reminder_id, error=f"render: {exc!r}", worker=worker
        )
        return _Prepared("failed")
    return _Prepared("claimed", reminder, message)


async def _send_and_book(application: Any, reminder: ReminderView, message: Message) -> str:
    services = services_of(application)
    engine, worker = services.engine, dispatcher(application).worker
    bot: Bot = application.bot
    silent = not reminder.urgent
    try:
        async with asyncio.timeout(SEND_TIMEOUT):
            await bot.send_message(
                reminder.recipient_id,
                message.text,
                reply_markup=message.keyboard,
                disable_notification=silent,
            )
    except Forbidden as exc:
        logger.info(
            "reminder %s: %s blocked the bot", reminder.id, user_ref(reminder.recipient_id)
        )
        await asyncio.to_thread(_blocked, services, reminder, worker, str(exc))
        return "failed"
    except RetryAfter as exc:
        return await _retry(application, reminder, retry_delay(exc), f"flood control: {exc}")
    except BadRequest as exc:
        logger.error("reminder %s refused by Telegram: %s", reminder.id, exc)
        await asyncio.to_thread(
            reminders.mark_failed,
            engine,
            reminder_id=reminder.id,
            error=f"bad request: {exc}",
            worker=worker,
        )
        return "failed"
    except (TimedOut, NetworkError, TimeoutError) as exc:
        delay = reminders.retry_delay(reminder.attempts)
        return await _retry(application, reminder, delay, f"network: {exc!r}")
    except TelegramError as exc:
        logger.error("reminder %s not sent: %s", reminder.id, exc)
        await asyncio.to_thread(
            reminders.mark_failed, engine, reminder_id=reminder.id, error=str(exc), worker=worker
        )
        return "failed"
    await asyncio.to_thread(
        reminders.mark_sent,
        engine,
        reminder_id=reminder.id,
        now=services.clock.now(),
        worker=worker,
    )
    await _send_extras(bot, reminder, message)
    return "sent"


async def _send_extras(bot: Bot, reminder: ReminderView, message: Message) -> None:
    """The pin and the file after the text, silently. The text is the reminder and is booked
    as sent: retrying would repeat it, so these are best effort."""
    chat_id = reminder.recipient_id
    try:
        if message.venue is not None:
            venue = message.venue
            await bot.send_venue(
                chat_id,
                latitude=venue.latitude,
                longitude=venue.longitude,
                title=venue.title,
                address=venue.address,
                disable_notification=True,
            )
        if message.document is not None:
            await bot.send_document(
                chat_id,
                message.document.content,
                filename=message.document.filename,
                disable_notification=True,
            )
    except TelegramError:
        logger.warning("reminder %s: the text went out, not its pin or file", reminder.id)


def _blocked(services: Services, reminder: ReminderView, worker: str, error: str) -> None:
    mark_inactive(services.engine, user_id=reminder.recipient_id)
    reminders.mark_failed(
        services.engine, reminder_id=reminder.id, error=f"forbidden: {error}", worker=worker
    )


async def _retry(
    application: Any, reminder: ReminderView, delay: timedelta | None, error: str
) -> str:
    """Back to pending after a transient error (re-armed), or failed after MAX_ATTEMPTS."""
    services = services_of(application)
    retry_at = services.clock.now() + (delay or timedelta(0))
    released = await asyncio.to_thread(
        reminders.release_for_retry,
        services.engine,
        reminder_id=reminder.id,
        retry_at=retry_at,
        error=error,
        worker=dispatcher(application).worker,
    )
    if released is None:
        return "failed"
    logger.warning("reminder %s not sent (%s); retrying at %s", reminder.id, error, retry_at)
    if application.job_queue is not None:
        from handlers.delivery.timers import arm  # timers imports this module

        arm(application.job_queue, released)
    return "retry"
