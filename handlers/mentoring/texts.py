"""How mentoring values read in a message: when, where, who, a slot on a button, a request."""

from __future__ import annotations

import html

from bot.i18n import Translator
from bot.mentoring.views import AppointmentView, Place, SlotView
from handlers.notices.base import Venue

BUTTON_LENGTH = 40


def short(text: str, limit: int = BUTTON_LENGTH) -> str:
    """Cut to fit a button, with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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


def venue(place: Place) -> Venue | None:
    """The map pin of an in-person place."""
    if place.online or place.latitude is None or place.longitude is None:
        return None
    return Venue(place.latitude, place.longitude, place.name or "", place.full_address)


def other_name(view: AppointmentView, user_id: int) -> str:
    """The other side's name, escaped."""
    return html.escape(view.other_party_of(user_id)[1])


def slot_label(t: Translator, slot: SlotView, *, tutor: bool = False) -> str:
    """A slot on a button: "mar. 1 déc. 14:00 · Ploërmel" (with the tutor's name)."""
    parts = [f"{t.date(slot.starts_at)} {t.time(slot.starts_at)}"]
    if tutor:
        parts.append(slot.tutor_name)
    parts.append(place_short(t, slot.place))
    return short(" · ".join(part for part in parts if part), 60)


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


def rating_question(t: Translator, view: AppointmentView) -> str:
    """ "How was your appointment with …?" above the stars."""
    return t("mentoring.rating.ask", tutor=html.escape(view.tutor_name))


def length_label(minutes: int, t: Translator) -> str:
    """ "1 h", "30 min", "1 h 30"."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return t("mentoring.availability.minutes", minutes=rest)
    if not rest:
        return t("mentoring.availability.hours", hours=hours)
    return t("mentoring.availability.hours_minutes", hours=hours, minutes=f"{rest:02d}")
