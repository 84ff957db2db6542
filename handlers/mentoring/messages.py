"""Mentoring messages to either side, in their own language: requests to the tutor,
proposals to the learner, confirmations with the map pin and the .ics, and the reminders a
confirmed appointment plans (rows first, then timers)."""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot import reminders
from bot.context import ProxiContext
from bot.i18n import Translator, translator
from bot.mentoring import lookup
from bot.mentoring.ics import Method, appointment_ics, ics_filename
from bot.mentoring.reminding import reminder_plan
from bot.mentoring.views import AppointmentView
from bot.observability.logs import user_ref
from bot.users import language_of
from handlers import delivery
from handlers.common import call_service, edit_or_ignore, send_to
from handlers.mentoring.keyboards import (
    appointment_keyboard,
    decision_keyboard,
    proposal_keyboard,
)
from handlers.mentoring.state import config
from handlers.mentoring.texts import other_name, place_text, request_text, venue, when

logger = logging.getLogger(__name__)


async def show(update: Update, text: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
    """Edit the message behind a button, or answer a typed message."""
    if update.callback_query is not None:
        await edit_or_ignore(update.callback_query, text, reply_markup=keyboard)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text, reply_markup=keyboard)


async def t_for(context: ProxiContext, user_id: int) -> Translator:
    """Texts in the language of `user_id` (not necessarily the current user)."""
    services = context.services
    language = await call_service(language_of, services.engine, user_id=user_id)
    return translator(language, services.settings.timezone)


async def send_attachments(
    context: ProxiContext, chat_id: int, view: AppointmentView, *, method: Method
) -> None:
    """After the text: the pin (in-person, for a REQUEST) and the .ics file, silently."""
    services = context.services
    try:
        pin = venue(view.place)
        if pin is not None and method == "REQUEST":
            await context.bot.send_venue(
                chat_id,
                latitude=pin.latitude,
                longitude=pin.longitude,
                title=pin.title,
                address=pin.address,
                disable_notification=True,
            )
        content = appointment_ics(
            view,
            method=method,
            organizer_name=view.tutor_name,
            tz=services.settings.tz,
            stamp=services.clock.now(),
            t=await t_for(context, chat_id),  # the calendar entry in the reader's language
        )
        await context.bot.send_document(
            chat_id,
            content,
            filename=ics_filename(view, services.settings.tz),
            disable_notification=True,
        )
    except TelegramError as exc:
        logger.warning(
            "appointment %s: no pin or file for %s: %s", view.id, user_ref(chat_id), exc
        )


def parties(view: AppointmentView) -> list[int]:
    return [view.learner_id] + ([view.tutor_user_id] if view.tutor_user_id else [])


async def send_confirmation(context: ProxiContext, view: AppointmentView) -> None:
    """Both sides: the reminders (planned first, so a crash while sending loses none), then
    the confirmation with [Annuler] [Déplacer], the pin and the .ics."""
    if view.rescheduled_from_id is not None:  # a confirmed move replaced this appointment
        await cancel_reminders(context, view.rescheduled_from_id)
    await plan_reminders(context, view)
    for user_id in parties(view):
        t = await t_for(context, user_id)
        text = t(
            "mentoring.confirmed",
            when=when(t, view),
            who=other_name(view, user_id),
            place=place_text(t, view.place),
        )
        if await send_to(context, user_id, text, reply_markup=appointment_keyboard(t, view.id)):
            await send_attachments(context, user_id, view, method="REQUEST")


async def send_cancel_ics(context: ProxiContext, view: AppointmentView) -> None:
    """The .ics CANCEL (same UID, higher SEQUENCE) to both sides."""
    for user_id in parties(view):
        await send_attachments(context, user_id, view, method="CANCEL")


async def plan_reminders(context: ProxiContext, view: AppointmentView) -> None:
    """The reminders of a confirmed appointment: rows first, then their timers."""
    services = context.services
    offsets = config(services.settings).offsets

    def schedule_all() -> list[reminders.ReminderView]:
        planned = []
        for kwargs in reminder_plan(view, offsets, now=services.clock.now()):
            row = reminders.schedule(
                services.engine, **kwargs, now=services.clock.now(), tz=services.settings.tz
            )
            if row is not None:
                planned.append(row)
        return planned

    planned = await call_service(schedule_all)
    if context.job_queue is not None:
        for row in planned:
            delivery.arm(context.job_queue, row)


async def cancel_reminders(context: ProxiContext, appointment_id: int) -> None:
    """No reminder for an appointment cancelled or moved; on a group slot the tutor's
    reminders (one per slot) carry on for the learners still coming."""
    services = context.services
    cancelled = await call_service(
        reminders.cancel_for, services.engine, appointment_id=appointment_id
    )
    if context.job_queue is not None:
        for reminder_id in cancelled:
            delivery.disarm(context.job_queue, reminder_id)
    gone = await call_service(lookup.appointment, services.engine, appointment_id=appointment_id)
    if gone is None:
        return
    others = await call_service(lookup.holding_on_slot, services.engine, slot_id=gone.slot_id)
    still = [v for v in others if v.id != appointment_id and v.status == "confirmed"]
    if still:
        await plan_reminders(context, still[0])


async def send_request(context: ProxiContext, view: AppointmentView, *, moved: bool) -> None:
    """The tutor gets a request (new, or a learner's reschedule) with the decision buttons."""
    if view.tutor_user_id is None:
        return
    t = await t_for(context, view.tutor_user_id)
    key = "mentoring.request.moved" if moved else "mentoring.request.new"
    await send_to(
        context,
        view.tutor_user_id,
        request_text(t, view, key=key),
        reply_markup=decision_keyboard(t, view.id),
    )


async def send_proposal(context: ProxiContext, view: AppointmentView) -> None:
    """The learner gets the tutor's proposed slot with [Accepter] [Refuser]."""
    t = await t_for(context, view.learner_id)
    text = t(
        "mentoring.proposal.text",
        tutor=html.escape(view.tutor_name),
        when=when(t, view),
        place=place_text(t, view.place),
    )
    await send_to(context, view.learner_id, text, reply_markup=proposal_keyboard(t, view.id))
