"""Enrolling, the waitlist and its offers, /mes_inscriptions, and /inscrits for admins."""

from __future__ import annotations

import html
import logging
from datetime import timedelta

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.catalogue import MyEnrolment, enrolment_of, my_enrolments, session_card
from bot.context import ProxiContext
from bot.enrolment import (
    Cancelled,
    EnrolmentError,
    Offer,
    OfferExpired,
    SeatAvailable,
    SessionFull,
    Taken,
    accept_offer,
    cancel,
    decline_offer,
    enrol,
    expire_offers,
    join_waitlist,
)
from bot.i18n import Translator
from bot.models import EnrolmentStatus
from bot.reminders import ReminderView, reminder_promise
from handlers import buttons
from handlers.buttons import any_of
from handlers.common import (
    Handlers,
    act,
    call_service,
    edit_or_ignore,
    fit_lines,
    pressed,
    refuse,
    safe_answer,
)
from handlers.confirmation import confirmation_sentence, deliver_notices
from handlers.delivery import notice
from handlers.notices.waitlist import LAPSED, LAPSED_FREE, OFFER
from handlers.reminding import cancel_session_reminders, plan_session_reminders
from handlers.render import when
from handlers.roster import tell_admins

logger = logging.getLogger(__name__)

OFFER_SWEEP_INTERVAL = timedelta(minutes=1)


async def enrol_pressed(update: Update, context: ProxiContext) -> None:
    """[M'inscrire]: take a seat, or offer the waitlist when it just filled up."""
    if (found := pressed(update)) is None:
        return
    query, user = found
    await _enrol(query, context, buttons.ENROL.value(query.data), user.id)


async def _enrol(
    query: CallbackQuery, context: ProxiContext, session_id: int, user_id: int
) -> None:
    services = context.services
    t = context.t
    try:
        taken = await call_service(
            enrol,
            services.engine,
            session_id=session_id,
            user_id=user_id,
            now=services.clock.now(),
        )
    except SessionFull:
        await safe_answer(query)
        keyboard = InlineKeyboardMarkup(
            [[buttons.WAITLIST.button(t("card.button_waitlist"), session_id)]]
        )
        await edit_or_ignore(query, t("enrol.full"), reply_markup=keyboard)
        return
    except EnrolmentError as exc:
        await refuse(query, t, exc)
        return
    await safe_answer(query)
    services.search.seats_changed(session_id, taken.seats_taken)
    # This seat confirmed a session to confirm: "confirmed" before any reminder planned below.
    await deliver_notices(context, taken.notices)
    planned = await plan_session_reminders(
        context, session_id, user_id=None if taken.confirmed_now else user_id
    )
    text = t(
        "enrol.done",
        title=html.escape(taken.title),
        when=when(t, taken.starts_at, taken.ends_at),
        # Undecided: a reminder only if it takes place (the next paragraph says when).
        reminder=t("confirm.reminder")
        if taken.to_confirm is not None
        else _reminder_sentence(context, [p for p in planned if p.recipient_id == user_id]),
    )
    await edit_or_ignore(query, f"{text}{confirmation_sentence(t, taken)}")
    await tell_admins(context, session_id, user_id, "roster.new_enrolment")


def _reminder_sentence(context: ProxiContext, planned: list[ReminderView]) -> str:
    """What the confirmation promises about the reminder: the time of the row planned (quiet
    hours included), at once, or none."""
    t = context.t
    promise = reminder_promise(planned, now=context.services.clock.now())
    if promise.at is not None:
        return t("enrol.reminder_at", when=t.datetime(promise.at))
    return t("enrol.reminder_now" if promise.kind == "now" else "enrol.reminder_none")


async def waitlist_pressed(update: Update, context: ProxiContext) -> None:
    """[Liste d'attente]: join it and say the position."""
    if (found := pressed(update)) is None:
        return
    query, user = found
    services = context.services
    t = context.t
    session_id = buttons.WAITLIST.value(query.data)
    try:
        position = await call_service(
            join_waitlist,
            services.engine,
            session_id=session_id,
            user_id=user.id,
            now=services.clock.now(),
        )
    except SeatAvailable:
        # An old button: a seat freed since and nobody waits for it, so take it.
        await _enrol(query, context, session_id, user.id)
        return
    except EnrolmentError as exc:
        await refuse(query, t, exc)
        return
    await safe_answer(query)
    await edit_or_ignore(query, t("enrol.waitlist_joined", position=position))


async def my_enrolments_command(update: Update, context: ProxiContext) -> None:
    """/mes_inscriptions: upcoming enrolments and waitlist places, each with [Annuler]."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    services = context.services
    t = context.t
    mine = await call_service(
        my_enrolments, services.engine, user_id=user.id, now=services.clock.now()
    )
    if not mine:
        await message.reply_text(t("mine.empty"))
        return
    lines = [t("mine.title")]
    per_item: list[list[list[InlineKeyboardButton]]] = []
    for item in mine:
        line, item_rows = _mine_item(t, item)
        lines.append(line)
        per_item.append(item_rows)
    # Dozens of enrolments with long titles: the first ones, then "… N de plus".
    text, shown = fit_lines(lines, t)
    rows = [row for item_rows in per_item[: shown - 1] for row in item_rows]
    await message.reply_text(text, reply_markup=InlineKeyboardMarkup(rows))


def _mine_item(t: Translator, item: MyEnrolment) -> tuple[str, list[list[InlineKeyboardButton]]]:
    """One line of /mes_inscriptions and its buttons ([Accepter] for an offer, [Annuler])."""
    common = {
        "title": html.escape(item.title),
        "city": html.escape(item.city),
        "when": t.datetime(item.starts_at),
    }
    rows = []
    if item.status == EnrolmentStatus.WAITING:
        line = t("mine.line_waiting", position=item.position, **common)
    elif item.status == EnrolmentStatus.OFFERED and item.offer_expires_at is not None:
        line = t("mine.line_offered", deadline=t.datetime(item.offer_expires_at), **common)
        rows.append([buttons.OFFER_ACCEPT.button(t("enrol.offer_accept"), item.enrolment_id)])
    else:
        line = t("mine.line_enrolled", **common)
    short = item.title if len(item.title) <= 40 else item.title[:39] + "…"
    rows.append(
        [buttons.CANCEL_ENROLMENT.button(t("mine.button_cancel", title=short), item.enrolment_id)]
    )
    return line, rows


async def cancel_pressed(update: Update, context: ProxiContext) -> None:
    """[Annuler]: ask for confirmation (only for the presser's own enrolment)."""
    if (found := pressed(update)) is None:
        return
    query, user = found
    t = context.t
    enrolment_id = buttons.CANCEL_ENROLMENT.value(query.data)
    item = await act(
        query, context, enrolment_of, timed=False, enrolment_id=enrolment_id, user_id=user.id
    )
    if item is None:
        return
    waiting = item.status == EnrolmentStatus.WAITING  # leaving the waitlist, not a seat
    yes = t("mine.button_confirm_leave" if waiting else "mine.button_confirm_cancel")
    keyboard = InlineKeyboardMarkup(
        [
            [
                buttons.CANCEL_ENROLMENT_YES.button(yes, enrolment_id),
                buttons.CANCEL_ENROLMENT_NO.button(t("mine.button_keep")),
            ]
        ]
    )
    await edit_or_ignore(
        query,
        t(
            "mine.confirm_leave" if waiting else "mine.confirm_cancel",
            title=html.escape(item.title),
            when=t.datetime(item.starts_at),
        ),
        reply_markup=keyboard,
    )


async def cancel_confirmed(update: Update, context: ProxiContext) -> None:
    """Cancel for real; a freed seat is offered to the first waiting learner."""
    if (found := pressed(update)) is None:
        return
    query, user = found
    t = context.t
    if buttons.CANCEL_ENROLMENT_NO.matches(query.data):
        await safe_answer(query)
        await edit_or_ignore(query, t("mine.kept"))
        return
    outcome = await act(
        query,
        context,
        cancel,
        enrolment_id=buttons.CANCEL_ENROLMENT_YES.value(query.data),
        user_id=user.id,
        offer_ttl=context.services.settings.waitlist_offer_ttl,
    )
    if outcome is None:
        return
    left = "mine.left_waitlist" if outcome.was == EnrolmentStatus.WAITING else "mine.cancelled"
    await edit_or_ignore(query, t(left, title=html.escape(outcome.title)))
    await after_cancel(context, outcome, user.id)


async def offer_answered(update: Update, context: ProxiContext) -> None:
    """[Je prends la place] / [Je laisse la place] on an offer."""
    if (found := pressed(update)) is None:
        return
    query, user = found
    t = context.t
    services = context.services
    accept = buttons.OFFER_ACCEPT.matches(query.data)
    button = buttons.OFFER_ACCEPT if accept else buttons.OFFER_DECLINE
    enrolment_id = button.value(query.data)
    outcome: Taken | Cancelled
    try:
        if accept:
            outcome = await call_service(
                accept_offer,
                services.engine,
                enrolment_id=enrolment_id,
                user_id=user.id,
                now=services.clock.now(),
            )
        else:
            outcome = await call_service(
                decline_offer,
                services.engine,
                enrolment_id=enrolment_id,
                user_id=user.id,
                now=services.clock.now(),
                offer_ttl=services.settings.waitlist_offer_ttl,
            )
    except OfferExpired:
        await safe_answer(query)
        await edit_or_ignore(query, t("enrol.offer_expired"))
        return
    except EnrolmentError as exc:
        await refuse(query, t, exc)
        return
    await safe_answer(query)
    if isinstance(outcome, Taken):
        planned = await plan_session_reminders(context, outcome.session_id, user_id=user.id)
        reminder = _reminder_sentence(context, planned)
        await edit_or_ignore(
            query, t("enrol.offer_taken", title=html.escape(outcome.title), reminder=reminder)
        )
        await tell_admins(context, outcome.session_id, user.id, "roster.new_enrolment")
        return
    next_key = "enrol.offer_declined" if outcome.offer else "enrol.offer_declined_free"
    await edit_or_ignore(query, t(next_key))
    await after_cancel(context, outcome, user.id)


async def after_cancel(
    context: ProxiContext, outcome: Cancelled, user_id: int, *, notify_admins: bool = True
) -> None:
    """A seat given up: counts, reminders, the admins, and the next learner's offer."""
    context.services.search.seats_changed(outcome.session_id, outcome.seats_taken)
    await cancel_session_reminders(context, outcome.session_id, user_id=user_id)
    if notify_admins and outcome.was == EnrolmentStatus.ENROLLED:
        await tell_admins(context, outcome.session_id, user_id, "roster.cancellation")
    if outcome.offer is not None:
        await send_offer(context, outcome.offer)


async def send_offer(context: ProxiContext, offer: Offer) -> None:
    """Tell a waiting learner a seat is held for them, with a deadline (a durable notice)."""
    await notice(
        context,
        kind=OFFER,
        recipient_id=offer.user_id,
        session_id=offer.session_id,
        dedupe_key=f"offer:{offer.enrolment_id}:{int(offer.expires_at.timestamp())}",
        urgent=True,  # it has a deadline: no quiet hours
        deadline_at=offer.expires_at,
    )


async def expire_offers_job(context: ProxiContext) -> None:
    """Every minute: unanswered offers pass to the next learner on the waitlist."""
    services = context.services
    now = services.clock.now()
    expired = await call_service(
        expire_offers,
        services.engine,
        now=now,
        offer_ttl=services.settings.waitlist_offer_ttl,
    )
    for item in expired:
        await notice(
            context,
            kind=LAPSED if item.next_offer else LAPSED_FREE,
            recipient_id=item.user_id,
            session_id=item.session_id,
            dedupe_key=f"lapsed:{item.user_id}:{item.session_id}:{int(now.timestamp())}",
            urgent=False,
        )
        await _refresh_seats(context, item.session_id)
        if item.next_offer is not None:
            await send_offer(context, item.next_offer)


async def _refresh_seats(context: ProxiContext, session_id: int) -> None:
    """Keep the search results' seat counts in step with the database."""
    services = context.services
    card = await call_service(
        session_card, services.engine, session_id=session_id, now=services.clock.now()
    )
    if card is not None:
        services.search.seats_changed(card.id, card.seats - card.seats_left)


def handlers() -> Handlers:
    """Enrolment and waitlist buttons, /mes_inscriptions."""
    return [
        CommandHandler(["mes_inscriptions", "my_enrolments"], my_enrolments_command),
        CallbackQueryHandler(enrol_pressed, pattern=buttons.ENROL.pattern),
        CallbackQueryHandler(waitlist_pressed, pattern=buttons.WAITLIST.pattern),
        CallbackQueryHandler(cancel_pressed, pattern=buttons.CANCEL_ENROLMENT.pattern),
        CallbackQueryHandler(
            cancel_confirmed,
            pattern=any_of(buttons.CANCEL_ENROLMENT_YES, buttons.CANCEL_ENROLMENT_NO),
        ),
        CallbackQueryHandler(
            offer_answered, pattern=any_of(buttons.OFFER_ACCEPT, buttons.OFFER_DECLINE)
        ),
    ]
