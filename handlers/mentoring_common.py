"""Shared by the mentoring handlers: button ids, what typed text is awaited, messages to the
other side in their language, confirmations (pin and .ics), reminders, refusals."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Forbidden, TelegramError

from bot import notify, reminders
from bot.config import Settings
from bot.context import ProxiContext
from bot.i18n import Translator, translator
from bot.mentoring import errors, lookup
from bot.mentoring.finder import open_slots
from bot.mentoring.ics import appointment_ics, ics_filename
from bot.mentoring.reminding import reminder_plan
from bot.mentoring.renderers import (
    appointment_keyboard,
    other_name,
    place_short,
    place_text,
    register_offsets,
    venue,
    when,
)
from bot.mentoring.tutors import tutor_id_for
from bot.mentoring.views import AppointmentView, SlotView
from bot.users import language_of, mark_inactive
from handlers.common import call_service, edit_or_ignore

logger = logging.getLogger(__name__)

AWAIT = 1  # the mentoring conversation's one state: some typed text is awaited
WAIT = "mentoring_wait"  # user_data: {"kind": "availability"|"link"|"place"|"topic"|"message"}
DRAFT = "mentoring_draft"  # user_data: the slot being added, field by field
BUTTON_LENGTH = 40
SLOT_BUTTONS = 8

# Defaults when Settings has no mentoring_* fields.
SWEEP_INTERVAL = 300.0  # seconds between two passes over unanswered requests
SWEEP_JOB = "mentoring:expire-requests"

# Codes of the decline reasons (stored as is, shown in the learner's language).
REASONS = ("unavailable", "out_of_scope", "none")


@dataclass(frozen=True, slots=True)
class MentoringConfig:
    nudge_after: timedelta
    expire_before: timedelta
    offsets: tuple[timedelta, ...]


def config(settings: Settings) -> MentoringConfig:
    """The mentoring settings as durations."""
    return MentoringConfig(
        nudge_after=timedelta(hours=settings.mentoring_nudge_after_hours),
        expire_before=timedelta(hours=settings.mentoring_expire_before_hours),
        offsets=tuple(timedelta(hours=h) for h in settings.mentoring_reminder_offsets_hours),
    )


def register_reminder_kinds(settings: Settings) -> None:
    """Renderers for the configured reminder offsets, before any reminder is sent."""
    register_offsets(config(settings).offsets)


def ids(data: str | None, count: int) -> list[int] | None:
    """The last `count` numbers of button data ("rq:p:12:40" → [12, 40]), or None."""
    parts = (data or "").split(":")
    if len(parts) < count:
        return None
    try:
        return [int(part) for part in parts[-count:]]
    except ValueError:
        return None


def waiting(context: ProxiContext, kind: str | None, **values: Any) -> None:
    """Say which typed text comes next (None: nothing)."""
    if context.user_data is None:
        return
    if kind is None:
        context.user_data.pop(WAIT, None)
    else:
        context.user_data[WAIT] = {"kind": kind, **values}


def awaited(context: ProxiContext) -> dict[str, Any]:
    return dict((context.user_data or {}).get(WAIT) or {})


def short(text: str, limit: int = BUTTON_LENGTH) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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


async def send(
    context: ProxiContext,
    chat_id: int,
    text: str,
    *,
    keyboard: InlineKeyboardMarkup | None = None,
    silent: bool = False,
) -> bool:
    """Send to anyone; a blocked bot marks them inactive. False when it did not go out."""
    try:
        await context.bot.send_message(
            chat_id, text, reply_markup=keyboard, disable_notification=silent
        )
    except Forbidden:
        await call_service(mark_inactive, context.services.engine, user_id=chat_id)
        return False
    except TelegramError as exc:
        logger.warning("could not send to %s: %s", chat_id, exc)
        return False
    return True


async def send_attachments(
    context: ProxiContext, chat_id: int, view: AppointmentView, *, method: str
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
            method=method,  # type: ignore[arg-type]
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
        logger.warning("appointment %s: no pin or file for %s: %s", view.id, chat_id, exc)


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
        if await send(context, user_id, text, keyboard=appointment_keyboard(t, view.id)):
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
            notify.arm(context.job_queue, row)


async def cancel_reminders(context: ProxiContext, appointment_id: int) -> None:
    """No reminder for an appointment cancelled or moved; on a group slot the tutor's
    reminders (one per slot) carry on for the learners still coming."""
    services = context.services
    cancelled = await call_service(
        reminders.cancel_for, services.engine, appointment_id=appointment_id
    )
    if context.job_queue is not None:
        for reminder_id in cancelled:
            notify.disarm(context.job_queue, reminder_id)
    gone = await call_service(lookup.appointment, services.engine, appointment_id=appointment_id)
    if gone is None:
        return
    others = await call_service(lookup.holding_on_slot, services.engine, slot_id=gone.slot_id)
    still = [v for v in others if v.id != appointment_id and v.status == "confirmed"]
    if still:
        await plan_reminders(context, still[0])


def decision_keyboard(t: Translator, appointment_id: int) -> InlineKeyboardMarkup:
    """The tutor's [Confirmer] [Refuser] / [Proposer un autre créneau]."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t("mentoring.request.button_confirm"), callback_data=f"rq:c:{appointment_id}"
                ),
                InlineKeyboardButton(
                    t("mentoring.request.button_decline"), callback_data=f"rq:d:{appointment_id}"
                ),
            ],
            [
                InlineKeyboardButton(
                    t("mentoring.request.button_other"), callback_data=f"rq:o:{appointment_id}"
                )
            ],
        ]
    )


def request_text(t: Translator, view: AppointmentView, *, key: str) -> str:
    """A request as the tutor reads it (new, moved, or a nudge)."""
    text = t(
        key,
        learner=html.escape(view.learner_name),
        when=when(t, view),
        place=place_text(t, view.place),
    )
    if view.message:
        text += "\n" + t("mentoring.request.message", message=html.escape(view.message))
    return text


async def send_request(context: ProxiContext, view: AppointmentView, *, moved: bool) -> None:
    """The tutor gets a request (new, or a learner's reschedule) with the decision buttons."""
    if view.tutor_user_id is None:
        return
    t = await t_for(context, view.tutor_user_id)
    key = "mentoring.request.moved" if moved else "mentoring.request.new"
    await send(
        context,
        view.tutor_user_id,
        request_text(t, view, key=key),
        keyboard=decision_keyboard(t, view.id),
    )


def proposal_keyboard(t: Translator, appointment_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t("mentoring.proposal.button_accept"), callback_data=f"pp:a:{appointment_id}"
                ),
                InlineKeyboardButton(
                    t("mentoring.proposal.button_refuse"), callback_data=f"pp:r:{appointment_id}"
                ),
            ]
        ]
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
    await send(context, view.learner_id, text, keyboard=proposal_keyboard(t, view.id))


def slot_label(t: Translator, slot: SlotView, *, tutor: bool = False) -> str:
    """A slot on a button: "mar. 1 déc. 14:00 · Ploërmel" (with the tutor's name)."""
    parts = [f"{t.date(slot.starts_at)} {t.time(slot.starts_at)}"]
    if tutor:
        parts.append(slot.tutor_name)
    parts.append(place_short(t, slot.place))
    return short(" · ".join(part for part in parts if part), 60)


def slot_buttons(
    t: Translator, slots: list[SlotView], data: str, *, tutor: bool = False
) -> list[list[InlineKeyboardButton]]:
    """One button a slot; `data` has a {slot} field ("mn:s:{slot}")."""
    return [
        [
            InlineKeyboardButton(
                slot_label(t, slot, tutor=tutor), callback_data=data.format(slot=slot.id)
            )
        ]
        for slot in slots[:SLOT_BUTTONS]
    ]


def refusal(t: Translator, exc: errors.MentoringError) -> str:
    """The friendly answer to an expected failure on a button."""
    if isinstance(exc, errors.NotYours):
        return t("mentoring.not_yours")
    if isinstance(exc, errors.NotPending):
        status = exc.status if exc.status in STATUSES else "gone"
        return t("mentoring.stale", status=t(f"mentoring.status.{status}"))
    if isinstance(exc, errors.TooLate):
        return t("mentoring.too_late")
    if isinstance(exc, errors.TooEarly):
        return t("mentoring.attendance.too_early")
    if isinstance(exc, errors.SlotTaken):
        return t("mentoring.learner.taken")
    if isinstance(exc, errors.AlreadyRequested):
        return t("mentoring.learner.already")
    if isinstance(exc, errors.AlreadyRated):
        return t("mentoring.rating.already")
    if isinstance(exc, errors.NotAttended):
        return t("mentoring.rating.not_attended")
    return t("mentoring.stale_button")


STATUSES = ("pending", "confirmed", "proposed", "declined", "cancelled", "expired", "done")


async def refuse(query: CallbackQuery, t: Translator, exc: errors.MentoringError) -> None:
    """Answer a button whose action the domain refused, as an alert."""
    logger.info("mentoring button %r refused for %s: %r", query.data, query.from_user.id, exc)
    await query.answer(refusal(t, exc), show_alert=True)


async def current_tutor(update: Update, context: ProxiContext) -> int | None:
    """The presser's tutor id (made from their tutor role on first use), or None."""
    user = update.effective_user
    if user is None:
        return None
    return await call_service(
        tutor_id_for, context.services.engine, user_id=user.id, name=user.full_name
    )


async def own_appointment(
    context: ProxiContext, appointment_id: int, user_id: int, *, side: str | None = None
) -> AppointmentView:
    """The appointment if `user_id` takes part in it (on `side`), else NotYours."""
    view = await call_service(
        lookup.appointment, context.services.engine, appointment_id=appointment_id
    )
    found = view.side_of(user_id) if view is not None else None
    if view is None or found is None or (side is not None and found != side):
        raise errors.NotYours(appointment_id)
    return view


async def other_slots(context: ProxiContext, view: AppointmentView) -> list[SlotView]:
    """The same tutor's other open slots for this learner, not too close to be confirmed
    (a move, or a counter-proposal)."""
    services = context.services
    now = services.clock.now()
    return await call_service(
        open_slots,
        services.engine,
        tutor_id=view.tutor_id,
        now=now,
        learner_id=view.learner_id,
        exclude_slot_id=view.slot_id,
        not_before=now + config(services.settings).expire_before,
    )
