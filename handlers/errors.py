"""The single error handler: log with the traceback, tell the user politely."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError

from bot.context import ProxiContext
from bot.users import mark_inactive
from handlers.common import call_service
from handlers.retrying import delivery_failure

logger = logging.getLogger(__name__)


async def on_error(update: object, context: ProxiContext) -> None:
    """Log the exception; answer the user in their language without leaking internals."""
    if delivery_failure(context.error):
        # Telegram could not be reached in time (handlers/retrying.py already retried what was
        # safe). A timed-out answer most likely arrived, and one that did not would not get
        # through either: saying "something went wrong" would be false or lost.
        logger.warning("an answer may not have been delivered: %r", context.error)
        return
    logger.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if isinstance(context.error, Forbidden):
        # The user blocked the bot: nothing can reach them; stop trying until they write.
        if update.effective_user is not None:
            await call_service(
                mark_inactive, context.services.engine, user_id=update.effective_user.id
            )
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()  # or the button keeps spinning
    except TelegramError:
        pass  # already answered before the error
    try:
        await context.bot.send_message(update.effective_chat.id, context.t("error.generic"))
    except TelegramError:
        logger.warning("could not tell the user about the error", exc_info=True)
