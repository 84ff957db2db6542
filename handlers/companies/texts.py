"""How company requests read and the keyboards they carry, shared by the conversation, the
relay, /entreprises and the notices; and `notify`, a durable message to someone else."""

from __future__ import annotations

import html
from typing import Protocol

from telegram import InlineKeyboardMarkup

from bot import reminders
from bot.companies.detection import TELEGRAM
from bot.companies.drafts import topic_label
from bot.companies.notices import REQUEST_NOTICE, dedupe_key
from bot.context import ProxiContext
from bot.i18n import Translator
from handlers import buttons
from handlers.common import call_service
from handlers.delivery import deliver


class Described(Protocol):
    """A draft or a stored request: what the summary line shows."""

    @property
    def concept_id(self) -> str | None: ...
    @property
    def topic_text(self) -> str: ...
    @property
    def head_count(self) -> int | None: ...
    @property
    def place_label(self) -> str: ...
    @property
    def period_label(self) -> str: ...
    @property
    def contact(self) -> str: ...


def topic(t: Translator, request: Described) -> str:
    return html.escape(topic_label(request.concept_id, request.topic_text, t.language))


def summary(t: Translator, request: Described) -> str:
    """ "SST · 6 personnes · Mauron (56) · en mars · contact : 06 12 34 56 78"."""
    parts = [topic(t, request)]
    if request.head_count is not None:
        parts.append(t("companies.people", count=request.head_count))
    parts += [html.escape(p) for p in (request.place_label, request.period_label) if p]
    if request.contact == TELEGRAM:
        parts.append(t("companies.contact_telegram"))
    elif request.contact:
        parts.append(t("companies.contact", contact=html.escape(request.contact)))
    return " · ".join(p for p in parts if p)


def conversation_keyboard(t: Translator, route_id: int) -> InlineKeyboardMarkup:
    """[Répondre] [Terminer] under a relayed message."""
    return InlineKeyboardMarkup(
        [
            [
                buttons.COMPANY_REPLY.button(t("companies.button_reply"), route_id),
                buttons.COMPANY_END.button(t("companies.button_end"), route_id),
            ]
        ]
    )


async def notify(context: ProxiContext, *, kind: str, recipient_id: int, subject_id: int) -> None:
    """A message to someone else as a `reminder` row (durable: a failed send is retried by
    the sweep, even after a restart), sent at once. The renderer reads the subject (route or
    message) back from the row's dedupe key."""
    services = context.services
    now = services.clock.now()
    view = await call_service(
        reminders.schedule,
        services.engine,
        kind=kind,
        recipient_id=recipient_id,
        due_at=now,
        dedupe_key=dedupe_key(kind, subject_id, recipient_id),
        urgent=kind != REQUEST_NOTICE,  # a conversation is live; a new request may wait 8:00
        now=now,
        tz=services.settings.tz,
    )
    if view is not None:
        await deliver(context.application, view.id, during_update=True)
