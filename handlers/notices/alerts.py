"""Notice of a new session matching a learner's alert, with [Voir la session]."""

from __future__ import annotations

import html

from telegram import InlineKeyboardMarkup

from bot.alerts import alert_label
from bot.context import Services
from bot.i18n import Translator
from bot.reminders import ReminderView
from handlers import buttons
from handlers.notices.base import Message, Obsolete, renderer
from handlers.notices.sessions import card_of
from handlers.render import day_month, period

ALERT = "alert_match"


@renderer(ALERT)
def render_alert(reminder: ReminderView, services: Services, t: Translator) -> Message:
    """A new session matching the learner's alert, with [Voir la session]."""
    card = card_of(reminder, services)
    if card.cancelled or card.past:
        raise Obsolete(f"session {card.id} is no longer offered")
    query = alert_label(services.engine, dedupe_key=reminder.dedupe_key)
    if query is None:
        raise Obsolete("the alert was deleted")
    text = t(
        "alerts.match",
        query=html.escape(query),
        title=html.escape(card.title),
        city=html.escape(card.city),
        when=period(t, card),
    )
    if card.to_confirm is not None:  # told first, with what it takes to make it happen
        needs = t(
            "confirm.alert_needs",
            minimum=card.to_confirm.minimum,
            day=day_month(t, card.to_confirm.confirm_by),
        )
        text = f"{text}\n\n{needs}"
    keyboard = InlineKeyboardMarkup([[buttons.CARD.button(t("alerts.button_open"), card.id)]])
    return Message(text=text, keyboard=keyboard)
