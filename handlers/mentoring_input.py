"""Typed input for mentoring: one conversation holds the next message for whatever the bot
just asked (an availability phrase, a video link, a space's name, a topic, a learner's note).

Its entry points are the commands and buttons that ask for text; `context.user_data[WAIT]`
says what is awaited. Text that arrives when nothing is awaited any more (the question was
answered with a button meanwhile) goes to the search, as it would outside the conversation.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import ProxiContext
from handlers import (
    mentoring_adding,
    mentoring_availability,
    mentoring_learner,
    mentoring_typing,
    search,
)
from handlers.mentoring_common import AWAIT, DRAFT, awaited, waiting

logger = logging.getLogger(__name__)

TIMEOUT = 15 * 60  # seconds: an unanswered question is forgotten after this

Reader = Callable[[Update, ProxiContext], Awaitable[int]]
READERS: dict[str, Reader] = {
    "availability": mentoring_typing.availability_typed,
    "link": mentoring_typing.link_typed,
    "place": mentoring_typing.place_typed,
    "topic": mentoring_learner.topic_typed,
    "message": mentoring_learner.message_typed,
}


async def text_received(update: Update, context: ProxiContext) -> int:
    """The awaited text: handed to the step that asked for it."""
    reader = READERS.get(str(awaited(context).get("kind")))
    if reader is None:
        await search.search_text(update, context)
        return ConversationHandler.END
    return await reader(update, context)


async def stop(update: Update, context: ProxiContext) -> int:
    """/annuler: forget the question (and a slot being added)."""
    kind = awaited(context).get("kind")
    waiting(context, None)
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
    if update.effective_message is not None:
        key = "mentoring.learner.stopped" if kind in ("topic", "message") else None
        await update.effective_message.reply_text(
            context.t(key or "mentoring.availability.stopped")
        )
    return ConversationHandler.END


def conversation() -> ConversationHandler:
    """The mentoring conversation (tracked per user: the answer is a message, not a press)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="If 'per_message=False'")
        return ConversationHandler(
            entry_points=[
                CommandHandler(
                    ["disponibilites", "availability"], mentoring_availability.availability_command
                ),
                CommandHandler(["mentorat", "mentoring"], mentoring_learner.mentoring_command),
                CallbackQueryHandler(mentoring_adding.add_pressed, pattern=r"^av:add$"),
                CallbackQueryHandler(mentoring_adding.online_pressed, pattern=r"^av:on$"),
                CallbackQueryHandler(mentoring_adding.other_place_pressed, pattern=r"^av:op$"),
                CallbackQueryHandler(mentoring_learner.slot_picked, pattern=r"^mn:s:\d{1,9}$"),
            ],
            states={
                AWAIT: [
                    CommandHandler(["annuler", "cancel"], stop),
                    MessageHandler(filters.TEXT & ~filters.COMMAND, text_received),
                    CallbackQueryHandler(
                        mentoring_learner.skip_pressed, pattern=r"^mn:k:\d{1,9}$"
                    ),
                ]
            },
            fallbacks=[CommandHandler(["annuler", "cancel"], stop)],
            name="mentoring",
            conversation_timeout=TIMEOUT,
            allow_reentry=True,
        )
