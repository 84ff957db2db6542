"""The relayed conversation between an organisation and a company.

[Répondre] (on the request's notice, in /entreprises, or under a relayed message) opens it for
the presser: each next message is stored and passed on by the bot, an organisation's under
its name, until [Terminer] (either side, ends it for both) or /annuler (stops writing). A
Telegram reply to a relayed message (or to the notice) is passed on too, without [Répondre]. The
route being written to is `context.user_data[RELAY]`; the conversation's state is persisted
(`name="company_relay"`), so a restart continues it.
"""

from __future__ import annotations

import html
import logging
import warnings

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.companies import relay
from bot.companies.errors import CompanyError
from bot.companies.notices import CLOSED_NOTICE, MESSAGE_NOTICE
from bot.context import ProxiContext
from handlers import buttons, search
from handlers.common import act, call_service, refusal_text, reply
from handlers.companies.asking import TIMEOUT
from handlers.companies.texts import notify
from handlers.questions import COMPANY_RELAY

logger = logging.getLogger(__name__)

RELAY = COMPANY_RELAY  # dropped by any other command (handlers.questions)
WRITING = 1


async def start_writing(update: Update, context: ProxiContext) -> int:
    """[Répondre]: the presser's next messages go to the other side."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or context.user_data is None:
        return ConversationHandler.END
    route_id = buttons.COMPANY_REPLY.value(query.data)
    found = await act(
        query, context, relay.start_reply, timed=False, route_id=route_id, user_id=user.id
    )
    if found is None:  # refused: not theirs, gone or closed
        return ConversationHandler.END
    side, view = found
    context.user_data[RELAY] = route_id
    key = f"companies.reply_prompt_{side}"
    await reply(
        query,
        context.t(key, organisation=html.escape(view.organisation)),
        reply_markup=InlineKeyboardMarkup(
            [[buttons.COMPANY_END.button(context.t("companies.button_end"), route_id)]]
        ),
    )
    return WRITING


async def relay_text(update: Update, context: ProxiContext) -> int:
    """A message while writing: stored, then passed on to the other side."""
    message = update.effective_message
    route_id = (context.user_data or {}).get(RELAY)
    if message is None:
        return ConversationHandler.END
    if not isinstance(route_id, int):  # dropped by a command meanwhile: a new request
        await search.search_text(update, context)
        return ConversationHandler.END
    if not await _pass_on(update, context, route_id):
        (context.user_data or {}).pop(RELAY, None)
        return ConversationHandler.END
    return WRITING


async def relay_reply(update: Update, context: ProxiContext) -> None:
    """A Telegram reply (swipe) to a relayed message or a request's notice: passed on to its
    conversation without [Répondre]; whatever the person was writing stays as it was."""
    message = update.effective_message
    route_id = replied_route(message) if message is not None else None
    if route_id is not None:
        await _pass_on(update, context, route_id)


async def _pass_on(update: Update, context: ProxiContext, route_id: int) -> bool:
    """Store the message and send it to the other side; False when refused (told why)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    services = context.services
    try:
        posted = await call_service(
            relay.post,
            services.engine,
            route_id=route_id,
            user_id=user.id,
            text=message.text or "",
            now=services.clock.now(),
        )
    except CompanyError as exc:
        await message.reply_text(refusal_text(context.t, exc))
        return False
    for recipient in posted.recipients:
        await notify(
            context, kind=MESSAGE_NOTICE, recipient_id=recipient, subject_id=posted.message_id
        )
    await message.reply_text(context.t("companies.relayed"))
    return True


def replied_route(message: Message) -> int | None:
    """The route of the bot message this one replies to, read from its [Répondre] button."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or not replied.from_user.is_bot:
        return None
    markup = replied.reply_markup
    for row in markup.inline_keyboard if markup is not None else ():
        for button in row:
            data = button.callback_data
            if isinstance(data, str) and buttons.COMPANY_REPLY.matches(data):
                return int(buttons.COMPANY_REPLY.value(data))
    return None


class _RepliesToRelayed(filters.MessageFilter):
    def filter(self, message: Message) -> bool:
        return replied_route(message) is not None


REPLIES_TO_RELAYED = _RepliesToRelayed(name="RepliesToRelayed")


async def end(update: Update, context: ProxiContext) -> int:
    """[Terminer]: the conversation ends for both sides; the other side is told."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return ConversationHandler.END
    route_id = buttons.COMPANY_END.value(query.data)
    others = await act(query, context, relay.close, route_id=route_id, user_id=user.id)
    if others is None:
        return ConversationHandler.END
    if (context.user_data or {}).get(RELAY) == route_id:
        (context.user_data or {}).pop(RELAY, None)
    for recipient in others:
        await notify(context, kind=CLOSED_NOTICE, recipient_id=recipient, subject_id=route_id)
    await reply(query, context.t("companies.ended" if others else "companies.closed"))
    return ConversationHandler.END


async def stop(update: Update, context: ProxiContext) -> int:
    """/annuler: stop passing messages on (the conversation stays open)."""
    if context.user_data is not None:
        context.user_data.pop(RELAY, None)
    if update.effective_message is not None:
        await update.effective_message.reply_text(context.t("companies.stopped"))
    return ConversationHandler.END


def conversation() -> ConversationHandler[ProxiContext]:
    """Writing to the other side, per user (persisted)."""
    with warnings.catch_warnings():
        # Tracked per user on purpose: the messages are typed, not presses on one message.
        warnings.filterwarnings("ignore", message="If 'per_message=False'")
        return _conversation()


def _conversation() -> ConversationHandler[ProxiContext]:
    ending = buttons.COMPANY_END.pattern
    stopping = ["annuler", "cancel"]
    return ConversationHandler(
        entry_points=[
            CallbackQueryHandler(start_writing, pattern=buttons.COMPANY_REPLY.pattern),
            MessageHandler(filters.TEXT & ~filters.COMMAND & REPLIES_TO_RELAYED, relay_reply),
        ],
        states={
            WRITING: [
                CommandHandler(stopping, stop),
                CallbackQueryHandler(end, pattern=ending),
                MessageHandler(filters.TEXT & ~filters.COMMAND, relay_text),
            ]
        },
        fallbacks=[CommandHandler(stopping, stop), CallbackQueryHandler(end, pattern=ending)],
        name="company_relay",
        persistent=True,
        conversation_timeout=TIMEOUT,
        allow_reentry=True,
    )


def ending_outside() -> CallbackQueryHandler[ProxiContext, None]:
    """[Terminer] pressed by someone who was not writing."""

    async def ended(update: Update, context: ProxiContext) -> None:
        await end(update, context)

    return CallbackQueryHandler(ended, pattern=buttons.COMPANY_END.pattern)
