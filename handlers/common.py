"""Small helpers shared by handlers: running services off the event loop, safe edits."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from telegram import CallbackQuery, InlineKeyboardMarkup
from telegram.error import BadRequest

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


async def call_service(func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a synchronous domain service in a worker thread so the event loop stays free
    (a blocked loop makes APScheduler skip jobs)."""
    return await asyncio.to_thread(func, *args, **kwargs)


async def edit_or_ignore(
    query: CallbackQuery, text: str, *, reply_markup: InlineKeyboardMarkup | None = None
) -> None:
    """Edit the message behind a button; a double tap ("message is not modified") is ignored."""
    try:
        await query.edit_message_text(text, reply_markup=reply_markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
        logger.debug("ignored a double tap: %s", exc)
