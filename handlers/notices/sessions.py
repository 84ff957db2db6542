"""Notices about a training session: the day-before reminder, and changes to a booked session
(moved to another place, rescheduled, cancelled)."""

from __future__ import annotations

import html
from datetime import datetime, timedelta

from telegram import InlineKeyboardMarkup

from bot import reminders
from bot.catalogue import SessionCard, session_card
from bot.context import Services
from bot.i18n import Translator
from bot.reminders import ReminderView
from handlers import buttons
from handlers.notices.base import Message, Obsolete, renderer
from handlers.render import period as render_period

CHANGES = ("session_moved", "session_rescheduled", "session_cancelled")
# A change to a booked session is urgent (sound, no quiet hours) when the session is close.
URGENT_CHANGE_WITHIN = timedelta(hours=36)


def change_is_urgent(card: SessionCard | None, now: datetime) -> bool:
    """Whether a change to this session must ring (and ignore quiet hours)."""
    return card is not None and card.starts_at - now < URGENT_CHANGE_WITHIN


def card_of(reminder: ReminderView, services: Services) -> SessionCard:
    """The card of the reminder's session, or Obsolete when it is gone."""
    if reminder.session_id is None:
        raise Obsolete("no session attached")
    card = session_card(services.engine, session_id=reminder.session_id, now=services.clock.now())
    if card is None:
        raise Obsolete(f"session {reminder.session_id} is gone")
    return card


@renderer(reminders.SESSION_DAY_BEFORE)
def render_session_day_before(
    reminder: ReminderView, services: Services, t: Translator
) -> Message:
    """Tomorrow's training session: title, date and time in Paris, the place, and a button
    that sends the map pin when asked. One message, not two: the morning wave of 10,000
    reminders then fits Telegram's 30 messages/s in under six minutes."""
    if reminder.session_id is None:
        raise Obsolete("no session attached")
    brief = reminders.session_brief(
        services.engine, session_id=reminder.session_id, user_id=reminder.recipient_id
    )
    if brief is None or brief.cancelled:
        raise Obsolete(f"session {reminder.session_id} cancelled or deleted")
    if not brief.enrolled:
        raise Obsolete(f"recipient no longer enrolled in session {reminder.session_id}")
    if brief.undecided:
        # Planned again for everyone at confirmation (`handlers.confirmation`).
        raise Obsolete(f"session {reminder.session_id} is not confirmed yet")
    text = t(
        _reminder_key(brief.starts_at, services),
        title=html.escape(brief.title),
        when=t.datetime(brief.starts_at),
        place=html.escape(brief.place),
        address=html.escape(brief.address),
    )
    pin = buttons.VENUE_PIN.button(t("reminder.session_day_before_pin"), reminder.session_id)
    return Message(text=text, keyboard=InlineKeyboardMarkup([[pin]]))


def _reminder_key(starts_at: datetime, services: Services) -> str:
    """Says "c'est demain !" only when it is: a reminder planned for the morning itself (enrolled
    at 22:00 for 09:00) or sent at once (enrolled that morning) says "aujourd'hui"."""
    tz = services.settings.tz
    today = services.clock.now().astimezone(tz).date()
    same_day = starts_at.astimezone(tz).date() <= today
    return "reminder.session_same_day" if same_day else "reminder.session_day_before"


def render_change(reminder: ReminderView, services: Services, t: Translator) -> Message:
    """A booked session moved, rescheduled or cancelled: what changed, in one message."""
    card = card_of(reminder, services)
    title = html.escape(card.title)
    period = render_period(t, card)
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
        return Message(text=t("changes.moved", title=title, when=period, place=place))
    if reminder.kind == "session_rescheduled":
        return Message(text=t("changes.rescheduled", title=title, when=period))
    return Message(text=t("changes.cancelled", title=title, when=period))


for _kind in CHANGES:
    renderer(_kind)(render_change)
