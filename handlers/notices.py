"""Notices to people other than the one writing: waitlist offers and their expiry, changes
to a booked session, new sessions for an alert.

Each is a reminder row first (durable: if the send fails or the bot stops, the sweep sends
it later, once), then delivered at once through the reminders engine, which renders it in
the recipient's language at send time, so a stale offer or a cancelled alert is dropped.
"""

from __future__ import annotations

import html
import logging
from datetime import datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import notify, reminders
from bot.alerts import alert_query
from bot.catalogue import SessionCard, offer_of, session_card
from bot.context import ProxiContext, Services
from bot.i18n import Translator
from bot.reminders import ReminderView
from handlers.common import call_service
from handlers.render import when

logger = logging.getLogger(__name__)

OFFER = "waitlist_offer"
LAPSED = "offer_lapsed"
LAPSED_FREE = "offer_lapsed_free"
CHANGES = ("session_moved", "session_rescheduled", "session_cancelled")
ALERT = "alert_match"
# A change to a booked session is urgent (sound, no quiet hours) when the session is close.
URGENT_CHANGE_WITHIN = timedelta(hours=36)


async def notice(
    context: ProxiContext,
    *,
    kind: str,
    recipient_id: int,
    session_id: int,
    dedupe_key: str,
    urgent: bool,
    deadline_at: datetime | None = None,
) -> None:
    """Plan a notice as a row, then try to send it now."""
    services = context.services
    view = await call_service(
        reminders.schedule,
        services.engine,
        kind=kind,
        recipient_id=recipient_id,
        due_at=services.clock.now(),
        dedupe_key=dedupe_key,
        urgent=urgent,
        deadline_at=deadline_at,
        session_id=session_id,
        now=services.clock.now(),
        tz=services.settings.tz,
    )
    if view is not None:
        await notify.deliver(context.application, view.id, during_update=True)


def change_is_urgent(card: SessionCard | None, now: datetime) -> bool:
    return card is not None and card.starts_at - now < URGENT_CHANGE_WITHIN


def _card(reminder: ReminderView, services: Services) -> SessionCard:
    if reminder.session_id is None:
        raise notify.Obsolete("no session attached")
    card = session_card(services.engine, session_id=reminder.session_id, now=services.clock.now())
    if card is None:
        raise notify.Obsolete(f"session {reminder.session_id} is gone")
    return card


@notify.renderer(OFFER)
def render_offer(reminder: ReminderView, services: Services, t: Translator) -> notify.Message:
    """A freed seat held for this learner, with [Je prends la place] [Je laisse la place]."""
    card = _card(reminder, services)
    offer = offer_of(services.engine, session_id=card.id, user_id=reminder.recipient_id)
    if offer is None:
        raise notify.Obsolete("the offer was answered or has lapsed")
    enrolment_id, deadline = offer
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t("enrol.offer_accept"), callback_data=f"acc:{enrolment_id}"),
                InlineKeyboardButton(
                    t("enrol.offer_decline"), callback_data=f"dcl:{enrolment_id}"
                ),
            ]
        ]
    )
    text = t(
        "enrol.offer",
        title=html.escape(card.title),
        when=when(t, card.starts_at, card.ends_at),
        deadline=t.datetime(deadline),
    )
    return notify.Message(text=text, keyboard=keyboard)


def _render_lapsed(reminder: ReminderView, services: Services, t: Translator) -> notify.Message:
    card = _card(reminder, services)
    key = "enrol.offer_lapsed" if reminder.kind == LAPSED else "enrol.offer_lapsed_free"
    return notify.Message(text=t(key, title=html.escape(card.title)))


def _render_change(reminder: ReminderView, services: Services, t: Translator) -> notify.Message:
    card = _card(reminder, services)
    title = html.escape(card.title)
    period = when(t, card.starts_at, card.ends_at)
    if reminder.kind == "session_moved":
        place = html.escape(
            t(
                "card.where",
                space=card.space_name,
                address=card.address,
                postcode=card.postcode,
                city=card.city,
            )
        )
        return notify.Message(text=t("changes.moved", title=title, when=period, place=place))
    if reminder.kind == "session_rescheduled":
        return notify.Message(text=t("changes.rescheduled", title=title, when=period))
    return notify.Message(text=t("changes.cancelled", title=title, when=period))


@notify.renderer(ALERT)
def render_alert(reminder: ReminderView, services: Services, t: Translator) -> notify.Message:
    """A new session matching the learner's alert, with [Voir la session]."""
    card = _card(reminder, services)
    if card.cancelled or card.past:
        raise notify.Obsolete(f"session {card.id} is no longer offered")
    query = alert_query(services.engine, dedupe_key=reminder.dedupe_key)
    if query is None:
        raise notify.Obsolete("the alert was deleted")
    text = t(
        "alerts.match",
        query=html.escape(query),
        title=html.escape(card.title),
        city=html.escape(card.city),
        when=when(t, card.starts_at, card.ends_at),
    )
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(t("alerts.button_open"), callback_data=f"card:{card.id}")]]
    )
    return notify.Message(text=text, keyboard=keyboard)


for _kind in (LAPSED, LAPSED_FREE):
    notify.renderer(_kind)(_render_lapsed)
for _kind in CHANGES:
    notify.renderer(_kind)(_render_change)
