"""/disponibilites: a tutor's upcoming slots, page by page, each with [Supprimer]; removing a
booked slot asks first, then tells each learner and sends them an .ics CANCEL."""

from __future__ import annotations

import html
import logging
from typing import Any

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler

from bot.context import ProxiContext
from bot.i18n import Translator
from bot.mentoring import errors
from bot.mentoring.availability import list_slots
from bot.mentoring.removal import remove_series, remove_slot
from bot.mentoring.views import AppointmentView, Removal, SlotView
from bot.models import AppointmentStatus
from handlers import buttons
from handlers.buttons import Button, any_of
from handlers.common import call_service, edit_or_ignore, pressed, refuse, safe_answer, send_to
from handlers.mentoring.access import current_tutor
from handlers.mentoring.messages import cancel_reminders, send_attachments, t_for
from handlers.mentoring.state import AWAIT, DRAFT, waiting
from handlers.mentoring.texts import place_short, when
from handlers.mentoring.typing import typed

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
    # The list asks for a slot: the next plain message is one, never a course search.
    await message.reply_text(_asking(context, text), reply_markup=keyboard)
    return AWAIT


async def list_pressed(update: Update, context: ProxiContext) -> int:
    """[Mes créneaux], [Mes disponibilités], [Suivants], [Précédents] (av:ls:<offset>): the
    page, which asks for a slot like /disponibilites does (a conversation entry point)."""
    query = update.callback_query
    if query is None:
        return ConversationHandler.END
    tutor_id = await current_tutor(update, context)
    if tutor_id is None:
        await safe_answer(query, context.t("mentoring.availability.not_tutor"), show_alert=True)
        return ConversationHandler.END
    await safe_answer(query)
    text, keyboard = await _page(context, tutor_id, buttons.SLOTS_LIST.value(query.data))
    await edit_or_ignore(query, _asking(context, text), reply_markup=keyboard)
    return AWAIT


def _asking(context: ProxiContext, text: str) -> str:
    """The list, saying a slot may be typed; the next plain message is then one."""
    if context.user_data is not None:
        context.user_data[DRAFT] = {}
    waiting(context, "availability")
    return text + "\n\n" + context.t("mentoring.listing.type_hint")


async def _page(
    context: ProxiContext, tutor_id: int, offset: int
) -> tuple[str, InlineKeyboardMarkup]:
    services = context.services
    t = context.t
    slots = await call_service(
        list_slots, services.engine, tutor_id=tutor_id, now=services.clock.now()
    )
    add = [buttons.SLOT_ADD.button(t("mentoring.availability.button_add"))]
    if not slots:
        return t("mentoring.availability.none"), InlineKeyboardMarkup([add])
    if offset >= len(slots):
        offset = max(0, len(slots) - PAGE)
    shown = slots[offset : offset + PAGE]
    lines = [t("mentoring.availability.title", count=len(slots))]
    removes = []
    for number, slot in enumerate(shown, start=offset + 1):
        lines.append(_line(t, number, slot))
        removes.append(
            buttons.SLOT_REMOVE.button(
                t("mentoring.availability.button_remove", i=number), slot.id
            )
        )
    rows = [removes[i : i + 2] for i in range(0, len(removes), 2)]
    nav = []
    if offset > 0:
        nav.append(
            buttons.SLOTS_LIST.button(t("mentoring.button_previous"), max(0, offset - PAGE))
        )
    if offset + PAGE < len(slots):
        nav.append(buttons.SLOTS_LIST.button(t("mentoring.button_next"), offset + PAGE))
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
        rows.append([buttons.SERIES_REMOVE.button(label, slot.id)])
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
    if (found := pressed(update)) is None:
        return
    query, user = found
    t = context.t
    services = context.services
    slot_id = buttons.SLOT_REMOVE.value(query.data)
    try:
        await call_service(
            remove_slot,
            services.engine,
            slot_id=slot_id,
            tutor_user_id=user.id,
            now=services.clock.now(),
        )
    except errors.SlotBooked as exc:
        await safe_answer(query)
        keyboard = _confirm_keyboard(t, buttons.SLOT_REMOVE_YES, slot_id)
        # The appointments share their slot's times.
        text = t(
            "mentoring.availability.confirm_remove",
            count=len(exc.appointments),
            when=when(t, exc.appointments[0]),
        )
        await edit_or_ignore(query, text, reply_markup=keyboard)
        return
    except errors.SlotInPast:
        await safe_answer(query, t("mentoring.availability.remove_past"), show_alert=True)
        return
    except errors.MentoringError as exc:
        await refuse(query, t, exc)
        return
    await safe_answer(query, t("mentoring.availability.removed"))
    await _refresh(update, context)


async def remove_confirmed(update: Update, context: ProxiContext) -> None:
    """[Oui, supprimer] (av:xy:<slot>): the slot goes; its learners are told."""
    if (found := pressed(update)) is None:
        return
    query, user = found
    t = context.t
    services = context.services
    try:
        removed = await call_service(
            remove_slot,
            services.engine,
            slot_id=buttons.SLOT_REMOVE_YES.value(query.data),
            tutor_user_id=user.id,
            force=True,
            now=services.clock.now(),
        )
    except errors.SlotInPast:
        await safe_answer(query, t("mentoring.availability.remove_past"), show_alert=True)
        return
    except errors.MentoringError as exc:
        await refuse(query, t, exc)
        return
    await safe_answer(query, t("mentoring.availability.removed"))
    await _after_removal(update, context, removed)


async def remove_series_pressed(update: Update, context: ProxiContext) -> None:
    """[Supprimer toute la série] (av:xs:<slot>, or av:xsy:<slot> once confirmed): the
    future slots of the weekly series go; learners with a booking are told."""
    if (found := pressed(update)) is None:
        return
    query, user = found
    t = context.t
    services = context.services
    confirmed_press = buttons.SERIES_REMOVE_YES.matches(query.data)
    button = buttons.SERIES_REMOVE_YES if confirmed_press else buttons.SERIES_REMOVE
    slot_id = button.value(query.data)
    try:
        removed = await call_service(
            remove_series,
            services.engine,
            slot_id=slot_id,
            tutor_user_id=user.id,
            force=confirmed_press,
            now=services.clock.now(),
        )
    except errors.SlotBooked as exc:
        await safe_answer(query)
        keyboard = _confirm_keyboard(t, buttons.SERIES_REMOVE_YES, slot_id)
        text = t("mentoring.availability.confirm_remove_series", count=len(exc.appointments))
        await edit_or_ignore(query, text, reply_markup=keyboard)
        return
    except errors.MentoringError as exc:
        await refuse(query, t, exc)
        return
    await safe_answer(query, t("mentoring.availability.series_removed"))
    await _after_removal(update, context, removed)


def _confirm_keyboard(t: Translator, yes: Button, slot_id: int) -> InlineKeyboardMarkup:
    """[Oui, supprimer] [Garder], before removing booked slots."""
    return InlineKeyboardMarkup(
        [
            [
                yes.button(t("mentoring.availability.button_remove_yes"), slot_id),
                buttons.SLOTS_LIST.button(t("mentoring.availability.button_keep"), 0),
            ]
        ]
    )


async def _after_removal(update: Update, context: ProxiContext, removed: list[Removal]) -> None:
    """Each learner whose booking went is told (an .ics CANCEL if it was confirmed)."""
    for removal in removed:
        confirmed = removal.was == AppointmentStatus.CONFIRMED
        await _tell_learner(context, removal.appointment, confirmed=confirmed)
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
    await send_to(context, view.learner_id, text)
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


def handlers() -> list[BaseHandler[Update, ProxiContext, Any]]:
    """A tutor's slot list and removals (adding is in `adding`, typed in `typing`)."""
    return [
        CallbackQueryHandler(remove_pressed, pattern=buttons.SLOT_REMOVE.pattern),
        CallbackQueryHandler(remove_confirmed, pattern=buttons.SLOT_REMOVE_YES.pattern),
        CallbackQueryHandler(
            remove_series_pressed,
            pattern=any_of(buttons.SERIES_REMOVE, buttons.SERIES_REMOVE_YES),
        ),
    ]
