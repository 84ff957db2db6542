"""/disponibilites: a tutor's upcoming slots, page by page, each with [Supprimer]; removing a
booked slot asks first, then tells each learner and sends them an .ics CANCEL."""

from __future__ import annotations

import html
import logging

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.context import ProxiContext, Services
from bot.i18n import Translator
from bot.mentoring import errors, lookup
from bot.mentoring.availability import list_slots, remove_series, remove_slot
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
MAX_SERIES_BUTTONS = 3


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
    rows.extend(_series_buttons(t, slots))
    rows.append(add)
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _series_buttons(t: Translator, slots: list[SlotView]) -> list[list[InlineKeyboardButton]]:
    """One [Supprimer toute la série] per weekly series, so 32 slots are not removed by hand."""
    first: dict[str, SlotView] = {}
    count: dict[str, int] = {}
    for slot in slots:
        if slot.series_id:
            first.setdefault(slot.series_id, slot)
            count[slot.series_id] = count.get(slot.series_id, 0) + 1
    rows = []
    for series_id, slot in list(first.items())[:MAX_SERIES_BUTTONS]:
        if count[series_id] < 2:
            continue
        label = t(
            "mentoring.availability.button_remove_series",
            day=format_date(slot.starts_at.astimezone(t.tz), "EEEE", locale=t.locale),
            time=t.time(slot.starts_at),
            count=count[series_id],
        )
        rows.append([InlineKeyboardButton(label, callback_data=f"av:xs:{slot.id}")])
    return rows


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
        keyboard = _confirm_keyboard(t, f"av:xy:{slot_id}")
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
    await _after_removal(update, context, cancelled, was)


async def remove_series_pressed(update: Update, context: ProxiContext) -> None:
    """[Supprimer toute la série] (av:xs:<slot>, or av:xsy:<slot> once confirmed): the
    future slots of the weekly series go; learners with a booking are told."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None or query.data is None:
        return
    t = context.t
    services = context.services
    found = ids(query.data, 1)
    slot = await call_service(lookup.slot, services.engine, slot_id=found[0] if found else -1)
    if slot is None or not slot.series_id:
        await query.answer(t("mentoring.availability.stale"), show_alert=True)
        return
    confirmed_press = query.data.startswith("av:xsy:")
    was = await call_service(_series_statuses, services, slot.series_id, slot.tutor_id)
    try:
        cancelled = await call_service(
            remove_series,
            services.engine,
            series_id=slot.series_id,
            tutor_user_id=user.id,
            force=confirmed_press,
            now=services.clock.now(),
        )
    except errors.SlotBooked as exc:
        await query.answer()
        keyboard = _confirm_keyboard(t, f"av:xsy:{slot.id}")
        text = t("mentoring.availability.confirm_remove_series", count=len(exc.appointments))
        await edit_or_ignore(query, text, reply_markup=keyboard)
        return
    except errors.NotYours as exc:
        await refuse(query, t, exc)
        return
    await query.answer(t("mentoring.availability.series_removed"))
    await _after_removal(update, context, cancelled, was)


def _confirm_keyboard(t: Translator, yes_data: str) -> InlineKeyboardMarkup:
    """[Oui, supprimer] [Garder], before removing booked slots."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t("mentoring.availability.button_remove_yes"), callback_data=yes_data
                ),
                InlineKeyboardButton(
                    t("mentoring.availability.button_keep"), callback_data="av:ls:0"
                ),
            ]
        ]
    )


async def _after_removal(
    update: Update,
    context: ProxiContext,
    cancelled: list[AppointmentView],
    was: dict[int, str],
) -> None:
    """Each learner whose booking went is told (an .ics CANCEL if it was confirmed)."""
    for view in cancelled:
        await _tell_learner(
            context, view, confirmed=was.get(view.id) == AppointmentStatus.CONFIRMED
        )
    await _refresh(update, context)


def _series_statuses(services: Services, series_id: str, tutor_id: int) -> dict[int, str]:
    """Appointment statuses on a series before it is removed (only a confirmed one had an
    .ics to cancel)."""
    engine = services.engine
    now = services.clock.now()
    statuses: dict[int, str] = {}
    for slot in list_slots(engine, tutor_id=tutor_id, now=now):
        if slot.series_id == series_id:
            for view in lookup.holding_on_slot(engine, slot_id=slot.id):
                statuses[view.id] = view.status
    return statuses


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
