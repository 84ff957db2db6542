"""/start (with deep-link payloads), /help and the main menu buttons."""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import ProxiContext
from bot.roles import INVITE_PREFIX
from handlers import admin, buttons, greeting, sessions
from handlers.common import Handlers, reply, safe_answer
from handlers.greeting import Rows

logger = logging.getLogger(__name__)


def main_menu(context: ProxiContext, roles: Rows | None = None) -> InlineKeyboardMarkup:
    """The main actions, as buttons with text labels: a tutor's or admin's first."""
    t = context.t
    return InlineKeyboardMarkup(
        [
            *(roles or []),
            [buttons.MENU.button(t("start.button_search"), "search")],
            [buttons.COMPANY_START.button(t("companies.button_menu"))],
            [
                buttons.MENU.button(t("start.button_help"), "help"),
                buttons.MENU.button(t("start.button_language"), "lang"),
            ],
        ]
    )


async def welcome(update: Update, context: ProxiContext, name: str) -> None:
    """Hello, what the user's roles (tutor, admin) have waiting, then the learner's intro."""
    t = context.t
    blocks, rows = await greeting.role_blocks(update, context)
    if blocks:
        blocks.append(t("greeting.learner_title") + "\n" + t("start.intro"))
        text = t("start.hello", name=html.escape(name)) + "\n\n" + "\n\n".join(blocks)
    else:
        text = t("start.hello", name=html.escape(name)) + "\n" + t("start.intro")
    if update.effective_message is not None:
        await update.effective_message.reply_text(text, reply_markup=main_menu(context, rows))


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
    await welcome(update, context, user.first_name)


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
    """Explain what the bot can do: a tutor's and an admin's actions first, with their
    buttons, then the learner's."""
    if update.effective_message is None or update.effective_user is None:
        return
    blocks, rows = await greeting.role_blocks(update, context)
    text = context.t("help.text")
    if (await admin.current_roles(update, context)).is_admin:
        text += "\n\n" + context.t("help.admin")
    await update.effective_message.reply_text(
        "\n\n".join([*blocks, text]),
        reply_markup=InlineKeyboardMarkup(rows) if rows else None,
    )


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
    elif choice == "requests":
        await greeting.show_requests(update, context)
    elif choice == "upload":
        await reply(query, context.t("greeting.upload_prompt"))
    else:
        await reply(query, context.t("start.search_prompt"))


def handlers() -> Handlers:
    """/start, /help and the main menu."""
    return [
        CommandHandler("start", start),
        CommandHandler(["help", "aide"], help_command),
        CallbackQueryHandler(menu_button, pattern=buttons.MENU.pattern),
    ]
