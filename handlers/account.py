"""The user's own account: /langue, /privacy, /forget."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import ProxiContext
from bot.i18n import LANGUAGES
from bot.users import forget_user, set_language
from handlers import buttons, menu
from handlers.admin import current_roles
from handlers.common import Handlers, call_service, edit_or_ignore, pressed, safe_answer
from handlers.enrolment import after_cancel
from handlers.mentoring.appointments import tell_tutor_of_cancellation

logger = logging.getLogger(__name__)


def language_keyboard(context: ProxiContext) -> InlineKeyboardMarkup:
    """One button per language the bot speaks."""
    t = context.t
    return InlineKeyboardMarkup(
        [
            [
                buttons.LANGUAGE.button(t("language.french"), "fr"),
                buttons.LANGUAGE.button(t("language.english"), "en"),
            ]
        ]
    )


async def language_command(update: Update, context: ProxiContext) -> None:
    """Offer the languages."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(
            context.t("language.choose"), reply_markup=language_keyboard(context)
        )


async def language_chosen(update: Update, context: ProxiContext) -> None:
    """Store the chosen language and confirm in it."""
    query = update.callback_query
    if query is None or query.data is None or update.effective_user is None:
        return
    language = buttons.LANGUAGE.value(query.data)
    if language not in LANGUAGES:
        await safe_answer(query, context.t("fallback.stale_button"), show_alert=True)
        return
    await safe_answer(query)
    await call_service(
        set_language, context.services.engine, user_id=update.effective_user.id, language=language
    )
    if context.user_data is not None:
        context.user_data["language"] = language
    await edit_or_ignore(query, context.t("language.changed"))
    roles = await current_roles(update, context)
    if roles.names:  # tutors and admins have a menu of their own, in their language
        await menu.publish_chat_menu(context.bot, update.effective_user.id, language, roles.names)


async def privacy(update: Update, context: ProxiContext) -> None:
    """Say what is stored, why, and for how long."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(context.t("privacy.text"))


async def forget_command(update: Update, context: ProxiContext) -> None:
    """Ask for confirmation before deleting the user's data."""
    if update.effective_message is None:
        return
    t = context.t
    keyboard = InlineKeyboardMarkup(
        [
            [
                buttons.FORGET.button(t("forget.button_yes"), "yes"),
                buttons.FORGET.button(t("forget.button_no"), "no"),
            ]
        ]
    )
    await update.effective_message.reply_text(t("forget.confirm"), reply_markup=keyboard)


async def forget_answer(update: Update, context: ProxiContext) -> None:
    """Delete everything on "yes" (only the presser's own data), keep it on "no"."""
    if (found := pressed(update)) is None:
        return
    query, user = found
    await safe_answer(query)
    if buttons.FORGET.value(query.data) != "yes":
        await edit_or_ignore(query, context.t("forget.kept"))
        return
    text = context.t("forget.done")  # rendered before the language preference disappears
    services = context.services
    outcomes = await call_service(
        forget_user, services.engine, user_id=user.id, now=services.clock.now()
    )
    if context.user_data is not None:
        context.user_data.clear()
    await edit_or_ignore(query, text)
    if outcomes is None:
        return
    for outcome in outcomes.enrolments:
        # Seats given back go to the next learners waiting, as with any cancellation.
        await after_cancel(context, outcome, user.id, notify_admins=False)
    for cancelled in outcomes.appointments:
        await tell_tutor_of_cancellation(context, cancelled)


def handlers() -> Handlers:
    """/langue, /privacy, /forget and their buttons."""
    return [
        CommandHandler(["langue", "language"], language_command),
        CommandHandler(["privacy", "confidentialite"], privacy),
        CommandHandler(["forget", "oublier"], forget_command),
        CallbackQueryHandler(language_chosen, pattern=buttons.LANGUAGE.pattern),
        CallbackQueryHandler(forget_answer, pattern=buttons.FORGET.pattern),
    ]
