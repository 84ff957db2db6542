"""The JobQueue side of delivery: one timer per reminder due soon, and the sweep.

Timers count from the Services clock, not from APScheduler's: with a FrozenClock a timer never
fires early, and tests call `sweep` after moving the clock. Only the soonest `ARM_LIMIT`
reminders within `ARM_WINDOW` are armed per pass: one timer per row for 100,000 pending rows
took 3.2 to 4.5 s and 100 MB at start-up, the window 0.1 s (bench/bench_reminders.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from telegram.ext import JobQueue

from bot import reminders
from bot.reminders import ReminderView
from handlers.delivery.sending import CONCURRENCY, deliver, dispatcher, services_of

logger = logging.getLogger(__name__)

ARM_WINDOW = timedelta(hours=1)
ARM_LIMIT = 2_000
SWEEP_INTERVAL = 60.0  # seconds
SWEEP_FIRST = 5.0  # the first sweep, soon after start-up, picks up what arm_pending left
SWEEP_PAGE = 500
SWEEP_JOB = "reminders:sweep"
# A timer that fires late still fires: the claim decides whether the reminder is still useful.
MISFIRE_GRACE = int(ARM_WINDOW.total_seconds())


def job_id(reminder_id: int) -> str:
    """The stable id (and name) of a reminder's timer."""
    return f"reminder:{reminder_id}"


async def send_reminder(context: Any) -> None:
    """Timer callback of `reminder:<id>`: deliver that reminder (`context.job.data`)."""
    await deliver(context.application, int(context.job.data))


def arm(job_queue: JobQueue[Any], reminder: ReminderView) -> None:
    """Set (or move) the timer of a reminder; already due, it fires at once."""
    now = services_of(job_queue.application).clock.now()
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
    """At start-up (post_init): release the claims of dead runs, expire what is no longer
    useful, then arm every pending
    reminder due before now + ARM_WINDOW (at most ARM_LIMIT, soonest first; the sweep arms the
    rest as they come closer). Returns how many timers were set."""
    services = services_of(application)
    now = services.clock.now()
    worker = dispatcher(application).worker

    def load() -> list[tuple[int, datetime]]:
        # Claims of an earlier run that died are sent now, not after the lease.
        reminders.release_dead(services.engine, worker=worker)
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
    services, state = services_of(application), dispatcher(application)
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
        services_of(application).engine,
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
