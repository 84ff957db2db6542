"""/disponibilites: a tutor's upcoming slots, page by page, each with [Supprimer]; removing a
booked slot asks first, then tells each learner and sends them an .ics CANCEL."""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.context import ProxiContext
from bot.i18n import Translator
from bot.mentoring import errors, lookup
from bot.mentoring.availability import list_slots, remove_slot
from bot.mentoring.renderers import place_short, when
from bot.mentoring.views import AppointmentView, SlotView
from bot.models import AppointmentStatus
from handlers.common import call_service, edit_or_ignore
from handlers.mentoring_common import (
    cancel_reminders,
    current_tutor,
    ids,
    refuse,
    send,
    send_attachments,
    t_for,
)
from handlers.mentoring_typing import typed

logger = logging.getLogger(__name__)

PAGE = 8


async def availability_command(update: Update, context: ProxiContext) -> int:
    """/disponibilites [phrase]: the tutor's slots, or the phrase added as availability."""
    message = update.effective_message
    if message is None:
        return ConversationHandler.END
    tutor_id = await current_tutor(update, context)
    if tutor_id is None:
        await message.reply_text(context.t("mentoring.availability.not_tutor"))
        return ConversationHandler.END
    if context.args:
        return await typed(update, context, " ".join(context.args))
    text, keyboard = await _page(context, tutor_id, 0)
    await message.reply_text(text, reply_markup=keyboard)
    return ConversationHandler.END


async def list_pressed(update: Update, context: ProxiContext) -> None:
    """[Mes créneaux], [Suivants], [Précédents] (av:ls:<offset>)."""
    query = update.callback_query
    if query is None:
        return
    tutor_id = await current_tutor(update, context)
    if tutor_id is None:
        await query.answer(context.t("mentoring.availability.not_tutor"), show_alert=True)
        return
    await query.answer()
    found = ids(query.data, 1)
    text, keyboard = await _page(context, tutor_id, max(found[0] if found else 0, 0))
    await edit_or_ignore(query, text, reply_markup=keyboard)


async def _page(
    context: ProxiContext, tutor_id: int, offset: int
) -> tuple[str, InlineKeyboardMarkup]:
    services = context.services
    t = context.t
    slots = await call_service(
        list_slots, services.engine, tutor_id=tutor_id, now=services.clock.now()
    )
    add = [InlineKeyboardButton(t("mentoring.availability.button_add"), callback_data="av:add")]
    if not slots:
        return t("mentoring.availability.none"), InlineKeyboardMarkup([add])
    if offset >= len(slots):
        offset = max(0, len(slots) - PAGE)
    shown = slots[offset : offset + PAGE]
    lines = [t("mentoring.availability.title", count=len(slots))]
    buttons = []
    for number, slot in enumerate(shown, start=offset + 1):
        lines.append(_line(t, number, slot))
        buttons.append(
            InlineKeyboardButton(
                t("mentoring.availability.button_remove", i=number),
                callback_data=f"av:x:{slot.id}",
            )
        )
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    nav = []
    if offset > 0:
        nav.append(
            InlineKeyboardButton(
                t("mentoring.button_previous"), callback_data=f"av:ls:{max(0, offset - PAGE)}"
            )
        )
    if offset + PAGE < len(slots):
        nav.append(
            InlineKeyboardButton(
                t("mentoring.button_next"), callback_data=f"av:ls:{offset + PAGE}"
            )
        )
    if nav:
        rows.append(nav)
    rows.append(add)
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _line(t: Translator, number: int, slot: SlotView) -> str:
    return t(
        "mentoring.availability.line",
        i=number,
        when=when(t, slot),
        place=html.escape(place_short(t, slot.place)),
        taken=slot.seats_taken,
        seats=slot.seats,
    )


async def remove_pressed(update: Update, context: ProxiContext) -> None:
    """[Supprimer n°N] (av:x:<slot>): removed at once when free, else asked first."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    t = context.t
    services = context.services
    found = ids(query.data, 1)
    slot_id = found[0] if found else -1
    try:
        await call_service(
            remove_slot,
            services.engine,
            slot_id=slot_id,
            tutor_user_id=user.id,
            now=services.clock.now(),
        )
    except errors.SlotBooked as exc:
        await query.answer()
        slot = await call_service(lookup.slot, services.engine, slot_id=slot_id)
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        t("mentoring.availability.button_remove_yes"),
                        callback_data=f"av:xy:{slot_id}",
                    ),
                    InlineKeyboardButton(
                        t("mentoring.availability.button_keep"), callback_data="av:ls:0"
                    ),
                ]
            ]
        )
        text = t(
            "mentoring.availability.confirm_remove",
            count=len(exc.appointments),
            when=when(t, slot) if slot else "",
        )
        await edit_or_ignore(query, text, reply_markup=keyboard)
        return
    except errors.SlotInPast:
        await query.answer(t("mentoring.availability.remove_past"), show_alert=True)
        return
    except errors.NotYours as exc:
        await refuse(query, t, exc)
        return
    await query.answer(t("mentoring.availability.removed"))
    await _refresh(update, context)


async def remove_confirmed(update: Update, context: ProxiContext) -> None:
    """[Oui, supprimer] (av:xy:<slot>): the slot goes; its learners are told."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    t = context.t
    services = context.services
    found = ids(query.data, 1)
    slot_id = found[0] if found else -1
    before = await call_service(lookup.holding_on_slot, services.engine, slot_id=slot_id)
    was = {view.id: view.status for view in before}
    try:
        cancelled = await call_service(
            remove_slot,
            services.engine,
            slot_id=slot_id,
            tutor_user_id=user.id,
            force=True,
            now=services.clock.now(),
        )
    except errors.SlotInPast:
        await query.answer(t("mentoring.availability.remove_past"), show_alert=True)
        return
    except errors.NotYours as exc:
        await refuse(query, t, exc)
        return
    await query.answer(t("mentoring.availability.removed"))
    for view in cancelled:
        await _tell_learner(
            context, view, confirmed=was.get(view.id) == AppointmentStatus.CONFIRMED
        )
    await _refresh(update, context)


async def _tell_learner(context: ProxiContext, view: AppointmentView, *, confirmed: bool) -> None:
    """A learner whose appointment went with the slot: told, reminders off, .ics CANCEL."""
    await cancel_reminders(context, view.id)
    t = await t_for(context, view.learner_id)
    text = t(
        "mentoring.availability.slot_removed",
        tutor=html.escape(view.tutor_name),
        when=when(t, view),
    )
    await send(context, view.learner_id, text)
    if confirmed:
        await send_attachments(context, view.learner_id, view, method="CANCEL")
        if view.tutor_user_id is not None:
            await send_attachments(context, view.tutor_user_id, view, method="CANCEL")


async def _refresh(update: Update, context: ProxiContext) -> None:
    query = update.callback_query
    tutor_id = await current_tutor(update, context)
    if query is None or tutor_id is None:
        return
    text, keyboard = await _page(context, tutor_id, 0)
    await edit_or_ignore(query, text, reply_markup=keyboard)
