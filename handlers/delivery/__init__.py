"""Reminders and notices through Telegram: the `reminder` rows (`bot.reminders`) become messages.

A row reaches `deliver` by one of two roads, and `deliver` claims it first, so a timer, a sweep
and another bot process racing for the same row send it once:

- timers (`timers`): each pending reminder due within `ARM_WINDOW` has one JobQueue job
  `reminder:<id>`. `arm_pending` arms them at start-up (the ones already due fire at once), the
  sweep arms the next ones, and code that plans a reminder arms it with `arm`.
- the sweep (`reminders:sweep`, every `SWEEP_INTERVAL`): expires what can no longer be useful,
  arms the next window, and delivers everything already due that no timer holds (rows planned
  by another process, a backlog beyond `ARM_LIMIT`, stale claims), page by page.

`sending` claims, renders (with the renderers of `handlers.notices`) and sends one row.

Planning code: `view = reminders.schedule(...)` then `delivery.arm(context.job_queue, view)`;
`ids = reminders.cancel_for(...)` then `delivery.disarm(context.job_queue, i)` for each; a
message to someone else now is `await delivery.notice(...)`.
"""

from __future__ import annotations

from datetime import datetime

from bot import reminders
from bot.context import ProxiContext
from handlers.common import call_service
from handlers.delivery.sending import (
    CONCURRENCY,
    SEND_TIMEOUT,
    Dispatcher,
    deliver,
    dispatcher,
    services_of,
)
from handlers.delivery.timers import (
    ARM_LIMIT,
    ARM_WINDOW,
    SWEEP_INTERVAL,
    SWEEP_JOB,
    arm,
    arm_pending,
    disarm,
    install,
    job_id,
    sweep,
    sweep_job,
)

__all__ = [
    "ARM_LIMIT",
    "ARM_WINDOW",
    "CONCURRENCY",
    "SEND_TIMEOUT",
    "SWEEP_INTERVAL",
    "SWEEP_JOB",
    "Dispatcher",
    "arm",
    "arm_pending",
    "deliver",
    "disarm",
    "dispatcher",
    "install",
    "job_id",
    "notice",
    "services_of",
    "sweep",
    "sweep_job",
]


async def notice(
    context: ProxiContext,
    *,
    kind: str,
    recipient_id: int,
    session_id: int,
    dedupe_key: str,
    urgent: bool,
    deadline_at: datetime | None = None,
) -> None:
    """Plan a notice to someone else as a row (durable), then try to send it now."""
    services = context.services
    view = await call_service(
        reminders.schedule,
        services.engine,
        kind=kind,
        recipient_id=recipient_id,
        due_at=services.clock.now(),
        dedupe_key=dedupe_key,
        urgent=urgent,
        deadline_at=deadline_at,
        session_id=session_id,
        now=services.clock.now(),
        tz=services.settings.tz,
    )
    if view is not None:
        await deliver(context.application, view.id, during_update=True)
