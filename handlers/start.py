"""/start (with deep-link payloads), /help and the main menu buttons."""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import ProxiContext
from bot.roles import INVITE_PREFIX
from handlers import admin, buttons, sessions
from handlers.common import Handlers, reply, safe_answer

logger = logging.getLogger(__name__)


def main_menu(context: ProxiContext) -> InlineKeyboardMarkup:
    """The main actions, as buttons with text labels."""
    t = context.t
    return InlineKeyboardMarkup(
        [
            [buttons.MENU.button(t("start.button_search"), "search")],
            [buttons.COMPANY_START.button(t("companies.button_menu"))],
            [
                buttons.MENU.button(t("start.button_help"), "help"),
                buttons.MENU.button(t("start.button_language"), "lang"),
            ],
        ]
    )


async def start(update: Update, context: ProxiContext) -> None:
    """Welcome the user; a deep-link payload (t.me/bot?start=...) leads to its target."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    payload = context.args[0] if context.args else ""
    if payload:
        if await _follow(update, context, payload):
            return
        # A link that leads nowhere (unknown, mistyped, used, expired, a session gone): the
        # same friendly answer whatever the payload, then the menu.
        await message.reply_text(context.t("start.bad_link"))
    await message.reply_text(
        context.t("start.welcome", name=html.escape(user.first_name)),
        reply_markup=main_menu(context),
    )


async def _follow(update: Update, context: ProxiContext, payload: str) -> bool:
    """Open what a deep link points to; False when it points to nothing."""
    if payload.startswith(INVITE_PREFIX):
        return await admin.redeem(update, context, payload.removeprefix(INVITE_PREFIX))
    if payload.startswith(sessions.SESSION_LINK_PREFIX):
        return await sessions.open_card_from_link(
            update, context, payload.removeprefix(sessions.SESSION_LINK_PREFIX)
        )
    return False


async def help_command(update: Update, context: ProxiContext) -> None:
    """Explain what the bot can do (and, to admins, what they can do more)."""
    if update.effective_message is None or update.effective_user is None:
        return
    text = context.t("help.text")
    if (await admin.current_roles(update, context)).is_admin:
        text += "\n\n" + context.t("help.admin")
    await update.effective_message.reply_text(text)


async def menu_button(update: Update, context: ProxiContext) -> None:
    """Answer the main menu's buttons."""
    query = update.callback_query
    if query is None:
        return
    await safe_answer(query)
    from handlers.account import language_keyboard  # the language menu lives with /langue

    choice = buttons.MENU.value(query.data)
    # A new message each time, even when the menu itself is gone.
    if choice == "help":
        await reply(query, context.t("help.text"))
    elif choice == "lang":
        await reply(query, context.t("language.choose"), reply_markup=language_keyboard(context))
    else:
        await reply(query, context.t("start.search_prompt"))


def handlers() -> Handlers:
    """/start, /help and the main menu."""
    return [
        CommandHandler("start", start),
        CommandHandler(["help", "aide"], help_command),
        CallbackQueryHandler(menu_button, pattern=buttons.MENU.pattern),
    ]
