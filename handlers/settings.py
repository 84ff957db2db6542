"""/settings: the learner's home town (asked once, remembered, changeable) and language."""

from __future__ import annotations

import html
import logging
import warnings

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import ProxiContext
from bot.gazetteer import default_gazetteer
from bot.users import home_of, set_home
from handlers import buttons, search
from handlers.account import language_keyboard
from handlers.common import Handlers, call_service, edit_or_ignore, safe_answer
from handlers.questions import AWAITING_HOME

logger = logging.getLogger(__name__)

ASK_HOME = 1
MAX_PLACE_LENGTH = 100


async def settings_command(update: Update, context: ProxiContext) -> None:
    """Show the settings with buttons to change them."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    t = context.t
    insee = await call_service(home_of, context.services.engine, user_id=user.id)
    commune = default_gazetteer().by_insee(insee) if insee else None
    keyboard = InlineKeyboardMarkup(
        [
            [buttons.SETTINGS_HOME.button(t("settings.button_home"), "home")],
            [buttons.SETTINGS_LANGUAGE.button(t("settings.button_language"), "lang")],
        ]
    )
    await message.reply_text(
        t(
            "settings.text",
            home=html.escape(commune.label) if commune else t("settings.no_home"),
            language=t("settings.language_name"),
        ),
        reply_markup=keyboard,
    )


async def language_button(update: Update, context: ProxiContext) -> None:
    """[Changer de langue] from /settings."""
    query = update.callback_query
    if query is None:
        return
    await safe_answer(query)
    await edit_or_ignore(
        query, context.t("language.choose"), reply_markup=language_keyboard(context)
    )


async def ask_home(update: Update, context: ProxiContext) -> int:
    """Ask for the home town (from /settings, or when a search needs a place)."""
    query = update.callback_query
    if query is not None:
        await safe_answer(query)
    if context.user_data is not None:
        context.user_data[AWAITING_HOME] = True
    if update.effective_message is not None:
        await update.effective_message.reply_text(context.t("settings.ask_home"))
    return ASK_HOME


async def home_typed(update: Update, context: ProxiContext) -> int:
    """Resolve the typed town: saved, or candidates to choose from, or asked again."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return ConversationHandler.END
    if not (context.user_data or {}).get(AWAITING_HOME):
        # Another command came in between: this text is a new request, not the town.
        await search.search_text(update, context)
        return ConversationHandler.END
    text = (message.text or "").strip()[:MAX_PLACE_LENGTH]
    resolution = default_gazetteer().resolve(text)
    if resolution.commune is not None and not resolution.ambiguous:
        await _save(update, context, resolution.commune.insee)
        return ConversationHandler.END
    if resolution.candidates:
        keyboard = InlineKeyboardMarkup(
            [[buttons.HOME.button(c.label, c.insee)] for c in resolution.candidates[:8]]
        )
        await message.reply_text(context.t("settings.home_ambiguous"), reply_markup=keyboard)
        return ASK_HOME
    await message.reply_text(context.t("settings.home_unknown", text=html.escape(text)))
    return ASK_HOME


async def home_chosen(update: Update, context: ProxiContext) -> int:
    """A candidate button: save it."""
    query = update.callback_query
    if query is None or query.data is None:
        return ConversationHandler.END
    await safe_answer(query)
    insee = buttons.HOME.value(query.data)
    if default_gazetteer().by_insee(insee) is None:
        await edit_or_ignore(query, context.t("fallback.stale_button"))
        return ConversationHandler.END
    await _save(update, context, insee)
    return ConversationHandler.END


async def home_location(update: Update, context: ProxiContext) -> int:
    """A shared location while asked for the town: the nearest commune."""
    message = update.effective_message
    if message is None or message.location is None:
        return ASK_HOME
    commune = default_gazetteer().nearest(message.location.latitude, message.location.longitude)
    if commune is None:
        await message.reply_text(context.t("settings.home_unknown", text="?"))
        return ASK_HOME
    await _save(update, context, commune.insee)
    return ConversationHandler.END


async def cancel(update: Update, context: ProxiContext) -> int:
    """/annuler: leave the setting as it was."""
    if context.user_data is not None:
        context.user_data.pop(AWAITING_HOME, None)
    if update.effective_message is not None:
        await update.effective_message.reply_text(context.t("settings.home_cancelled"))
    return ConversationHandler.END


async def _save(update: Update, context: ProxiContext, insee: str) -> None:
    user = update.effective_user
    assert user is not None
    if context.user_data is not None:
        context.user_data.pop(AWAITING_HOME, None)
    await call_service(set_home, context.services.engine, user_id=user.id, insee=insee)
    if context.user_data is not None:
        context.user_data["home_insee"] = insee
        context.user_data.pop("point", None)  # the town just chosen wins over an old location
    commune = default_gazetteer().by_insee(insee)
    text = context.t("settings.home_saved", place=html.escape(commune.label if commune else insee))
    if update.callback_query is not None:
        await edit_or_ignore(update.callback_query, text)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)


def home_conversation() -> ConversationHandler[ProxiContext]:
    """Asking for the home town, from /settings' button."""
    with warnings.catch_warnings():
        # Tracked per user on purpose: the answer is a message, not a press on one message.
        warnings.filterwarnings("ignore", message="If 'per_message=False'")
        return _home_conversation()


def _home_conversation() -> ConversationHandler[ProxiContext]:
    return ConversationHandler(
        entry_points=[CallbackQueryHandler(ask_home, pattern=buttons.SETTINGS_HOME.pattern)],
        states={
            ASK_HOME: [
                CommandHandler(["annuler", "cancel"], cancel),
                MessageHandler(filters.TEXT & ~filters.COMMAND, home_typed),
                MessageHandler(filters.LOCATION, home_location),
                CallbackQueryHandler(home_chosen, pattern=buttons.HOME.pattern),
            ]
        },
        fallbacks=[CommandHandler(["annuler", "cancel"], cancel)],
        name="home",
        persistent=True,  # a restart continues the conversation (handlers/persistence.py)
        conversation_timeout=15 * 60,
        allow_reentry=True,
    )


def handlers() -> Handlers:
    """/settings; the home-town conversation comes first, as it takes the next message."""
    return [
        home_conversation(),
        CommandHandler(["settings", "reglages"], settings_command),
        CallbackQueryHandler(language_button, pattern=buttons.SETTINGS_LANGUAGE.pattern),
    ]
