"""Tutors add availability in one typed sentence ("mardi 14h-16h à Redon", "tous les
mardis 14h-17h, 45 min, à Redon", "jeudi 9h30-12h en ligne https://…"), and type the link of
an online slot or the name of a space when asked."""

from __future__ import annotations

import html
import logging
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.context import ProxiContext
from bot.mentoring.parsing import ParseError, match_space, parse_availability
from handlers import buttons
from handlers.mentoring.access import current_tutor, tutor_spaces
from handlers.mentoring.adding import PLACE_BUTTONS, advance, draft_of, place_keyboard
from handlers.mentoring.messages import show
from handlers.mentoring.state import AWAIT, DRAFT, waiting
from handlers.mentoring.texts import short

logger = logging.getLogger(__name__)

END = ConversationHandler.END
MAX_TYPED = 300


async def link_typed(update: Update, context: ProxiContext) -> int:
    """The https link of an online slot."""
    message = update.effective_message
    draft = draft_of(context)
    if message is None or draft is None:
        return END
    link = (message.text or "").strip()
    if not link.startswith("https://") or " " in link or len(link) > 500:
        await message.reply_text(context.t("mentoring.availability.bad_link"))
        return AWAIT
    draft.update(online_url=link, space_id=None)
    return await advance(update, context)


async def place_typed(update: Update, context: ProxiContext) -> int:
    """A space's name or town, typed when the place is asked."""
    message = update.effective_message
    draft = draft_of(context)
    if message is None or draft is None:
        return END
    return await _resolve_place(update, context, draft, (message.text or "").strip()[:100])


async def _resolve_place(
    update: Update, context: ProxiContext, draft: dict[str, Any], place: str
) -> int:
    """One matching space: taken. Several: buttons. None: said, with the usual buttons."""
    t = context.t
    tutor_id = await current_tutor(update, context)
    if tutor_id is None:
        await show(update, t("mentoring.availability.not_tutor"))
        return END
    spaces = await tutor_spaces(context, tutor_id)
    matches = match_space(place, spaces)
    if len(matches) == 1:
        draft.update(space_id=matches[0].id, online=False, online_url=None)
        return await advance(update, context)
    waiting(context, "place")
    if matches:
        rows = [
            [buttons.SLOT_SPACE.button(short(f"{m.name} ({m.city})", 50), m.id)]
            for m in matches[:PLACE_BUTTONS]
        ]
        text = t("mentoring.availability.place_ambiguous", place=html.escape(place))
        await show(update, text, InlineKeyboardMarkup(rows))
    else:
        text = t("mentoring.availability.place_unknown", place=html.escape(place))
        await show(update, text, place_keyboard(t, spaces))
    return AWAIT


async def availability_typed(update: Update, context: ProxiContext) -> int:
    """Any text while adding: the one-sentence shortcut."""
    message = update.effective_message
    if message is None:
        return END
    return await typed(update, context, (message.text or "").strip())


async def typed(update: Update, context: ProxiContext, text: str) -> int:
    """Parse "mardi 14h-16h à Redon" into a draft, then resolve the place and create."""
    t = context.t
    services = context.services
    if len(text) > MAX_TYPED:
        await show(update, t("mentoring.availability.parse.too_long"))
        return AWAIT
    try:
        request = parse_availability(text, now=services.clock.now(), tz=services.settings.tz)
    except ParseError as exc:
        waiting(context, "availability")
        await show(update, t(f"mentoring.availability.parse.{exc.reason}"))
        return AWAIT
    draft: dict[str, Any] = {
        "day": request.day.isoformat(),
        "start": f"{request.start:%H%M}",
        "end": f"{request.end:%H%M}",
        "minutes": request.appointment_minutes,
        "range": True,
        "recurring": request.recurring,
        "weeks": request.weeks,
        "seats": request.seats,
        "online": request.online,
        "online_url": request.online_url,
        "space_id": None,
        "preview": request.length_assumed,  # shown before saving (handlers/mentoring/preview)
    }
    if context.user_data is not None:
        context.user_data[DRAFT] = draft
    if request.place_text and not request.online:
        return await _resolve_place(update, context, draft, request.place_text)
    return await advance(update, context)
