"""Notices of the waitlist: a freed seat held for the next learner, and its lapse."""

from __future__ import annotations

import html

from telegram import InlineKeyboardMarkup

from bot.catalogue import offer_of
from bot.context import Services
from bot.i18n import Translator
from bot.reminders import ReminderView
from handlers import buttons
from handlers.notices.base import Message, Obsolete, renderer
from handlers.notices.sessions import card_of
from handlers.render import period

OFFER = "waitlist_offer"
LAPSED = "offer_lapsed"
LAPSED_FREE = "offer_lapsed_free"


@renderer(OFFER)
def render_offer(reminder: ReminderView, services: Services, t: Translator) -> Message:
    """A freed seat held for this learner, with [Je prends la place] [Je laisse la place]."""
    card = card_of(reminder, services)
    offer = offer_of(services.engine, session_id=card.id, user_id=reminder.recipient_id)
    if offer is None:
        raise Obsolete("the offer was answered or has lapsed")
    enrolment_id, deadline = offer
    keyboard = InlineKeyboardMarkup(
        [
            [
                buttons.OFFER_ACCEPT.button(t("enrol.offer_accept"), enrolment_id),
                buttons.OFFER_DECLINE.button(t("enrol.offer_decline"), enrolment_id),
            ]
        ]
    )
    text = t(
        "enrol.offer",
        title=html.escape(card.title),
        when=period(t, card),
        deadline=t.datetime(deadline),
    )
    return Message(text=text, keyboard=keyboard)


def render_lapsed(reminder: ReminderView, services: Services, t: Translator) -> Message:
    """The offer passed on: to the learner who let it lapse (or whose seat freed)."""
    card = card_of(reminder, services)
    key = "enrol.offer_lapsed" if reminder.kind == LAPSED else "enrol.offer_lapsed_free"
    return Message(text=t(key, title=html.escape(card.title)))


for _kind in (LAPSED, LAPSED_FREE):
    renderer(_kind)(render_lapsed)
