"""Notices of mentoring appointments: reminders before a confirmed appointment (24 h and 1 h
by default), and after its end the attendance question, then the rating."""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable
from datetime import timedelta

from bot.context import Services
from bot.i18n import Translator
from bot.mentoring import lookup
from bot.mentoring.followup import HAPPENED, TUTOR
from bot.mentoring.reminding import ATTENDANCE_CHECK, DEFAULT_OFFSETS, reminder_kind
from bot.mentoring.views import AppointmentView
from bot.models import AppointmentStatus
from bot.reminders import ReminderView
from handlers.mentoring.keyboards import (
    appointment_keyboard,
    attendance_keyboard,
    rating_keyboard,
)
from handlers.mentoring.texts import other_name, place_text, rating_question, venue, when
from handlers.notices.base import Message, Obsolete, renderer

logger = logging.getLogger(__name__)

ONE_HOUR = timedelta(hours=1)


def _appointment(reminder: ReminderView, services: Services) -> AppointmentView:
    if reminder.appointment_id is None:
        raise Obsolete("no appointment attached")
    view = lookup.appointment(services.engine, appointment_id=reminder.appointment_id)
    if view is None:
        raise Obsolete(f"appointment {reminder.appointment_id} is gone")
    if view.side_of(reminder.recipient_id) is None:
        raise Obsolete(f"recipient no longer part of appointment {view.id}")
    return view


def render_upcoming(reminder: ReminderView, services: Services, t: Translator) -> Message:
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
            raise Obsolete(f"nobody is coming to slot {view.slot_id}")
        view = coming[0]
        who = ", ".join(html.escape(v.learner_name) for v in coming)
    elif view.status != AppointmentStatus.CONFIRMED:
        raise Obsolete(f"appointment {view.id} is {view.status}")
    key = "mentoring.reminder.in_one_hour"
    if reminder.kind != reminder_kind(ONE_HOUR):
        key = "mentoring.reminder.upcoming"
    text = t(
        key,
        when=when(t, view),
        who=who,
        place=place_text(t, view.place),
    )
    return Message(text=text, keyboard=appointment_keyboard(t, view.id), venue=venue(view.place))


def render_attendance(reminder: ReminderView, services: Services, t: Translator) -> Message:
    """After the end: "did it take place?"; to a learner whose tutor answered yes already,
    straight the rating question."""
    view = _appointment(reminder, services)
    if view.status not in HAPPENED:
        raise Obsolete(f"appointment {view.id} is {view.status}")
    side = view.side_of(reminder.recipient_id)
    if view.attendance_by == TUTOR or (view.attendance_by == side):
        if side == TUTOR or not view.attended or view.rating is not None:
            raise Obsolete(f"attendance of appointment {view.id} already recorded")
        return Message(text=rating_question(t, view), keyboard=rating_keyboard(view.id))
    text = t(
        "mentoring.attendance.ask",
        when=when(t, view),
        who=other_name(view, reminder.recipient_id),
    )
    return Message(text=text, keyboard=attendance_keyboard(t, view.id))


def register_offsets(offsets: Iterable[timedelta]) -> None:
    """Register the upcoming-appointment renderer for these reminder offsets (idempotent)."""
    for offset in offsets:
        renderer(reminder_kind(offset))(render_upcoming)


register_offsets(DEFAULT_OFFSETS)
renderer(ATTENDANCE_CHECK)(render_attendance)
