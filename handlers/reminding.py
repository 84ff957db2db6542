"""Planning and cancelling reminders from handlers: database rows first, then timers."""

from __future__ import annotations

import logging

from bot.context import ProxiContext
from bot.reminders import (
    SESSION_DAY_BEFORE,
    ReminderView,
    cancel_for,
    schedule_session_day_before,
)
from handlers import delivery
from handlers.common import call_service

logger = logging.getLogger(__name__)


async def plan_session_reminders(
    context: ProxiContext, session_id: int, *, user_id: int | None = None
) -> list[ReminderView]:
    """The day-before reminder of a session, for one learner or all its learners; returns
    the rows planned (what a confirmation may promise)."""
    services = context.services
    views = await call_service(
        schedule_session_day_before,
        services.engine,
        session_id=session_id,
        now=services.clock.now(),
        user_id=user_id,
        tz=services.settings.tz,
    )
    if context.job_queue is not None:
        for view in views:
            delivery.arm(context.job_queue, view)
    return views


async def cancel_session_reminders(
    context: ProxiContext, session_id: int, *, user_id: int | None = None
) -> None:
    """No reminder for a seat given up, or a session cancelled."""
    ids = await call_service(
        cancel_for,
        context.services.engine,
        session_id=session_id,
        recipient_id=user_id,
        kinds=[SESSION_DAY_BEFORE],
    )
    if context.job_queue is not None:
        for reminder_id in ids:
            delivery.disarm(context.job_queue, reminder_id)
