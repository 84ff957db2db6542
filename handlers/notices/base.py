"""What a notice says: the message a renderer returns, and the registry of renderers by kind.

A renderer turns a `reminder` row into a `Message` in the recipient's language, at send time
(so a stale offer or a cancelled session is dropped, by raising `Obsolete`). It runs in a
worker thread and may read the database. `handlers.delivery` claims, renders and sends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup

from bot.context import Services
from bot.i18n import Translator
from bot.reminders import ReminderView


@dataclass(frozen=True, slots=True)
class Venue:
    """A map pin sent after the text (sendVenue)."""

    latitude: float
    longitude: float
    title: str
    address: str


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent after the text, e.g. an .ics invitation."""

    content: bytes
    filename: str


@dataclass(frozen=True, slots=True)
class Message:
    """What a reminder says: HTML text, then optionally a map pin and a file."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None
    venue: Venue | None = None
    document: Attachment | None = None


Renderer = Callable[[ReminderView, Services, Translator], Message]
# kind → renderer. Renderers run in a worker thread and may read the database.
RENDERERS: dict[str, Renderer] = {}


class Obsolete(Exception):
    """Raised by a renderer whose subject is gone (session cancelled, learner unenrolled):
    the reminder is cancelled, not sent."""


def renderer(kind: str) -> Callable[[Renderer], Renderer]:
    """Register the renderer of a reminder kind: `@renderer("appointment_24h")`."""

    def register(func: Renderer) -> Renderer:
        if RENDERERS.get(kind, func) is not func:
            raise ValueError(f"reminder kind {kind!r} already has a renderer")
        RENDERERS[kind] = func
        return func

    return register
