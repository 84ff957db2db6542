"""The calendar file (.ics, RFC 5545) of a training session, sent when a session to confirm
is confirmed. One UID per session, so a later update replaces the event."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar, Event

from bot.catalogue import SessionCard

PRODID = "-//Proxi//Sessions//FR"


def session_uid(card: SessionCard) -> str:
    return f"session-{card.external_id}@proxi.invalid"


def session_ics(card: SessionCard, *, stamp: datetime, description: str = "") -> bytes:
    """METHOD:PUBLISH with one event: the session's dates (UTC), place and link."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", session_uid(card))
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", card.starts_at.astimezone(UTC))
    event.add("dtend", card.ends_at.astimezone(UTC))
    event.add("summary", card.title)
    town = " ".join(part for part in (card.postcode, card.city) if part)
    event.add("location", ", ".join(p for p in (card.space_name, card.address, town) if p))
    event.add("geo", (card.latitude, card.longitude))
    if card.url:
        event.add("url", card.url)
    if description:
        event.add("description", description)
    event.add("status", "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()


def ics_filename(card: SessionCard) -> str:
    """ "session-2027-03-12.ics"."""
    return f"session-{card.starts_at:%Y-%m-%d}.ics"
