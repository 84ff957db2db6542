"""Sessions to confirm in the chat: what an enrolment's answer adds, sending the notices a
decision wrote, and [M'alerter des prochaines dates] after a cancellation.

The decisions themselves are `bot.confirmation`'s (at enrolment, and in the reminder sweep);
the notices' texts are `handlers.notices.confirmation`'s.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.alerts import AlertError
from bot.confirmation import Settled, alert_for_session, settle_due
from bot.context import ProxiContext
from bot.enrolment import Taken
from bot.i18n import Translator
from bot.reminders import schedule_session_day_before
from handlers import buttons
from handlers.common import Handlers, call_service, pressed, refuse, reply, safe_answer
from handlers.delivery import arm, deliver, services_of
from handlers.render import day_month

logger = logging.getLogger(__name__)

SETTLE_INTERVAL = timedelta(minutes=1)
SETTLE_JOB = "sessions:settle"


def confirmation_sentence(t: Translator, taken: Taken) -> str:
    """What an enrolment's answer adds for a session to confirm: confirmed by this seat, or
    not yet (with the minimum and the decision day); nothing for a plain session."""
    if taken.confirmed_now:
        return "\n\n" + t("confirm.confirmed_now")
    standing = taken.to_confirm
    if standing is None:
        return ""
    sentence = t(
        "confirm.enrolled",
        minimum=standing.minimum,
        day=day_month(t, standing.confirm_by),
        count=standing.registered,
    )
    return f"\n\n{sentence}"


async def deliver_notices(context: ProxiContext, notice_ids: Iterable[int]) -> None:
    """Send now the notices a decision wrote (rows: the sweep retries what fails here)."""
    for notice_id in notice_ids:
        await deliver(context.application, notice_id, during_update=True)


async def alert_pressed(update: Update, context: ProxiContext) -> None:
    """[M'alerter des prochaines dates] under a cancellation: an alert for the course, around
    the cancelled session's town."""
    if (found := pressed(update)) is None:
        return
    query, user = found
    t = context.t
    services = context.services
    try:
        alert = await call_service(
            alert_for_session,
            services.engine,
            session_id=buttons.CONFIRM_ALERT.value(query.data),
            user_id=user.id,
            now=services.clock.now(),
        )
    except AlertError as exc:
        await refuse(query, t, exc)
        return
    await safe_answer(query)
    await reply(
        query,
        t(
            "confirm.alert_saved",
            query=html.escape(alert.query),
            place=html.escape(alert.place_label),
        ),
    )


async def settle(application: Any) -> Settled:
    """Decide the sessions to confirm that can be (`bot.confirmation.settle_due`), then send
    the notices written; tests call it after moving their clock."""
    services = services_of(application)
    settled = await asyncio.to_thread(settle_due, services.engine, now=services.clock.now())
    if settled.cancelled:
        # Cancelled sessions leave the search (confirmed ones look like any other).
        await asyncio.to_thread(services.search.rebuild, services.engine, now=services.clock.now())
    for session_id in settled.confirmed:
        await _plan_day_before(application, session_id)
    for notice_id in settled.notices:
        await deliver(application, notice_id)
    if settled.confirmed or settled.cancelled:
        logger.info(
            "sessions to confirm: %s confirmed, %s cancelled",
            len(settled.confirmed),
            len(settled.cancelled),
        )
    return settled


async def _plan_day_before(application: Any, session_id: int) -> None:
    """Everyone's day-before reminder, once the session is confirmed (dropped before)."""
    services = services_of(application)
    views = await asyncio.to_thread(
        schedule_session_day_before,
        services.engine,
        session_id=session_id,
        now=services.clock.now(),
        tz=services.settings.tz,
    )
    if application.job_queue is not None:
        for view in views:
            arm(application.job_queue, view)


async def settle_job(context: Any) -> None:
    """Repeating job `sessions:settle`."""
    await settle(context.application)


def handlers() -> Handlers:
    """[M'alerter des prochaines dates]."""
    return [CallbackQueryHandler(alert_pressed, pattern=buttons.CONFIRM_ALERT.pattern)]
