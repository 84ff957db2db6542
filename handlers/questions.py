"""A command changes the subject: questions the bot was waiting on an answer for are dropped.

Without this, "/mentorat → pick a slot → /start → 'excel à Redon'" would send the search
text to the tutor as the learner's note, and a town asked in /settings would swallow the
next search.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.context import ProxiContext
from handlers.common import Handlers
from handlers.mentoring.state import DRAFT, WAIT

logger = logging.getLogger(__name__)

AWAITING_HOME = "awaiting_home"
COMPANY_DRAFT = "company_draft"  # a company request being written (handlers.companies)
COMPANY_RELAY = "company_relay"  # a relayed conversation being written to
KEEP = ("/annuler", "/cancel")  # these answer the question: the conversations handle them


async def forget_questions(update: Update, context: ProxiContext) -> None:
    """Any other command: nothing typed next is taken as an answer to an older question."""
    message = update.effective_message
    if message is None or context.user_data is None:
        return
    command = (message.text or "").split(maxsplit=1)[0].split("@")[0].lower()
    if command in KEEP:
        return
    for key in (WAIT, DRAFT, AWAITING_HOME, COMPANY_DRAFT, COMPANY_RELAY):
        context.user_data.pop(key, None)


def handlers() -> Handlers:
    """Registered in its own group, before the features see the command."""
    return [MessageHandler(filters.COMMAND, forget_questions)]
