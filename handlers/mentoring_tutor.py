"""The tutor decides in chat: [Confirmer], [Refuser] (with a reason), [Proposer un autre
créneau]; unanswered requests are nudged then expired; /historique shows past appointments."""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import ProxiContext
from bot.mentoring import errors, lookup
from bot.mentoring.appointments import confirm, decline, propose_other
from bot.mentoring.followup import expire_pending, tutor_history
from bot.mentoring.renderers import when
from bot.mentoring.views import AppointmentView
from bot.models import AppointmentStatus
from handlers.common import call_service, edit_or_ignore
from handlers.mentoring_common import (
    REASONS,
    config,
    current_tutor,
    decision_keyboard,
    ids,
    other_slots,
    own_appointment,
    refuse,
    request_text,
    send,
    send_confirmation,
    send_proposal,
    slot_buttons,
    t_for,
)

logger = logging.getLogger(__name__)

HISTORY_LINES = 30


def _appointment_id(update: Update) -> int:
    found = ids(update.callback_query.data if update.callback_query else None, 1)
    return found[0] if found else -1


async def _pending_of_tutor(update: Update, context: ProxiContext) -> AppointmentView:
    """The request behind the button, if the presser is its tutor and it still waits."""
    assert update.effective_user is not None
    view = await own_appointment(
        context, _appointment_id(update), update.effective_user.id, side="tutor"
    )
    if view.status != AppointmentStatus.PENDING:
        raise errors.NotPending(view.status)
    return view


async def confirm_pressed(update: Update, context: ProxiContext) -> None:
    """[Confirmer] (rq:c:<id>): both get the confirmation, the pin and the .ics."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    services = context.services
    try:
        view = await call_service(
            confirm,
            services.engine,
            appointment_id=_appointment_id(update),
            tutor_user_id=user.id,
            now=services.clock.now(),
        )
    except errors.MentoringError as exc:
        await refuse(query, context.t, exc)
        return
    await query.answer()
    t = context.t
    await edit_or_ignore(
        query,
        t("mentoring.request.confirmed_tutor", learner=html.escape(view.learner_name)),
    )
    await send_confirmation(context, view)


async def decline_pressed(update: Update, context: ProxiContext) -> None:
    """[Refuser] (rq:d:<id>): the reasons to choose from."""
    query = update.callback_query
    if query is None:
        return
    t = context.t
    try:
        view = await _pending_of_tutor(update, context)
    except errors.MentoringError as exc:
        await refuse(query, t, exc)
        return
    await query.answer()
    rows = [
        [
            InlineKeyboardButton(
                t(f"mentoring.request.reason.{code}"), callback_data=f"rq:r:{view.id}:{i}"
            )
        ]
        for i, code in enumerate(REASONS)
    ]
    rows.append(
        [InlineKeyboardButton(t("mentoring.button_back"), callback_data=f"rq:b:{view.id}")]
    )
    text = t("mentoring.request.ask_reason", learner=html.escape(view.learner_name))
    await edit_or_ignore(query, text, reply_markup=InlineKeyboardMarkup(rows))


async def back_pressed(update: Update, context: ProxiContext) -> None:
    """[Retour] (rq:b:<id>): the request and its three buttons again."""
    query = update.callback_query
    if query is None:
        return
    t = context.t
    try:
        view = await _pending_of_tutor(update, context)
    except errors.MentoringError as exc:
        await refuse(query, t, exc)
        return
    await query.answer()
    text = request_text(t, view, key="mentoring.request.new")
    await edit_or_ignore(query, text, reply_markup=decision_keyboard(t, view.id))


async def reason_chosen(update: Update, context: ProxiContext) -> None:
    """A reason (rq:r:<id>:<n>): declined; the learner is told and offered other slots."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    services = context.services
    found = ids(query.data, 2)
    if found is None or not 0 <= found[1] < len(REASONS):
        await refuse(query, context.t, errors.NotYours(None))
        return
    code = REASONS[found[1]]
    try:
        declined = await call_service(
            decline,
            services.engine,
            appointment_id=found[0],
            tutor_user_id=user.id,
            not_before=services.clock.now() + config(services.settings).expire_before,
            reason=None if code == "none" else code,
            now=services.clock.now(),
        )
    except errors.MentoringError as exc:
        await refuse(query, context.t, exc)
        return
    await query.answer()
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
    origin = None
    if view.rescheduled_from_id is not None:
        origin = await call_service(
            lookup.appointment, services.engine, appointment_id=view.rescheduled_from_id
        )
    if origin is not None and origin.status == AppointmentStatus.CONFIRMED:
        # A refused move: the appointment it would have replaced still holds.
        lines.append(t("mentoring.move.kept", when=when(t, origin)))
    elif declined.alternatives:
        lines.append(t("mentoring.learner.alternatives", tutor=html.escape(view.tutor_name)))
        keyboard = InlineKeyboardMarkup(slot_buttons(t, declined.alternatives, "mn:s:{slot}"))
    else:
        lines.append(t("mentoring.learner.try_again"))
    await send(context, view.learner_id, "\n".join(lines), keyboard=keyboard)


async def other_pressed(update: Update, context: ProxiContext) -> None:
    """[Proposer un autre créneau] (rq:o:<id>): the tutor's other open slots."""
    query = update.callback_query
    if query is None:
        return
    t = context.t
    try:
        view = await _pending_of_tutor(update, context)
    except errors.MentoringError as exc:
        await refuse(query, t, exc)
        return
    slots = await other_slots(context, view)
    if not slots:
        await query.answer(t("mentoring.request.no_other"), show_alert=True)
        return
    await query.answer()
    rows = slot_buttons(t, slots, f"rq:p:{view.id}:{{slot}}")
    rows.append(
        [InlineKeyboardButton(t("mentoring.button_back"), callback_data=f"rq:b:{view.id}")]
    )
    text = t("mentoring.request.choose_other", learner=html.escape(view.learner_name))
    await edit_or_ignore(query, text, reply_markup=InlineKeyboardMarkup(rows))


async def propose_chosen(update: Update, context: ProxiContext) -> None:
    """A slot to propose (rq:p:<id>:<slot>): the learner gets [Accepter] [Refuser]."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    services = context.services
    found = ids(query.data, 2) or [-1, -1]
    try:
        proposed = await call_service(
            propose_other,
            services.engine,
            appointment_id=found[0],
            tutor_user_id=user.id,
            new_slot_id=found[1],
            now=services.clock.now(),
        )
    except errors.MentoringError as exc:
        await refuse(query, context.t, exc)
        return
    await query.answer()
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
    lines.append("")
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
    await message.reply_text("\n".join(lines))


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
        await send(
            context,
            view.tutor_user_id,
            text,
            keyboard=decision_keyboard(t, view.id),
            silent=True,
        )
    for view in sweep.expired:
        t = await t_for(context, view.learner_id)
        text = t(
            "mentoring.expired.learner", tutor=html.escape(view.tutor_name), when=when(t, view)
        )
        await send(context, view.learner_id, text)
        if view.tutor_user_id is not None:
            t = await t_for(context, view.tutor_user_id)
            text = t(
                "mentoring.expired.tutor",
                learner=html.escape(view.learner_name),
                when=when(t, view),
            )
            await send(context, view.tutor_user_id, text, silent=True)
