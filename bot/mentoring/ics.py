"""Calendar files for appointments (RFC 5545 / iTIP RFC 5546), built with icalendar.

One UID per appointment lineage (a reschedule keeps it): a REQUEST with a higher SEQUENCE
moves the event in the learner's and tutor's calendars, a CANCEL with the same UID removes
it. Times are written in UTC, which every calendar converts to the reader's zone; the
description repeats the Paris time in words.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, tzinfo
from typing import Literal

from icalendar import Calendar, Event, vCalAddress, vText

from bot.i18n import Translator, translator
from bot.mentoring.views import AppointmentView

logger = logging.getLogger(__name__)

PRODID = "-//Proxi//Mentorat//FR"
ORGANIZER_EMAIL = "noreply@proxi.invalid"  # calendars want an address; nobody writes back
Method = Literal["REQUEST", "CANCEL"]


def _when(view: AppointmentView, t: Translator) -> str:
    return t(
        "mentoring.ics.when",
        day=t.date(view.starts_at),
        start=t.time(view.starts_at),
        end=t.time(view.ends_at),
    )


def appointment_ics(
    view: AppointmentView,
    *,
    method: Method = "REQUEST",
    organizer_name: str,
    tz: tzinfo,
    stamp: datetime | None = None,
    t: Translator | None = None,
) -> bytes:
    """The .ics file of an appointment: METHOD:REQUEST to add or update it, METHOD:CANCEL
    (with the bumped `view.ics_sequence`) to remove it; texts in the reader's language."""
    t = t or translator("fr", str(tz))
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"unsupported method {method!r}")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)

    event = Event()
    event.add("uid", view.ics_uid)
    event.add("sequence", view.ics_sequence)
    event.add("dtstamp", (stamp or datetime.now(UTC)).astimezone(UTC))
    event.add("dtstart", view.starts_at.astimezone(UTC))
    event.add("dtend", view.ends_at.astimezone(UTC))
    event.add("summary", t("mentoring.ics.summary", tutor=view.tutor_name))
    place = view.place
    lines = [
        t("mentoring.ics.who", learner=view.learner_name, tutor=view.tutor_name),
        _when(view, t),
    ]
    if place.online_url is not None:
        event.add("location", place.online_url)
        event.add("url", place.online_url)
        lines.append(t("mentoring.ics.online", url=place.online_url))
    else:
        location = ", ".join(part for part in (place.name, place.full_address) if part)
        event.add("location", location)
        lines.append(t("mentoring.ics.place", place=location))
        if place.latitude is not None and place.longitude is not None:
            event.add("geo", (place.latitude, place.longitude))
    if view.message:
        lines.append(t("mentoring.ics.message", message=view.message))
    event.add("description", "\n".join(lines))
    organizer = vCalAddress(f"mailto:{ORGANIZER_EMAIL}")
    organizer.params["cn"] = vText(organizer_name)
    event.add("organizer", organizer)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    calendar.add_component(event)
    return calendar.to_ical()


def ics_filename(view: AppointmentView, tz: tzinfo) -> str:
    """A file name for sending the .ics as a document: "rdv-mentorat-2026-12-01.ics"."""
    return f"rdv-mentorat-{view.starts_at.astimezone(tz):%Y-%m-%d}.ics"
