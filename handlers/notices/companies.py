"""Notices of company requests: a new request to an organisation's admins (with [Répondre]
[Marquer répondue]), a relayed message, and the end of a relayed conversation."""

from __future__ import annotations

import html

from telegram import InlineKeyboardMarkup

from bot.companies.answers import RouteView, route_view
from bot.companies.notices import CLOSED_NOTICE, MESSAGE_NOTICE, REQUEST_NOTICE, subject_of
from bot.companies.relay import message_view
from bot.context import Services
from bot.i18n import Translator
from bot.reminders import ReminderView
from handlers import buttons
from handlers.companies.texts import conversation_keyboard, summary, topic
from handlers.notices.base import Message, Obsolete, renderer


def company_name(t: Translator, view: RouteView) -> str:
    """The requester's Telegram name if they agreed to share it, else "L'entreprise"."""
    if view.requester_name:
        return html.escape(view.requester_name)
    return t("companies.company_anonymous")


def _route(reminder: ReminderView, services: Services) -> RouteView:
    view = route_view(services.engine, route_id=subject_of(reminder.dedupe_key))
    if view is None:
        raise Obsolete("the company request is gone")
    return view


@renderer(REQUEST_NOTICE)
def render_request(reminder: ReminderView, services: Services, t: Translator) -> Message:
    """A new request for the organisation, while it is still open."""
    view = _route(reminder, services)
    if not view.is_open:
        raise Obsolete(f"company request {view.request_id} answered or withdrawn")
    who = (
        t("companies.who_shared", name=company_name(t, view))
        if view.requester_name
        else t("companies.who_hidden")
    )
    text = t(
        "companies.notice",
        km=t.number(max(1, round(view.distance_km))),  # "0 km" reads as a mistake
        summary=summary(t, view),
        who=who,
    )
    keyboard = InlineKeyboardMarkup(
        [
            [
                buttons.COMPANY_REPLY.button(t("companies.button_reply"), view.route_id),
                buttons.COMPANY_ANSWERED.button(
                    t("companies.button_answered"), view.request_id, view.organisation_id
                ),
            ]
        ]
    )
    return Message(text=text, keyboard=keyboard)


@renderer(MESSAGE_NOTICE)
def render_message(reminder: ReminderView, services: Services, t: Translator) -> Message:
    """A relayed message: under the organisation's name, or the company's (if shared)."""
    found = message_view(services.engine, message_id=subject_of(reminder.dedupe_key))
    if found is None:
        raise Obsolete("the relayed message is gone")
    view, text = found.route, html.escape(found.text)
    if found.from_company:
        body = t(
            "companies.from_company",
            who=company_name(t, view),
            topic=topic(t, view),
            place=html.escape(view.place_label),
            text=text,
        )
    else:
        body = t(
            "companies.from_organisation",
            organisation=html.escape(view.organisation),
            topic=topic(t, view),
            text=text,
        )
    keyboard = None if view.closed_at is not None else conversation_keyboard(t, view.route_id)
    return Message(text=body, keyboard=keyboard)


@renderer(CLOSED_NOTICE)
def render_closed(reminder: ReminderView, services: Services, t: Translator) -> Message:
    """The other side ended the conversation."""
    view = _route(reminder, services)
    if reminder.recipient_id == view.requester_id:
        who = html.escape(view.organisation)
    else:
        who = company_name(t, view)
    return Message(text=t("companies.closed_by_other", who=who, topic=topic(t, view)))
