"""Answers for everything no feature handled: odd messages, unknown commands, stale buttons."""

from __future__ import annotations

import logging

from telegram import Update

from bot.context import ProxiContext

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
        logger.info("unknown callback data %r from %s", query.data, query.from_user.id)
        await query.answer(context.t("fallback.stale_button"), show_alert=True)
