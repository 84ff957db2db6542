"""Small helpers shared by handlers: running services off the event loop, safe edits."""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable
from datetime import timedelta
from typing import Any, ParamSpec, TypeVar

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update, User
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import BaseHandler
from telegram.warnings import PTBDeprecationWarning

from bot.context import ProxiContext
from bot.errors import DomainError
from bot.i18n import Translator
from bot.observability.logs import user_ref
from bot.users import mark_inactive

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")
# What each handler module's `handlers()` returns, registered in order by bot.application.
Handlers = list[BaseHandler[Update, ProxiContext, Any]]


async def call_service(func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a synchronous domain service in a worker thread so the event loop stays free
    (a blocked loop makes APScheduler skip jobs)."""
    return await asyncio.to_thread(func, *args, **kwargs)


# Telegram's limit is 4,096 characters once the HTML is parsed; the raw HTML a list is
# measured in is never shorter, and this leaves room for a line added after the list.
LIST_LIMIT = 3800


def fit_lines(lines: list[str], t: Translator, *, limit: int = LIST_LIMIT) -> tuple[str, int]:
    """Whole lines up to the limit, then "… N de plus" (cutting inside a line could break its
    HTML); returns the text and how many of `lines` it shows."""
    size = 0
    for number, line in enumerate(lines):
        size += len(line) + 1
        if size > limit:
            return "\n".join([*lines[:number], t("list.more", count=len(lines) - number)]), number
    return "\n".join(lines), len(lines)


# Telegram's answers when a button's message cannot be edited: it was deleted, or it has no
# text (a map pin, a document).
_CANNOT_EDIT = ("message to edit not found", "there is no text in the message to edit")
# answerCallbackQuery once the query expired (about 15 s) or was already answered.
_QUERY_GONE = "query is too old"


async def safe_answer(
    query: CallbackQuery, text: str | None = None, *, show_alert: bool = False
) -> None:
    """Answer a button; an expired query only loses its spinner or toast, never the work
    behind it, so Telegram refusing the answer is logged and ignored."""
    try:
        await query.answer(text, show_alert=show_alert)
    except BadRequest as exc:
        if _QUERY_GONE not in str(exc).lower():
            raise
        logger.info("button %r answered too late: %s", query.data, exc)


def chat_of(query: CallbackQuery) -> int:
    """The chat a button was pressed in (its message may be gone: then the presser's own)."""
    return query.message.chat.id if query.message is not None else query.from_user.id


async def reply(
    query: CallbackQuery, text: str, *, reply_markup: InlineKeyboardMarkup | None = None
) -> None:
    """A new message in the button's chat, whether or not its message is still there."""
    await query.get_bot().send_message(chat_of(query), text, reply_markup=reply_markup)


async def edit_or_ignore(
    query: CallbackQuery, text: str, *, reply_markup: InlineKeyboardMarkup | None = None
) -> None:
    """Edit the message behind a button; a double tap ("message is not modified") is ignored,
    and a message that is gone or has no text (a map pin) gets a fresh message instead."""
    if not isinstance(query.message, Message):  # inaccessible: too old, or deleted
        await reply(query, text, reply_markup=reply_markup)
        return
    try:
        await query.edit_message_text(text, reply_markup=reply_markup)
    except BadRequest as exc:
        reason = str(exc).lower()
        if any(cannot in reason for cannot in _CANNOT_EDIT):
            logger.info("button %r: message not editable (%s), sent anew", query.data, exc)
            await reply(query, text, reply_markup=reply_markup)
        elif "not modified" not in reason:
            raise
        else:
            logger.debug("ignored a double tap: %s", exc)


async def send_to(
    context: ProxiContext,
    chat_id: int,
    text: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
    silent: bool = False,
) -> bool:
    """Send to someone other than the current user; a blocked bot marks them inactive.
    False when it did not go out."""
    try:
        await context.bot.send_message(
            chat_id, text, reply_markup=reply_markup, disable_notification=silent
        )
    except Forbidden:
        await call_service(mark_inactive, context.services.engine, user_id=chat_id)
        return False
    except TelegramError as exc:
        logger.warning("could not send to %s: %s", user_ref(chat_id), exc)
        return False
    return True


def retry_delay(exc: RetryAfter) -> timedelta:
    """How long Telegram's flood control asks to wait."""
    with warnings.catch_warnings():  # an int today, a timedelta with PTB_TIMEDELTA=true
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value if isinstance(value, timedelta) else timedelta(seconds=value)


def refusal_text(t: Translator, exc: DomainError) -> str:
    """The friendly text of an expected domain failure, in the reader's language."""
    refusal = exc.refusal()
    texts = {name: t(key) for name, key in refusal.texts.items()}
    return t(refusal.key, **refusal.values, **texts)


async def refuse(query: CallbackQuery, t: Translator, exc: DomainError) -> None:
    """Answer a button whose action the domain refused, as an alert."""
    logger.info("button %r refused: %r", query.data, exc)  # whose: the update context
    await safe_answer(query, refusal_text(t, exc), show_alert=True)


def pressed(update: Update) -> tuple[CallbackQuery, User] | None:
    """The button pressed and who pressed it (None for anything else)."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return None
    return query, user


async def act(
    query: CallbackQuery,
    context: ProxiContext,
    service: Callable[..., R],
    *,
    timed: bool = True,
    **kwargs: Any,
) -> R | None:
    """A button's one service call, given the engine (and `now` when `timed`): a domain
    refusal is answered as an alert (None is returned), otherwise the button is answered and
    the result given."""
    services = context.services
    if timed:
        kwargs["now"] = services.clock.now()
    try:
        result = await call_service(service, services.engine, **kwargs)
    except DomainError as exc:
        await refuse(query, context.t, exc)
        return None
    await safe_answer(query)
    return result
