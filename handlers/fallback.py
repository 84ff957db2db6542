"""Answers for everything no feature handled: odd messages, unknown commands, stale buttons."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.context import ProxiContext
from handlers.common import Handlers, safe_answer

logger = logging.getLogger(__name__)

# Longer than any real request; such a text is most likely pasted by mistake.
MAX_REQUEST_LENGTH = 1000


async def unknown_command(update: Update, context: ProxiContext) -> None:
    """A command the bot does not have."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(context.t("fallback.unknown_command"))


async def edited_message(update: Update, context: ProxiContext) -> None:
    """Edits are not re-read: say so instead of acting twice."""
    if update.edited_message is not None:
        await update.edited_message.reply_text(context.t("fallback.edited"))


async def not_text(update: Update, context: ProxiContext) -> None:
    """Stickers, photos, voice notes and the like."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(context.t("fallback.media"))


async def stale_button(update: Update, context: ProxiContext) -> None:
    """A button whose data no handler knows: old, or forged."""
    query = update.callback_query
    if query is not None:
        logger.info("unknown callback data %r", query.data)  # from whom: the update context
        await safe_answer(query, context.t("fallback.stale_button"), show_alert=True)


def handlers() -> Handlers:
    """Whatever no feature took gets a short helpful answer, never silence (registered last;
    the search's text handlers sit between `commands` and `leftovers`)."""
    return [*commands(), *leftovers()]


def commands() -> Handlers:
    """Edited messages and unknown commands, before typed text is taken for a search."""
    return [
        MessageHandler(filters.UpdateType.EDITED_MESSAGE, edited_message),
        MessageHandler(filters.COMMAND, unknown_command),
    ]


def leftovers() -> Handlers:
    """Media, stickers and buttons no pattern matched (old or forged)."""
    return [
        MessageHandler(filters.ALL, not_text),
        CallbackQueryHandler(stale_button),
    ]
