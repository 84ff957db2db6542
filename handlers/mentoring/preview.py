"""What was understood, before it is saved: a typed range cut into appointments of a length
the tutor did not state ("mardi 14h-16h") is shown as "2 créneaux de 1 h, mardi 1er décembre,
14:00 et 15:00" with [Enregistrer] [Changer la durée]; nothing is created before
[Enregistrer]. [Changer la durée] offers 30 min, 1 h, 1 h 30 and 2 h (those that fit)."""

from __future__ import annotations

import html
import logging
from datetime import date, datetime
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import ProxiContext
from bot.i18n import Translator
from bot.mentoring.drafts import hhmm
from bot.mentoring.timing import split_range
from handlers import buttons
from handlers.common import safe_answer
from handlers.mentoring.access import current_tutor, tutor_spaces
from handlers.mentoring.creating import create
from handlers.mentoring.messages import show
from handlers.mentoring.state import DRAFT
from handlers.mentoring.texts import length_label

logger = logging.getLogger(__name__)

DURATIONS = (30, 60, 90, 120)
MAX_TIMES = 8  # start times named in the preview; more are summed up by "…"


def draft_of(context: ProxiContext) -> dict[str, Any] | None:
    """The slot being added, if any."""
    return (context.user_data or {}).get(DRAFT)


def starts(draft: dict[str, Any], context: ProxiContext) -> list[datetime]:
    """The appointments' starts on the (first) day, as the draft would cut them."""
    day = date.fromisoformat(draft["day"])
    spans = split_range(
        day,
        hhmm(draft["start"]),
        hhmm(draft["end"]),
        int(draft["minutes"]),
        context.services.settings.tz,
    )
    return [start for start, _end in spans]


async def _place(context: ProxiContext, update: Update, draft: dict[str, Any]) -> str:
    if draft.get("online_url"):
        return context.t("mentoring.online")
    tutor_id = await current_tutor(update, context)
    spaces = await tutor_spaces(context, tutor_id or 0)
    wanted = draft.get("space_id")
    found = [f"{name} ({city})" for space_id, name, city in spaces if space_id == wanted]
    return html.escape(found[0]) if found else "?"


def understood(t: Translator, draft: dict[str, Any], times: list[datetime]) -> str:
    """ "J'ai compris : 2 créneaux de 1 h, mardi 1er décembre, 14:00 et 15:00." """
    named = [t.time(at) for at in times[:MAX_TIMES]]
    if len(times) > MAX_TIMES:
        named.append("…")
    listed = (
        named[0]
        if len(named) == 1
        else (
            t("mentoring.preview.separator").join(named[:-1])
            + t("mentoring.preview.and")
            + named[-1]
        )
    )
    return t(
        "mentoring.preview.understood",
        count=len(times),
        length=length_label(int(draft["minutes"]), t),
        day=t.date(date.fromisoformat(draft["day"])),
        times=listed,
    )


def preview_text(t: Translator, draft: dict[str, Any], times: list[datetime], place: str) -> str:
    """What was understood, where, how often, for how many; then the question."""
    lines = [understood(t, draft, times), t("mentoring.preview.place", place=place)]
    if draft.get("recurring"):
        lines.append(t("mentoring.preview.weekly", count=int(draft.get("weeks") or 8)))
    if int(draft.get("seats") or 1) > 1:
        lines.append(t("mentoring.availability.seats", count=int(draft["seats"])))
    lines.append(t("mentoring.preview.question", count=len(times)))
    return "\n".join(lines)


async def show_preview(update: Update, context: ProxiContext, draft: dict[str, Any]) -> None:
    """The preview with [Enregistrer] [Changer la durée] (the draft stays in user_data)."""
    t = context.t
    times = starts(draft, context)
    text = preview_text(t, draft, times, await _place(context, update, draft))
    keyboard = InlineKeyboardMarkup(
        [
            [
                buttons.SLOT_SAVE.button(t("mentoring.preview.button_save")),
                buttons.SLOT_DURATION.button(t("mentoring.preview.button_duration")),
            ]
        ]
    )
    await show(update, text, keyboard)


async def save_pressed(update: Update, context: ProxiContext) -> None:
    """[Enregistrer] (av:ok): create what the preview said."""
    query = update.callback_query
    assert query is not None
    draft = draft_of(context)
    if not draft or not draft.get("preview"):
        await safe_answer(query, context.t("mentoring.availability.stale"), show_alert=True)
        return
    await safe_answer(query)
    await create(update, context, draft)


async def duration_pressed(update: Update, context: ProxiContext) -> None:
    """[Changer la durée] (av:du): the lengths that fit in the range."""
    query = update.callback_query
    assert query is not None
    draft = draft_of(context)
    if not draft or not draft.get("preview"):
        await safe_answer(query, context.t("mentoring.availability.stale"), show_alert=True)
        return
    await safe_answer(query)
    t = context.t
    day = date.fromisoformat(draft["day"])
    span = datetime.combine(day, hhmm(draft["end"])) - datetime.combine(day, hhmm(draft["start"]))
    choices = [
        buttons.SLOT_DURATION_SET.button(length_label(m, t), m)
        for m in DURATIONS
        if m * 60 <= span.total_seconds()
    ]
    await show(update, t("mentoring.preview.ask_duration"), InlineKeyboardMarkup([choices]))


async def duration_chosen(update: Update, context: ProxiContext) -> None:
    """A length (av:dm:<minutes>): the preview again, cut anew."""
    query = update.callback_query
    assert query is not None
    draft = draft_of(context)
    minutes = buttons.SLOT_DURATION_SET.value(query.data)
    if not draft or not draft.get("preview") or minutes not in DURATIONS:
        await safe_answer(query, context.t("mentoring.availability.stale"), show_alert=True)
        return
    await safe_answer(query)
    draft["minutes"] = minutes
    await show_preview(update, context, draft)


def handlers() -> list[BaseHandler[Update, ProxiContext, Any]]:
    """[Enregistrer], [Changer la durée] and its lengths."""
    return [
        CallbackQueryHandler(save_pressed, pattern=buttons.SLOT_SAVE.pattern),
        CallbackQueryHandler(duration_pressed, pattern=buttons.SLOT_DURATION.pattern),
        CallbackQueryHandler(duration_chosen, pattern=buttons.SLOT_DURATION_SET.pattern),
    ]
