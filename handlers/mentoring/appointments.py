"""/mes_rdv and the buttons on every appointment message: cancel (the other side is told and
gets an .ics CANCEL), reschedule (a new request or proposal), attendance and rating."""

from __future__ import annotations

import html
import logging
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import ProxiContext
from bot.i18n import Translator
from bot.mentoring import errors, lookup
from bot.mentoring.availability import tutor_for_user
from bot.mentoring.followup import appointments_of, rate, record_attendance
from bot.mentoring.moves import Cancelled, cancel, reschedule
from bot.mentoring.views import HOLDING, AppointmentView
from handlers import buttons
from handlers.buttons import Button
from handlers.common import (
    act,
    call_service,
    edit_or_ignore,
    fit_lines,
    pressed,
    refuse,
    reply,
    safe_answer,
    send_to,
)
from handlers.mentoring.access import other_slots
from handlers.mentoring.keyboards import rating_keyboard, slot_buttons
from handlers.mentoring.messages import (
    cancel_reminders,
    send_attachments,
    send_cancel_ics,
    send_proposal,
    send_request,
    t_for,
)
from handlers.mentoring.texts import other_name, place_short, rating_question, when

logger = logging.getLogger(__name__)

MAX_LISTED = 10  # upcoming appointments shown with their buttons


async def my_appointments_command(update: Update, context: ProxiContext) -> None:
    """/mes_rdv: upcoming appointments (either side) with [Annuler] [Déplacer], then past ones."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    t = context.t
    services = context.services
    now = services.clock.now()
    views = await call_service(appointments_of, services.engine, user_id=user.id, now=now)
    if not views:
        tutor = await call_service(tutor_for_user, services.engine, user_id=user.id)
        # A tutor is pointed to their slots, a learner to /mentorat.
        await message.reply_text(
            t("mentoring.mine.none_tutor" if tutor else "mentoring.mine.none")
        )
        return
    text, keyboard = _mine(t, views, user.id, now)
    await message.reply_text(text, reply_markup=keyboard)


def _mine(
    t: Translator, views: list[AppointmentView], user_id: int, now: datetime
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The list of /mes_rdv: upcoming ones numbered with their buttons, then past ones."""
    upcoming = [view for view in views if view.status in HOLDING and view.ends_at > now]
    past = [view for view in views if view not in upcoming]
    lines = [t("mentoring.mine.title")]
    rows = []
    for number, view in enumerate(upcoming[:MAX_LISTED], start=1):
        lines.append(_line(t, number, view, user_id))
        rows.append(
            [
                buttons.APPOINTMENT_CANCEL.button(
                    t("mentoring.mine.button_cancel", i=number), view.id
                ),
                buttons.APPOINTMENT_MOVE.button(
                    t("mentoring.mine.button_move", i=number), view.id
                ),
            ]
        )
    if not upcoming:
        lines.append(t("mentoring.mine.no_upcoming"))
    elif len(upcoming) > MAX_LISTED:
        lines.append(t("mentoring.mine.more", count=len(upcoming) - MAX_LISTED))
    if past:
        lines += ["", t("mentoring.mine.past_title")]
        lines += [_line(t, number, view, user_id) for number, view in enumerate(past, start=1)]
    # Upcoming ones come first and are few (MAX_LISTED): a long past is what gets cut.
    return fit_lines(lines, t)[0], InlineKeyboardMarkup(rows) if rows else None


def _line(t: Translator, number: int, view: AppointmentView, user_id: int) -> str:
    return t(
        "mentoring.mine.line",
        i=number,
        when=when(t, view),
        who=other_name(view, user_id),
        place=html.escape(place_short(t, view.place)),
        status=t(f"mentoring.status.{view.status}"),
    )


async def _still_on(update: Update, context: ProxiContext, button: Button) -> AppointmentView:
    """The appointment behind the button if the presser takes part and it is still on."""
    assert update.effective_user is not None and update.callback_query is not None
    return await call_service(
        lookup.still_on,
        context.services.engine,
        appointment_id=button.value(update.callback_query.data),
        user_id=update.effective_user.id,
        now=context.services.clock.now(),
    )


async def _reply(update: Update, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
    """A new message under the pressed one (the confirmation stays as it is)."""
    if update.callback_query is not None:  # sent even when the pressed one is gone
        await reply(update.callback_query, text, reply_markup=keyboard)


async def cancel_pressed(update: Update, context: ProxiContext) -> None:
    """[Annuler] (ap:x:<id>): asked first."""
    query = update.callback_query
    if query is None:
        return
    t = context.t
    try:
        view = await _still_on(update, context, buttons.APPOINTMENT_CANCEL)
    except errors.MentoringError as exc:
        await refuse(query, t, exc)
        return
    await safe_answer(query)
    keyboard = InlineKeyboardMarkup(
        [
            [
                buttons.APPOINTMENT_CANCEL_YES.button(t("mentoring.cancel.button_yes"), view.id),
                buttons.APPOINTMENT_CANCEL_NO.button(t("mentoring.cancel.button_no"), view.id),
            ]
        ]
    )
    assert update.effective_user is not None
    text = t(
        "mentoring.cancel.ask",
        when=when(t, view),
        who=other_name(view, update.effective_user.id),
    )
    await _reply(update, text, keyboard)


async def cancel_kept(update: Update, context: ProxiContext) -> None:
    """[Non, garder] (ap:xn:<id>)."""
    query = update.callback_query
    if query is None:
        return
    await safe_answer(query)
    await edit_or_ignore(query, context.t("mentoring.cancel.kept"))


async def cancel_confirmed(update: Update, context: ProxiContext) -> None:
    """[Oui, annuler] (ap:xy:<id>): cancelled; the other side is told; .ics CANCEL to both."""
    if (found := pressed(update)) is None:
        return
    query, user = found
    cancelled = await act(
        query,
        context,
        cancel,
        appointment_id=buttons.APPOINTMENT_CANCEL_YES.value(query.data),
        by_user_id=user.id,
    )
    if cancelled is None:
        return
    view = cancelled.appointment
    await cancel_reminders(context, view.id)
    t = context.t
    await edit_or_ignore(
        query, t("mentoring.cancel.done", when=when(t, view), who=other_name(view, user.id))
    )
    await _tell_other_side(context, cancelled)
    if cancelled.send_ics_cancel:
        await send_cancel_ics(context, view)


async def _tell_other_side(context: ProxiContext, cancelled: Cancelled) -> None:
    view = cancelled.appointment
    if cancelled.notify_user_id is not None:
        other_t = await t_for(context, cancelled.notify_user_id)
        text = other_t(
            "mentoring.cancel.told",
            who=other_name(view, cancelled.notify_user_id),
            when=when(other_t, view),
        )
        await send_to(context, cancelled.notify_user_id, text)


async def tell_tutor_of_cancellation(context: ProxiContext, cancelled: Cancelled) -> None:
    """A learner who deleted their data: the tutor hears of it and gets the .ics CANCEL
    (the learner, whose data is gone, is not written to again)."""
    await cancel_reminders(context, cancelled.appointment.id)
    await _tell_other_side(context, cancelled)
    tutor = cancelled.notify_user_id
    if cancelled.send_ics_cancel and tutor is not None:
        await send_attachments(context, tutor, cancelled.appointment, method="CANCEL")


async def move_pressed(update: Update, context: ProxiContext) -> None:
    """[Déplacer] (ap:m:<id>): the same tutor's other open slots."""
    query = update.callback_query
    if query is None:
        return
    t = context.t
    try:
        view = await _still_on(update, context, buttons.APPOINTMENT_MOVE)
    except errors.MentoringError as exc:
        await refuse(query, t, exc)
        return
    slots = await other_slots(context, view)
    if not slots:
        await safe_answer(
            query, t("mentoring.move.none", tutor=html.escape(view.tutor_name)), show_alert=True
        )
        return
    await safe_answer(query)
    text = t("mentoring.move.choose", tutor=html.escape(view.tutor_name), when=when(t, view))
    keyboard = InlineKeyboardMarkup(slot_buttons(t, slots, buttons.APPOINTMENT_MOVE_TO, view.id))
    await _reply(update, text, keyboard)


async def move_chosen(update: Update, context: ProxiContext) -> None:
    """A new slot (ap:ms:<id>:<slot>): the learner's move waits for the tutor; the tutor's
    is proposed to the learner. The old booking is cancelled (.ics CANCEL if confirmed)."""
    if (found := pressed(update)) is None:
        return
    query, user = found
    appointment_id, slot_id = buttons.APPOINTMENT_MOVE_TO.parse(query.data)
    moved = await act(
        query,
        context,
        reschedule,
        appointment_id=appointment_id,
        by_user_id=user.id,
        new_slot_id=slot_id,
    )
    if moved is None:
        return
    if not moved.old_kept:  # a confirmed appointment keeps its reminders until the move holds
        await cancel_reminders(context, moved.old.id)
    t = context.t
    new = moved.new
    if moved.by == "learner":
        text = t(
            "mentoring.move.sent_learner", tutor=html.escape(new.tutor_name), when=when(t, new)
        )
    else:
        text = t(
            "mentoring.move.sent_tutor", learner=html.escape(new.learner_name), when=when(t, new)
        )
    await edit_or_ignore(query, text)
    if moved.send_ics_cancel:
        await send_cancel_ics(context, moved.old)
    if moved.by == "learner":
        await send_request(context, new, moved=True)
    else:
        await send_proposal(context, new)


async def attendance_answered(update: Update, context: ProxiContext) -> None:
    """[Oui] / [Non] to "did it take place?" (ap:a:<id>:<1|0>); a learner who says yes is
    asked for a rating next."""
    if (found := pressed(update)) is None:
        return
    query, user = found
    appointment_id, took_place = buttons.ATTENDANCE.parse(query.data)
    view = await act(
        query,
        context,
        record_attendance,
        appointment_id=appointment_id,
        by_user_id=user.id,
        took_place=took_place,
    )
    if view is None:
        return
    t = context.t
    if view.side_of(user.id) == "learner" and view.attended and view.rating is None:
        text = t("mentoring.attendance.thanks") + "\n" + rating_question(t, view)
        await edit_or_ignore(query, text, reply_markup=rating_keyboard(view.id))
        return
    await edit_or_ignore(query, t("mentoring.attendance.thanks"))


async def rating_chosen(update: Update, context: ProxiContext) -> None:
    """A rating button (ap:s:<id>:<1..5>)."""
    if (found := pressed(update)) is None:
        return
    query, user = found
    services = context.services
    appointment_id, stars = buttons.RATING.parse(query.data)
    try:
        await call_service(
            rate,
            services.engine,
            appointment_id=appointment_id,
            learner_id=user.id,
            stars=stars,
            now=services.clock.now(),
        )
    except errors.MentoringError as exc:
        await refuse(query, context.t, exc)
        return
    await safe_answer(query)
    await edit_or_ignore(query, context.t("mentoring.rating.thanks", stars=stars))


def handlers() -> list[BaseHandler[Update, ProxiContext, Any]]:
    """/mes_rdv and the buttons on a booked appointment (cancel, move, attendance, rating)."""
    return [
        CommandHandler(["mes_rdv", "my_appointments"], my_appointments_command),
        CallbackQueryHandler(cancel_pressed, pattern=buttons.APPOINTMENT_CANCEL.pattern),
        CallbackQueryHandler(cancel_confirmed, pattern=buttons.APPOINTMENT_CANCEL_YES.pattern),
        CallbackQueryHandler(cancel_kept, pattern=buttons.APPOINTMENT_CANCEL_NO.pattern),
        CallbackQueryHandler(move_pressed, pattern=buttons.APPOINTMENT_MOVE.pattern),
        CallbackQueryHandler(move_chosen, pattern=buttons.APPOINTMENT_MOVE_TO.pattern),
        CallbackQueryHandler(attendance_answered, pattern=buttons.ATTENDANCE.pattern),
        CallbackQueryHandler(rating_chosen, pattern=buttons.RATING.pattern),
    ]
