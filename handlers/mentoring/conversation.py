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
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import ProxiContext
from handlers import buttons, search
from handlers.mentoring import adding, availability, booking, typing
from handlers.mentoring.state import AWAIT, DRAFT, awaited, waiting

logger = logging.getLogger(__name__)

TIMEOUT = 15 * 60  # seconds: an unanswered question is forgotten after this

Reader = Callable[[Update, ProxiContext], Awaitable[int]]
READERS: dict[str, Reader] = {
    "availability": typing.availability_typed,
    "link": typing.link_typed,
    "place": typing.place_typed,
    "topic": booking.topic_typed,
    "message": booking.message_typed,
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


def handlers() -> list[BaseHandler[Update, ProxiContext, Any]]:
    """The mentoring conversation, registered before the search's text handler."""
    return [conversation()]


def conversation() -> ConversationHandler[ProxiContext]:
    """The mentoring conversation (tracked per user: the answer is a message, not a press)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="If 'per_message=False'")
        return ConversationHandler(
            entry_points=[
                CommandHandler(
                    ["disponibilites", "availability"], availability.availability_command
                ),
                CommandHandler(["mentorat", "mentoring"], booking.mentoring_command),
                CallbackQueryHandler(adding.add_pressed, pattern=buttons.SLOT_ADD.pattern),
                # The slot list asks for a slot: [Mes créneaux], [Mes disponibilités], pages.
                CallbackQueryHandler(
                    availability.list_pressed, pattern=buttons.SLOTS_LIST.pattern
                ),
                CallbackQueryHandler(adding.online_pressed, pattern=buttons.SLOT_ONLINE.pattern),
                CallbackQueryHandler(
                    adding.other_place_pressed, pattern=buttons.SLOT_OTHER_PLACE.pattern
                ),
                CallbackQueryHandler(booking.slot_picked, pattern=buttons.MENTOR_SLOT.pattern),
            ],
            states={
                AWAIT: [
                    CommandHandler(["annuler", "cancel"], stop),
                    MessageHandler(filters.TEXT & ~filters.COMMAND, text_received),
                    CallbackQueryHandler(
                        booking.skip_pressed, pattern=buttons.MENTOR_SKIP.pattern
                    ),
                ]
            },
            fallbacks=[CommandHandler(["annuler", "cancel"], stop)],
            name="mentoring",
            persistent=True,  # a restart continues the conversation (handlers/persistence.py)
            conversation_timeout=TIMEOUT,
            allow_reentry=True,
        )
