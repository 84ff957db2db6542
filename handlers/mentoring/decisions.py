"""The tutor decides in chat: [Confirmer], [Refuser] (with a reason), [Proposer un autre
créneau]; unanswered requests are nudged then expired; /historique shows past appointments."""

from __future__ import annotations

import html
import logging
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import ProxiContext
from bot.mentoring import errors, lookup
from bot.mentoring.appointments import confirm, decline, propose_other
from bot.mentoring.followup import expire_pending, tutor_history
from bot.mentoring.views import AppointmentView
from handlers import buttons
from handlers.buttons import Button
from handlers.common import (
    act,
    call_service,
    edit_or_ignore,
    fit_lines,
    pressed,
    refuse,
    safe_answer,
    send_to,
)
from handlers.mentoring.access import current_tutor, other_slots
from handlers.mentoring.keyboards import decision_keyboard, slot_buttons
from handlers.mentoring.messages import send_confirmation, send_proposal, t_for
from handlers.mentoring.state import REASONS, config
from handlers.mentoring.texts import request_text, when

logger = logging.getLogger(__name__)

HISTORY_LINES = 30


async def _pending(
    update: Update, context: ProxiContext, button: Button
) -> AppointmentView | None:
    """The request behind the button if the presser is its tutor and it still waits (the
    button answered), else None (refused as an alert)."""
    if (found := pressed(update)) is None:
        return None
    query, user = found
    return await act(
        query,
        context,
        lookup.pending_request,
        timed=False,
        appointment_id=button.value(query.data),
        tutor_user_id=user.id,
    )


async def confirm_pressed(update: Update, context: ProxiContext) -> None:
    """[Confirmer] (rq:c:<id>): both get the confirmation, the pin and the .ics."""
    if (found := pressed(update)) is None:
        return
    query, user = found
    view = await act(
        query,
        context,
        confirm,
        appointment_id=buttons.REQUEST_CONFIRM.value(query.data),
        tutor_user_id=user.id,
    )
    if view is None:
        return
    t = context.t
    await edit_or_ignore(
        query,
        t("mentoring.request.confirmed_tutor", learner=html.escape(view.learner_name)),
    )
    await send_confirmation(context, view)


async def decline_pressed(update: Update, context: ProxiContext) -> None:
    """[Refuser] (rq:d:<id>): the reasons to choose from."""
    view = await _pending(update, context, buttons.REQUEST_DECLINE)
    if view is None:
        return
    query, t = update.callback_query, context.t
    assert query is not None
    rows = [
        [buttons.REQUEST_REASON.button(t(f"mentoring.request.reason.{code}"), view.id, i)]
        for i, code in enumerate(REASONS)
    ]
    rows.append([buttons.REQUEST_BACK.button(t("mentoring.button_back"), view.id)])
    text = t("mentoring.request.ask_reason", learner=html.escape(view.learner_name))
    await edit_or_ignore(query, text, reply_markup=InlineKeyboardMarkup(rows))


async def back_pressed(update: Update, context: ProxiContext) -> None:
    """[Retour] (rq:b:<id>): the request and its three buttons again."""
    view = await _pending(update, context, buttons.REQUEST_BACK)
    if view is None:
        return
    query, t = update.callback_query, context.t
    assert query is not None
    text = request_text(t, view, key="mentoring.request.new")
    await edit_or_ignore(query, text, reply_markup=decision_keyboard(t, view.id))


async def reason_chosen(update: Update, context: ProxiContext) -> None:
    """A reason (rq:r:<id>:<n>): declined; the learner is told and offered other slots."""
    if (found := pressed(update)) is None:
        return
    query, user = found
    services = context.services
    appointment_id, reason = buttons.REQUEST_REASON.parse(query.data)
    if not 0 <= reason < len(REASONS):
        await refuse(query, context.t, errors.NotYours(None))
        return
    code = REASONS[reason]
    declined = await act(
        query,
        context,
        decline,
        appointment_id=appointment_id,
        tutor_user_id=user.id,
        not_before=services.clock.now() + config(services.settings).expire_before,
        reason=None if code == "none" else code,
    )
    if declined is None:
        return
    view = declined.appointment
    learner = html.escape(view.learner_name)
    await edit_or_ignore(query, context.t("mentoring.request.declined_tutor", learner=learner))
    t = await t_for(context, view.learner_id)
    lines = [
        t("mentoring.learner.declined", tutor=html.escape(view.tutor_name), when=when(t, view))
    ]
    if view.reason in REASONS:
        reason = t(f"mentoring.request.reason.{view.reason}")
        lines.append(t("mentoring.learner.declined_reason", reason=reason))
    keyboard = None
    if declined.kept is not None:
        lines.append(t("mentoring.move.kept", when=when(t, declined.kept)))
    elif declined.alternatives:
        lines.append(t("mentoring.learner.alternatives", tutor=html.escape(view.tutor_name)))
        keyboard = InlineKeyboardMarkup(
            slot_buttons(t, declined.alternatives, buttons.MENTOR_SLOT)
        )
    else:
        lines.append(t("mentoring.learner.try_again"))
    await send_to(context, view.learner_id, "\n".join(lines), reply_markup=keyboard)


async def other_pressed(update: Update, context: ProxiContext) -> None:
    """[Proposer un autre créneau] (rq:o:<id>): the tutor's other open slots."""
    if (found := pressed(update)) is None:
        return
    query, user = found
    t = context.t
    try:
        view = await call_service(
            lookup.pending_request,
            context.services.engine,
            appointment_id=buttons.REQUEST_OTHER.value(query.data),
            tutor_user_id=user.id,
        )
    except errors.MentoringError as exc:
        await refuse(query, t, exc)
        return
    slots = await other_slots(context, view)
    if not slots:
        await safe_answer(query, t("mentoring.request.no_other"), show_alert=True)
        return
    await safe_answer(query)
    rows = slot_buttons(t, slots, buttons.REQUEST_PROPOSE, view.id)
    rows.append([buttons.REQUEST_BACK.button(t("mentoring.button_back"), view.id)])
    text = t("mentoring.request.choose_other", learner=html.escape(view.learner_name))
    await edit_or_ignore(query, text, reply_markup=InlineKeyboardMarkup(rows))


async def propose_chosen(update: Update, context: ProxiContext) -> None:
    """A slot to propose (rq:p:<id>:<slot>): the learner gets [Accepter] [Refuser]."""
    if (found := pressed(update)) is None:
        return
    query, user = found
    appointment_id, slot_id = buttons.REQUEST_PROPOSE.parse(query.data)
    proposed = await act(
        query,
        context,
        propose_other,
        appointment_id=appointment_id,
        tutor_user_id=user.id,
        new_slot_id=slot_id,
    )
    if proposed is None:
        return
    t = context.t
    view = proposed.appointment
    text = t(
        "mentoring.request.proposed_tutor",
        learner=html.escape(view.learner_name),
        when=when(t, view),
    )
    await edit_or_ignore(query, text)
    await send_proposal(context, view)


async def history_command(update: Update, context: ProxiContext) -> None:
    """/historique: the tutor's past appointments, attendance, ratings and average."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    t = context.t
    if await current_tutor(update, context) is None:
        await message.reply_text(t("mentoring.availability.not_tutor"))
        return
    services = context.services
    history = await call_service(
        tutor_history, services.engine, tutor_user_id=user.id, now=services.clock.now()
    )
    if not history.appointments:
        await message.reply_text(t("mentoring.history.none"))
        return
    lines = [t("mentoring.history.title")]
    for view in history.appointments[:HISTORY_LINES]:
        attendance = {True: "attended", False: "no_show", None: "unknown"}[view.attended]
        line = t(
            "mentoring.history.line",
            when=t.datetime(view.starts_at),
            learner=html.escape(view.learner_name),
            attendance=t(f"mentoring.history.{attendance}"),
        )
        if view.rating is not None:
            line += t("mentoring.history.rating", stars=view.rating)
        lines.append(line)
    # The list is cut to fit ("… N de plus"); the totals below always show.
    lines = [fit_lines(lines, t)[0], ""]
    lines.append(
        t(
            "mentoring.history.totals",
            count=history.took_place,
            no_shows=history.no_shows,
            unanswered=history.unanswered,
        )
    )
    if history.average_rating is not None:
        lines.append(
            t(
                "mentoring.history.average",
                count=history.ratings,
                average=t.number(history.average_rating),
            )
        )
    await message.reply_text(fit_lines(lines, t)[0])


async def expire_requests_job(context: ProxiContext) -> None:
    """Every few minutes: nudge tutors about unanswered requests, expire those too close to
    their slot (the seat is freed) and tell both sides."""
    services = context.services
    settings = config(services.settings)
    sweep = await call_service(
        expire_pending,
        services.engine,
        now=services.clock.now(),
        nudge_after=settings.nudge_after,
        expire_before=settings.expire_before,
    )
    for view in sweep.nudges:
        if view.tutor_user_id is None:
            continue
        t = await t_for(context, view.tutor_user_id)
        text = request_text(t, view, key="mentoring.request.nudge")
        text += "\n" + t(
            "mentoring.request.nudge_deadline",
            deadline=t.datetime(view.starts_at - settings.expire_before),
        )
        await send_to(
            context,
            view.tutor_user_id,
            text,
            reply_markup=decision_keyboard(t, view.id),
            silent=True,
        )
    for view in sweep.expired:
        t = await t_for(context, view.learner_id)
        text = t(
            "mentoring.expired.learner", tutor=html.escape(view.tutor_name), when=when(t, view)
        )
        await send_to(context, view.learner_id, text)
        if view.tutor_user_id is not None:
            t = await t_for(context, view.tutor_user_id)
            text = t(
                "mentoring.expired.tutor",
                learner=html.escape(view.learner_name),
                when=when(t, view),
            )
            await send_to(context, view.tutor_user_id, text, silent=True)


def handlers() -> list[BaseHandler[Update, ProxiContext, Any]]:
    """A tutor's decisions on requests, and /historique."""
    return [
        CommandHandler(["historique", "history"], history_command),
        CallbackQueryHandler(confirm_pressed, pattern=buttons.REQUEST_CONFIRM.pattern),
        CallbackQueryHandler(decline_pressed, pattern=buttons.REQUEST_DECLINE.pattern),
        CallbackQueryHandler(back_pressed, pattern=buttons.REQUEST_BACK.pattern),
        CallbackQueryHandler(reason_chosen, pattern=buttons.REQUEST_REASON.pattern),
        CallbackQueryHandler(other_pressed, pattern=buttons.REQUEST_OTHER.pattern),
        CallbackQueryHandler(propose_chosen, pattern=buttons.REQUEST_PROPOSE.pattern),
    ]
