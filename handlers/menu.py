"""The command menus Telegram shows, per language and per role (setMyCommands)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import BadRequest, RetryAfter

from bot.i18n import LANGUAGES, translator
from bot.observability.logs import user_ref
from handlers.common import retry_delay

logger = logging.getLogger(__name__)

LEARNER_COMMANDS = (
    "start",
    "mentorat",
    "mes_rdv",
    "mes_inscriptions",
    "alertes",
    "settings",
    "help",
    "langue",
    "privacy",
    "forget",
)
ADMIN_COMMANDS: tuple[str, ...] = ("inscrits", "inviter", "demande", "entreprises", "impact")
TUTOR_COMMANDS: tuple[str, ...] = ("disponibilites", "historique")
ENGLISH_ALIASES = {
    "langue": "language",
    "inviter": "invite",
    "demande": "demand",
    "mes_inscriptions": "my_enrolments",
    "inscrits": "enrolled",
    "alertes": "alerts",
    "disponibilites": "availability",
    "historique": "history",
    "mentorat": "mentoring",
    "mes_rdv": "my_appointments",
    "entreprises": "companies",
}


def commands_for(language: str, roles: Iterable[str] = ()) -> list[BotCommand]:
    """The menu of a user with these roles, in their language."""
    t = translator(language)
    names = list(LEARNER_COMMANDS)
    roles = set(roles)
    if roles & {"admin", "org_admin"}:
        names += ADMIN_COMMANDS
    if "tutor" in roles:
        names += TUTOR_COMMANDS
    # Commands with a French name are shown under their English alias (same handler).
    aliases = ENGLISH_ALIASES if language == "en" else {}
    return [BotCommand(aliases.get(name, name), t(f"commands.{name}")) for name in names]


# Flood control (429) on setMyCommands, beyond the rate limiter's own retries: waited out
# this many more times, each wait at most this long; then the menu waits for the next start
# (a menu is a convenience: the bot must start and answer whatever happens to it).
MENU_ATTEMPTS = 3
LONGEST_WAIT_SECONDS = 60.0


async def _set_commands(bot: Bot, commands: list[BotCommand], **where: Any) -> None:
    """setMyCommands, a 429 waited out a bounded number of times, never fatal."""
    for attempt in range(1, MENU_ATTEMPTS + 1):
        try:
            await bot.set_my_commands(commands, **where)
            return
        except RetryAfter as exc:
            wait = retry_delay(exc).total_seconds()
            if attempt == MENU_ATTEMPTS or wait > LONGEST_WAIT_SECONDS:
                logger.warning("command menu %s not published: %s", where, exc)
                return
            logger.info("command menu %s: flood control, retrying in %.0f s", where, wait)
            await asyncio.sleep(wait)


async def publish_default_menus(bot: Bot, default_language: str) -> None:
    """The learners' menu for everyone: one per language, the default one without a code."""
    scope = BotCommandScopeDefault()
    await _set_commands(bot, commands_for(default_language), scope=scope)
    for language in LANGUAGES:
        await _set_commands(bot, commands_for(language), scope=scope, language_code=language)


async def publish_chat_menu(bot: Bot, chat_id: int, language: str, roles: Iterable[str]) -> None:
    """Tutors and admins see their extra commands in their own chat."""
    try:
        await _set_commands(bot, commands_for(language, roles), scope=BotCommandScopeChat(chat_id))
    except BadRequest as exc:
        # An admin listed in ADMIN_IDS who never opened the bot has no chat yet.
        logger.info("no command menu for chat %s yet: %s", user_ref(chat_id), exc)
