"""Runs before every other handler: knows who is writing, and keeps the bot to private chats."""

from __future__ import annotations

import logging

from telegram import Chat, Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.context import ProxiContext
from bot.i18n import LANGUAGES, pick_language
from bot.language_guess import guess_language
from bot.users import adopt_guessed_language, touch_user
from handlers.common import Handlers, call_service

logger = logging.getLogger(__name__)

# Copied from the database into user_data on every update: never worth storing again
# (handlers/persistence.py leaves them out, so a person with nothing pending has no row).
REFRESHED = ("language", "home_insee")


async def track_user(update: Update, context: ProxiContext) -> None:
    """Record the user (language from Telegram at first contact) and refuse group chats."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or user.is_bot:
        return
    services = context.services
    profile = await call_service(
        touch_user,
        services.engine,
        user_id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        language=pick_language(user.language_code, services.settings.default_language),
        clock=services.clock,
    )
    language = profile.language
    guessed = _guessed(update)
    if (
        guessed
        and guessed != language
        and await call_service(
            adopt_guessed_language, services.engine, user_id=user.id, language=guessed
        )
    ):
        language = guessed
    if context.user_data is not None:
        context.user_data["language"] = language  # both in REFRESHED
        context.user_data["home_insee"] = profile.home_insee
    if chat is not None and chat.type != Chat.PRIVATE:
        await _answer_group_once(update, context)
        raise ApplicationHandlerStop


def _guessed(update: Update) -> str | None:
    """The language of a sentence the user wrote, when Telegram does not tell us theirs."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None or not message.text or message.text.startswith("/"):
        return None
    code = (user.language_code or "").split("-")[0].split("_")[0].lower()
    if code in LANGUAGES:
        return None  # Telegram's own setting is the better witness
    return guess_language(message.text)


async def _answer_group_once(update: Update, context: ProxiContext) -> None:
    """Say once per group that the bot works in private, then stay silent there."""
    if context.chat_data is None or context.chat_data.get("told_private"):
        return
    if update.effective_message is None:
        return
    context.chat_data["told_private"] = True
    await update.effective_message.reply_text(
        context.t("group.private_only", bot_username=context.bot.username)
    )


def handlers() -> Handlers:
    """Registered in its own group, before everything: sees every update."""
    return [TypeHandler(Update, track_user)]
