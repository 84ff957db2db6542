"""Organisation admins: who is enrolled (/inscrits), and a silent note of each change."""

from __future__ import annotations

import html
import logging

from telegram import Update
from telegram.ext import CommandHandler

from bot.catalogue import session_card
from bot.context import ProxiContext
from bot.i18n import translator
from bot.models import EnrolmentStatus
from bot.rosters import organisation_admins, rosters
from bot.users import display_name
from handlers.admin import current_roles
from handlers.common import Handlers, call_service, fit_lines, send_to

logger = logging.getLogger(__name__)


async def roster_command(update: Update, context: ProxiContext) -> None:
    """/inscrits: who is enrolled in the admin's organisations' upcoming sessions."""
    message = update.effective_message
    if message is None:
        return
    t = context.t
    roles = await current_roles(update, context)
    if not roles.is_admin:
        await message.reply_text(t("admin.not_allowed"))
        return
    services = context.services
    found = await call_service(
        rosters,
        services.engine,
        organisations=None if roles.super_admin else roles.admin_of,
        now=services.clock.now(),
    )
    if not found:
        await message.reply_text(t("roster.empty"))
        return
    lines = [t("roster.title")]
    for roster in found:
        taken = sum(1 for a in roster.attendees if a.status != EnrolmentStatus.WAITING)
        lines.append(
            t(
                "roster.session",
                title=html.escape(roster.title),
                city=html.escape(roster.city),
                when=t.datetime(roster.starts_at),
                taken=taken,
                seats=roster.seats,
            )
        )
        for attendee in roster.attendees:
            key = (
                "roster.person_waiting"
                if attendee.status == EnrolmentStatus.WAITING
                else "roster.person"
            )
            lines.append(t(key, name=html.escape(attendee.name)))
    await message.reply_text(fit_lines(lines, t)[0])


async def tell_admins(context: ProxiContext, session_id: int, learner_id: int, key: str) -> None:
    """A silent note to the organisation's admins about an enrolment or a cancellation."""
    services = context.services
    admins = await call_service(organisation_admins, services.engine, session_id=session_id)
    if not admins:
        return
    card = await call_service(
        session_card, services.engine, session_id=session_id, now=services.clock.now()
    )
    name = await call_service(display_name, services.engine, user_id=learner_id)
    if card is None:
        return
    for admin_id, language in admins:
        t = translator(language, services.settings.timezone)
        text = t(
            key,
            name=html.escape(name),
            title=html.escape(card.title),
            when=t.datetime(card.starts_at),
        )
        await send_to(context, admin_id, text, silent=True)


def handlers() -> Handlers:
    """/inscrits for admins."""
    return [CommandHandler(["inscrits", "enrolled"], roster_command)]
