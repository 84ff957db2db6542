"""Notices of a session to confirm (`bot.confirmation`): confirmed (to its learners, with the
.ics; to its organisation's admins), cancelled for lack of participants (to its learners,
with the course's other dates and [M'alerter]; to the admins, with the list of people)."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import confirmation
from bot.catalogue import SessionCard, other_dates
from bot.context import Services
from bot.i18n import Translator
from bot.reminders import ReminderView
from bot.session_ics import ics_filename, session_ics
from handlers import buttons
from handlers.notices.base import Attachment, Message, Obsolete, Venue, renderer
from handlers.notices.sessions import card_of
from handlers.render import period

KINDS = confirmation.KINDS
MAX_OTHER_DATES = 3  # a short list; the card of each date shows the rest


def _place(t: Translator, card: SessionCard) -> str:
    return html.escape(
        t(
            "card.where",
            space=card.space_name,
            address=card.address,
            postcode=card.postcode,
            city=card.city,
        )
    )


@renderer(confirmation.CONFIRMED)
def render_confirmed(reminder: ReminderView, services: Services, t: Translator) -> Message:
    """The session will take place: when, where, the pin and the .ics."""
    card = card_of(reminder, services)
    if card.cancelled or card.past:
        raise Obsolete(f"session {card.id} is cancelled or past")
    text = t(
        "confirm.confirmed",
        title=html.escape(card.title),
        when=period(t, card),
        place=_place(t, card),
    )
    ics = session_ics(card, stamp=services.clock.now(), description=card.url or "")
    return Message(
        text=text,
        venue=Venue(card.latitude, card.longitude, card.space_name, card.address),
        document=Attachment(ics, ics_filename(card)),
    )


@renderer(confirmation.CONFIRMED_ADMIN)
def render_confirmed_admin(reminder: ReminderView, services: Services, t: Translator) -> Message:
    card = card_of(reminder, services)
    registered = card.seats - card.seats_left
    text = t(
        "confirm.confirmed_admin",
        count=registered,
        title=html.escape(card.title),
        when=period(t, card),
    )
    return Message(text=text)


@renderer(confirmation.UNCONFIRMED)
def render_cancelled(reminder: ReminderView, services: Services, t: Translator) -> Message:
    """Cancelled for lack of participants: the course's next dates, and [M'alerter]."""
    card = card_of(reminder, services)
    minimum = _minimum(services, card.id)
    lines = [
        t(
            "confirm.cancelled",
            title=html.escape(card.title),
            when=period(t, card),
            minimum=minimum,
        )
    ]
    dates = other_dates(
        services.engine, session_id=card.id, now=services.clock.now(), limit=MAX_OTHER_DATES
    )
    rows: list[list[InlineKeyboardButton]] = []
    if dates:
        lines.append(t("confirm.other_dates"))
        for other in dates:
            when = t.datetime(other.starts_at)
            lines.append(t("confirm.other_date", when=when, city=html.escape(other.city)))
            rows.append(
                [buttons.CARD.button(f"{t('confirm.button_open')} : {when}", other.session_id)]
            )
    else:
        lines.append(t("confirm.no_other_dates"))
    rows.append([buttons.CONFIRM_ALERT.button(t("confirm.button_alert"), card.id)])
    text = f"{lines[0]}\n\n" + "\n".join(lines[1:])
    return Message(text=text, keyboard=InlineKeyboardMarkup(rows))


@renderer(confirmation.UNCONFIRMED_ADMIN)
def render_cancelled_admin(reminder: ReminderView, services: Services, t: Translator) -> Message:
    """The admins' list of the people who were registered or waiting."""
    card = card_of(reminder, services)
    people = confirmation.registered(services.engine, session_id=card.id)
    common = {
        "title": html.escape(card.title),
        "when": period(t, card),
        "minimum": _minimum(services, card.id),
    }
    if not people:
        return Message(text=t("confirm.cancelled_admin_nobody", **common))
    lines = [t("confirm.cancelled_admin", count=len(people), **common)]
    for person in people:
        lines.append(
            t(
                "confirm.person",
                name=html.escape(person.name),
                username=f" (@{html.escape(person.username)})" if person.username else "",
                status=t(f"confirm.status_{person.status}"),
            )
        )
    return Message(text="\n".join(lines))


def _minimum(services: Services, session_id: int) -> int:
    return confirmation.minimum_of(services.engine, session_id=session_id) or 0
