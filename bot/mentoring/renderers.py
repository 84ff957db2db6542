"""What mentoring messages say: shared texts, the appointment buttons, and the renderers of
the appointment reminders for `bot.notify` (24 h and 1 h before, attendance after the end).

This is the notify adapter of mentoring, not its domain: it reads catalogs and builds the
inline keyboards a reminder carries. Importing it registers the renderers.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import notify
from bot.context import Services
from bot.i18n import Translator
from bot.mentoring import lookup
from bot.mentoring.followup import HAPPENED, TUTOR
from bot.mentoring.reminding import ATTENDANCE_CHECK, DEFAULT_OFFSETS, reminder_kind
from bot.mentoring.views import AppointmentView, Place, SlotView
from bot.models import AppointmentStatus
from bot.reminders import ReminderView

logger = logging.getLogger(__name__)

# Button data of the buttons reminders carry (the handlers own the other prefixes).
CANCEL = "ap:x"  # ap:x:<appointment>
MOVE = "ap:m"  # ap:m:<appointment>
ATTENDED = "ap:a"  # ap:a:<appointment>:<1|0>
RATE = "ap:s"  # ap:s:<appointment>:<stars>
ONE_HOUR = timedelta(hours=1)


def when(t: Translator, view: AppointmentView | SlotView) -> str:
    """ "mardi 1 décembre de 14:00 à 15:00" (Paris time)."""
    return t(
        "mentoring.when",
        day=t.date(view.starts_at),
        start=t.time(view.starts_at),
        end=t.time(view.ends_at),
    )


def place_text(t: Translator, place: Place) -> str:
    """The place as one escaped line: the space and its address, or the link."""
    if place.online_url is not None:
        return t("mentoring.place_online", url=html.escape(place.online_url))
    return t(
        "mentoring.place_space",
        name=html.escape(place.name or ""),
        address=html.escape(place.full_address),
    )


def place_short(t: Translator, place: Place) -> str:
    """The place in a few words, for lists and buttons (not escaped)."""
    if place.online:
        return t("mentoring.online")
    return place.city or place.name or ""


def venue(place: Place) -> notify.Venue | None:
    """The map pin of an in-person place."""
    if place.online or place.latitude is None or place.longitude is None:
        return None
    return notify.Venue(place.latitude, place.longitude, place.name or "", place.full_address)


def other_name(view: AppointmentView, user_id: int) -> str:
    """The other side's name, escaped."""
    return html.escape(view.other_party_of(user_id)[1])


def appointment_keyboard(t: Translator, appointment_id: int) -> InlineKeyboardMarkup:
    """[Annuler] [Déplacer], on every message about a booked appointment."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t("mentoring.button_cancel"), callback_data=f"{CANCEL}:{appointment_id}"
                ),
                InlineKeyboardButton(
                    t("mentoring.button_move"), callback_data=f"{MOVE}:{appointment_id}"
                ),
            ]
        ]
    )


def attendance_keyboard(t: Translator, appointment_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t("mentoring.attendance.button_yes"),
                    callback_data=f"{ATTENDED}:{appointment_id}:1",
                ),
                InlineKeyboardButton(
                    t("mentoring.attendance.button_no"),
                    callback_data=f"{ATTENDED}:{appointment_id}:0",
                ),
            ]
        ]
    )


def rating_keyboard(appointment_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(str(stars), callback_data=f"{RATE}:{appointment_id}:{stars}")
                for stars in range(1, 6)
            ]
        ]
    )


def rating_question(t: Translator, view: AppointmentView) -> str:
    return t("mentoring.rating.ask", tutor=html.escape(view.tutor_name))


# -- reminders ----------------------------------------------------------------------------------


def _appointment(reminder: ReminderView, services: Services) -> AppointmentView:
    if reminder.appointment_id is None:
        raise notify.Obsolete("no appointment attached")
    view = lookup.appointment(services.engine, appointment_id=reminder.appointment_id)
    if view is None:
        raise notify.Obsolete(f"appointment {reminder.appointment_id} is gone")
    if view.side_of(reminder.recipient_id) is None:
        raise notify.Obsolete(f"recipient no longer part of appointment {view.id}")
    return view


def render_upcoming(reminder: ReminderView, services: Services, t: Translator) -> notify.Message:
    """Before a confirmed appointment: who, when, where, then the pin (or the link)."""
    view = _appointment(reminder, services)
    who = other_name(view, reminder.recipient_id)
    if view.side_of(reminder.recipient_id) == TUTOR:
        # One reminder per slot for the tutor: everyone confirmed on it, by name.
        coming = [
            v
            for v in lookup.holding_on_slot(services.engine, slot_id=view.slot_id)
            if v.status == AppointmentStatus.CONFIRMED
        ]
        if not coming:
            raise notify.Obsolete(f"nobody is coming to slot {view.slot_id}")
        view = coming[0]
        who = ", ".join(html.escape(v.learner_name) for v in coming)
    elif view.status != AppointmentStatus.CONFIRMED:
        raise notify.Obsolete(f"appointment {view.id} is {view.status}")
    key = "mentoring.reminder.in_one_hour"
    if reminder.kind != reminder_kind(ONE_HOUR):
        key = "mentoring.reminder.upcoming"
    text = t(
        key,
        when=when(t, view),
        who=who,
        place=place_text(t, view.place),
    )
    return notify.Message(
        text=text, keyboard=appointment_keyboard(t, view.id), venue=venue(view.place)
    )


def render_attendance(reminder: ReminderView, services: Services, t: Translator) -> notify.Message:
    """After the end: "did it take place?"; to a learner whose tutor answered yes already,
    straight the rating question."""
    view = _appointment(reminder, services)
    if view.status not in HAPPENED:
        raise notify.Obsolete(f"appointment {view.id} is {view.status}")
    side = view.side_of(reminder.recipient_id)
    if view.attendance_by == TUTOR or (view.attendance_by == side):
        if side == TUTOR or not view.attended or view.rating is not None:
            raise notify.Obsolete(f"attendance of appointment {view.id} already recorded")
        return notify.Message(text=rating_question(t, view), keyboard=rating_keyboard(view.id))
    text = t(
        "mentoring.attendance.ask",
        when=when(t, view),
        who=other_name(view, reminder.recipient_id),
    )
    return notify.Message(text=text, keyboard=attendance_keyboard(t, view.id))


def register_offsets(offsets: Iterable[timedelta]) -> None:
    """Register the upcoming-appointment renderer for these reminder offsets (idempotent)."""
    for offset in offsets:
        notify.renderer(reminder_kind(offset))(render_upcoming)


register_offsets(DEFAULT_OFFSETS)
notify.renderer(ATTENDANCE_CHECK)(render_attendance)
