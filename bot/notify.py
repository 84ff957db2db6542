"""Reminders through Telegram: a renderer per kind, the JobQueue adapters, bounded sending.

The `reminder` rows are the truth (`bot.reminders`); this module turns them into messages.
A row reaches `deliver` by one of two roads, and `deliver` claims it first, so a timer, a sweep
and another bot process racing for the same row send it once:

- timers: each pending reminder due within `ARM_WINDOW` has one JobQueue job `reminder:<id>`.
  `arm_pending` arms them at start-up (the ones already due fire at once), the sweep arms the
  next ones, and code that plans a reminder arms it with `arm` (or lets the sweep find it).
  Only the soonest `ARM_LIMIT` are armed per pass: one timer per row for 100,000 pending rows
  took 3.2 to 4.5 s and 100 MB at start-up, the window 0.1 s (bench/bench_reminders.py).
- the sweep (`reminders:sweep`, every `SWEEP_INTERVAL`): expires what can no longer be useful,
  arms the next window, and delivers everything already due that no timer holds (rows planned
  by another process, a backlog beyond `ARM_LIMIT`, stale claims), page by page.

Planning code: `view = reminders.schedule(...)` then `notify.arm(context.job_queue, view)`;
`ids = reminders.cancel_for(...)` then `notify.disarm(context.job_queue, i)` for each; a new
kind registers its text with `@notify.renderer("kind")`.

Timers count from the Services clock, not from APScheduler's: with a FrozenClock a timer never
fires early, and tests call `sweep` after moving the clock. Sends go `CONCURRENCY` at a time
(the AIORateLimiter then paces them at 30/s), so a backlog of 10,000 holds few claims and
little memory. Database work runs in threads: the event loop stays free for APScheduler.
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
import secrets
import socket
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from telegram import Bot, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import JobQueue
from telegram.warnings import PTBDeprecationWarning

from bot import reminders
from bot.context import Services
from bot.i18n import Translator, translator
from bot.reminders import ClaimOutcome, ReminderView
from bot.users import mark_inactive

logger = logging.getLogger(__name__)

ARM_WINDOW = timedelta(hours=1)
ARM_LIMIT = 2_000
SWEEP_INTERVAL = 60.0  # seconds
SWEEP_FIRST = 5.0  # the first sweep, soon after start-up, picks up what arm_pending left
SWEEP_PAGE = 500
SWEEP_JOB = "reminders:sweep"
CONCURRENCY = 16
# A timer that fires late still fires: the claim decides whether the reminder is still useful.
MISFIRE_GRACE = int(ARM_WINDOW.total_seconds())
# One send never holds its claim near the lease, after which another process may take it over.
SEND_TIMEOUT = min(60.0, reminders.LEASE.total_seconds() / 4)
_STATE = "reminders.dispatcher"


@dataclass(frozen=True, slots=True)
class Venue:
    """A map pin sent after the text (sendVenue)."""

    latitude: float
    longitude: float
    title: str
    address: str


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent after the text, e.g. an .ics invitation."""

    content: bytes
    filename: str


@dataclass(frozen=True, slots=True)
class Message:
    """What a reminder says: HTML text, then optionally a map pin and a file."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None
    venue: Venue | None = None
    document: Attachment | None = None


Renderer = Callable[[ReminderView, Services, Translator], Message]
# kind → renderer. Renderers run in a worker thread and may read the database.
RENDERERS: dict[str, Renderer] = {}


class Obsolete(Exception):
    """Raised by a renderer whose subject is gone (session cancelled, learner unenrolled):
    the reminder is cancelled, not sent."""


def renderer(kind: str) -> Callable[[Renderer], Renderer]:
    """Register the renderer of a reminder kind: `@renderer("appointment_24h")`."""

    def register(func: Renderer) -> Renderer:
        if RENDERERS.get(kind, func) is not func:
            raise ValueError(f"reminder kind {kind!r} already has a renderer")
        RENDERERS[kind] = func
        return func

    return register


class Dispatcher:
    """One application's delivery state (kept in Services.extras): who we are when claiming,
    the bound on concurrent sends, the reminders in flight, and one sweep at a time."""

    def __init__(self, concurrency: int = CONCURRENCY) -> None:
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"[:100]
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
    extras = _services(application).extras
    if _STATE not in extras:
        extras[_STATE] = Dispatcher()
    return extras[_STATE]  # type: ignore[no-any-return]


def _services(application: Any) -> Services:
    return application.bot_data["services"]  # type: ignore[no-any-return]


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
    services = _services(application)
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
    services = _services(application)
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
            "reminder %s: recipient %s blocked the bot", reminder.id, reminder.recipient_id
        )
        await asyncio.to_thread(_blocked, services, reminder, worker, str(exc))
        return "failed"
    except RetryAfter as exc:
        return await _retry(application, reminder, _retry_after(exc), f"flood control: {exc}")
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


def _retry_after(exc: RetryAfter) -> timedelta:
    with warnings.catch_warnings():  # an int today, a timedelta with PTB_TIMEDELTA=true
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value if isinstance(value, timedelta) else timedelta(seconds=value)


async def _retry(
    application: Any, reminder: ReminderView, delay: timedelta | None, error: str
) -> str:
    """Back to pending after a transient error (re-armed), or failed after MAX_ATTEMPTS."""
    services = _services(application)
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
        arm(application.job_queue, released)
    return "retry"


# -- the JobQueue side ------------------------------------------------------------------------


def job_id(reminder_id: int) -> str:
    """The stable id (and name) of a reminder's timer."""
    return f"reminder:{reminder_id}"


async def send_reminder(context: Any) -> None:
    """Timer callback of `reminder:<id>`: deliver that reminder (`context.job.data`)."""
    await deliver(context.application, int(context.job.data))


def arm(job_queue: JobQueue[Any], reminder: ReminderView) -> None:
    """Set (or move) the timer of a reminder; already due, it fires at once."""
    now = _services(job_queue.application).clock.now()
    _arm(job_queue, reminder.id, reminder.due_at, now)


def _arm(job_queue: JobQueue[Any], reminder_id: int, due_at: datetime, now: datetime) -> None:
    name = job_id(reminder_id)
    job_queue.run_once(
        send_reminder,
        when=max((due_at - now).total_seconds(), 0.0),
        data=reminder_id,
        name=name,
        job_kwargs={"id": name, "replace_existing": True, "misfire_grace_time": MISFIRE_GRACE},
    )


def disarm(job_queue: JobQueue[Any], reminder_id: int) -> bool:
    """Remove a reminder's timer (after `reminders.cancel_for`); False if none was set."""
    try:
        job_queue.scheduler.remove_job(job_id(reminder_id))
    except JobLookupError:
        return False
    return True


def _armed(job_queue: JobQueue[Any], reminder_id: int) -> bool:
    return job_queue.scheduler.get_job(job_id(reminder_id)) is not None


async def arm_pending(application: Any) -> int:
    """At start-up (post_init): expire what is no longer useful, then arm every pending
    reminder due before now + ARM_WINDOW (at most ARM_LIMIT, soonest first; the sweep arms the
    rest as they come closer). Returns how many timers were set."""
    services = _services(application)
    now = services.clock.now()

    def load() -> list[tuple[int, datetime]]:
        reminders.expire_overdue(services.engine, now=now)
        return reminders.upcoming(
            services.engine, after=None, until=now + ARM_WINDOW, limit=ARM_LIMIT
        )

    rows = await asyncio.to_thread(load)
    for reminder_id, due_at in rows:
        _arm(application.job_queue, reminder_id, due_at, now)
    logger.info("armed %s reminders due within %s", len(rows), ARM_WINDOW)
    return len(rows)


async def sweep(application: Any) -> Counter[str]:
    """Expire, arm the next window, deliver everything due (page by page, CONCURRENCY at a
    time), then wait for deliveries in flight. Returns counts by outcome, plus "armed" and
    "expired". One sweep at a time; tests call it after moving their clock."""
    services, state = _services(application), dispatcher(application)
    report: Counter[str] = Counter()
    async with state.sweeping:
        now = services.clock.now()
        report["expired"] = await asyncio.to_thread(
            reminders.expire_overdue, services.engine, now=now
        )
        report["armed"] = await _arm_window(application, now)
        cursor: tuple[datetime, int] | None = None
        while application.running:
            page = await asyncio.to_thread(
                reminders.due_page,
                services.engine,
                now=services.clock.now(),
                limit=SWEEP_PAGE,
                after=cursor,
            )
            if not page:
                break
            cursor = page[-1]
            todo = [reminder_id for _, reminder_id in page if reminder_id not in state.in_flight]
            report.update(await _deliver_all(application, todo))
            if len(page) < SWEEP_PAGE:
                break
        await state.wait_idle()
    return report


async def _arm_window(application: Any, now: datetime) -> int:
    job_queue = application.job_queue
    if job_queue is None:
        return 0
    rows = await asyncio.to_thread(
        reminders.upcoming,
        _services(application).engine,
        after=now,
        until=now + ARM_WINDOW,
        limit=ARM_LIMIT,
    )
    armed = 0
    for reminder_id, due_at in rows:
        if not _armed(job_queue, reminder_id):
            _arm(job_queue, reminder_id, due_at, now)
            armed += 1
    return armed


async def _deliver_all(application: Any, reminder_ids: list[int]) -> Counter[str]:
    """Deliver a page with CONCURRENCY workers (not one task per reminder)."""
    outcomes: Counter[str] = Counter()
    queue = iter(reminder_ids)

    async def work() -> None:
        for reminder_id in queue:
            try:
                outcomes[await deliver(application, reminder_id)] += 1
            except Exception:  # a database outage, a bug: log it, go on with the others
                logger.exception("could not deliver reminder %s", reminder_id)
                outcomes["error"] += 1

    await asyncio.gather(*(work() for _ in range(min(CONCURRENCY, len(reminder_ids)))))
    return outcomes


async def sweep_job(context: Any) -> None:
    """Repeating job `reminders:sweep`; skips its turn while the previous one still delivers."""
    if dispatcher(context.application).sweeping.locked():
        return
    report = await sweep(context.application)
    if sum(report.values()):
        logger.info("reminder sweep: %s", dict(+report))


def install(application: Any) -> None:
    """Register the sweep job and the delivery state (idempotent); call it once the
    application is built, and `arm_pending` in post_init."""
    job_queue = application.job_queue
    if job_queue is None:
        raise RuntimeError("reminders need the JobQueue: install python-telegram-bot[job-queue]")
    dispatcher(application)
    job_queue.run_repeating(
        sweep_job,
        interval=SWEEP_INTERVAL,
        first=SWEEP_FIRST,
        name=SWEEP_JOB,
        job_kwargs={
            "id": SWEEP_JOB,
            "replace_existing": True,
            "misfire_grace_time": int(SWEEP_INTERVAL),
            "coalesce": True,
            "max_instances": 2,  # the second returns at once while a long sweep runs
        },
    )


# -- renderers of the kinds planned here ------------------------------------------------------


@renderer(reminders.SESSION_DAY_BEFORE)
def render_session_day_before(
    reminder: ReminderView, services: Services, t: Translator
) -> Message:
    """Tomorrow's training session: title, date and time in Paris, the place, then the pin."""
    if reminder.session_id is None:
        raise Obsolete("no session attached")
    brief = reminders.session_brief(
        services.engine, session_id=reminder.session_id, user_id=reminder.recipient_id
    )
    if brief is None or brief.cancelled:
        raise Obsolete(f"session {reminder.session_id} cancelled or deleted")
    if not brief.enrolled:
        raise Obsolete(f"recipient no longer enrolled in session {reminder.session_id}")
    text = t(
        "reminder.session_day_before",
        title=html.escape(brief.title),
        when=t.datetime(brief.starts_at),
        place=html.escape(brief.place),
        address=html.escape(brief.address),
    )
    venue = Venue(brief.latitude, brief.longitude, brief.place, brief.address)
    return Message(text=text, venue=venue)
