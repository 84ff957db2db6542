"""Answers to the person writing survive Telegram's 429s, 5xx and timeouts, and go out once.

`RetryingRateLimiter` is the bot's rate limiter (PTB's `AIORateLimiter`: 30 messages/s, 20
per minute per group) with a bounded retry for the answer to the person writing: the Bot API
calls made while an update is processed (`bot.updates.serving_chat`) to that update's chat,
or to no chat (`answerCallbackQuery`, `getFile`). Other calls (messages to other people,
reminders, start-up menus) keep the limiter's own retries on 429 only: their senders have
retries of their own that survive a restart (`handlers/delivery/`, `handlers/menu.py`).

When is a failed call retried? Only when Telegram certainly did not act on it, or when acting
twice changes nothing:

- 429 `retry_after`, refused by flood control: after `retry_after`, whatever it is;
- 5xx (502 Bad Gateway...), Telegram's front did not get the call through: with backoff;
- connect or pool timeout, connection refused, the call never left: with backoff;
- read or write timeout, connection lost, the call may have been done: only if it creates
  nothing.

A read timeout on `sendMessage` is the case that matters: Telegram may well have delivered
the message and only its answer was late, and the Bot API has no way to ask whether it did
(no idempotency key, no reading of a chat's history). Retrying it would duplicate the answer,
so it is not retried: the error reaches the error handler, which logs it and does not tell the
person that something went wrong (`delivery_failure`), since the answer most likely arrived.
Calls that create something (`send*` but `sendChatAction`, `copy*`, `forward*`) are in that
case; an edit, an answer to a button, a deletion or a read may be repeated (a repeated edit is
"message is not modified", which the handlers ignore).

Backoff doubles from 0.5 s up to 8 s, with jitter, and everything ends within `RETRY_WITHIN`
seconds of the first try: a 429 asking to wait beyond that, or a failure still there then, is
raised. Each retry goes through the limiter again, so retries never exceed its rates.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import AIORateLimiter
from telegram.warnings import PTBDeprecationWarning

from bot.updates import serving_chat, serving_update

logger = logging.getLogger(__name__)

RETRY_WITHIN = 60.0  # seconds from the first try to the last
MARKED_REMEMBERED = 1_000  # update ids already marked answered, kept to write each mark once
FIRST_BACKOFF = 0.5
MAX_BACKOFF = 8.0
# Lower-cased method prefixes of the calls that create a message (not safe to repeat).
_CREATING = ("send", "copy", "forward")
_REPEATABLE = frozenset({"sendchataction"})
# httpx failures that prove the request never reached Telegram.
_NEVER_SENT = (httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ConnectError)

ApiResult = bool | dict[str, Any] | list[dict[str, Any]]
# Told of each call's end: (method, succeeded, failed attempts before the last).
CallObserver = Callable[[str, bool, int], None]


def delivery_failure(error: object) -> bool:
    """Telegram could not be reached or refused for a while (429, 5xx, timeouts, network):
    the failure is the delivery, not the work, and nothing better can be said to the user."""
    if isinstance(error, BadRequest):
        return False
    return isinstance(error, (RetryAfter, NetworkError))  # TimedOut is a NetworkError


def creates_something(endpoint: str) -> bool:
    """Whether doing the call twice would show the person something twice."""
    name = endpoint.lower()
    return name.startswith(_CREATING) and name not in _REPEATABLE


def retry_after_seconds(error: RetryAfter) -> float:
    """How long Telegram's flood control asks to wait, in seconds."""
    with warnings.catch_warnings():  # an int today, a timedelta with PTB_TIMEDELTA=true
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def backoff(attempt: int) -> float:
    """The wait before retry number `attempt + 1`: doubling, capped, jittered."""
    return min(MAX_BACKOFF, FIRST_BACKOFF * 2**attempt) * random.uniform(0.5, 1.0)


def retry_delay(error: TelegramError, endpoint: str, attempt: int) -> float | None:
    """Seconds to wait before trying `endpoint` again after `error`, or None: do not retry."""
    if isinstance(error, RetryAfter):
        return retry_after_seconds(error) + 0.1
    if isinstance(error, BadRequest) or not isinstance(error, NetworkError):
        return None  # refused for good: 400, 403, 401/404, 409, chat migrated
    cause = error.__cause__
    if cause is None and not isinstance(error, TimedOut):
        return backoff(attempt)  # Telegram answered 5xx: the call was not done
    if isinstance(cause, _NEVER_SENT):
        return backoff(attempt)
    # A read or write timeout, a connection lost: the call may have been done.
    return None if creates_something(endpoint) else backoff(attempt)


def _is_reply(data: dict[str, Any]) -> bool:
    """Whether the call answers the person whose update is being processed."""
    chat = serving_chat.get()
    if chat is None:
        return False
    target = data.get("chat_id")
    return target is None or str(target) == str(chat)


class RetryingRateLimiter(AIORateLimiter):
    """AIORateLimiter, plus a bounded retry of the answer to the person writing."""

    def __init__(
        self,
        *,
        max_retries: int,
        retry_within: float = RETRY_WITHIN,
        observer: CallObserver | None = None,
    ) -> None:
        super().__init__(max_retries=max_retries)
        self.retry_within = retry_within
        self.observer = observer
        # Told the update id once a message answering it reached Telegram (the inbox marks it
        # answered: bot/runner.py); None in tests and tools without an inbox.
        self.on_answered: Callable[[int], Coroutine[Any, Any, None]] | None = None
        self._marked: dict[int, None] = {}  # updates already marked (insertion-ordered)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, ApiResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> ApiResult:
        """Every call, counted for the metrics: its final result, and how many of its
        attempts failed before it (retries, here or by AIORateLimiter on a 429)."""
        failed = 0

        async def attempt(*a: Any, **kw: Any) -> ApiResult:
            nonlocal failed
            try:
                return await callback(*a, **kw)
            except Exception:
                failed += 1
                raise

        try:
            result = await self._process(attempt, args, kwargs, endpoint, data, rate_limit_args)
        except Exception:
            if self.observer is not None:
                self.observer(endpoint, False, max(failed - 1, 0))
            raise
        if self.observer is not None:
            self.observer(endpoint, True, failed)
        await self._answered(endpoint, data)
        return result

    async def _answered(self, endpoint: str, data: dict[str, Any]) -> None:
        """A message to the person writing went out: say so once per update, right away."""
        update_id = serving_update.get()
        if self.on_answered is None or update_id is None or update_id in self._marked:
            return
        if not (creates_something(endpoint) and _is_reply(data)):
            return
        self._marked[update_id] = None
        if len(self._marked) > MARKED_REMEMBERED:
            self._marked.pop(next(iter(self._marked)))
        try:
            await self.on_answered(update_id)
        except Exception:  # a missed mark only widens the window for a double answer
            logger.exception("could not mark update %s answered", update_id)

    async def _process(
        self,
        callback: Callable[..., Coroutine[Any, Any, ApiResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> ApiResult:
        if not _is_reply(data):
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.retry_within
        attempt = 0
        while True:
            try:
                return await self._once(callback, args, kwargs, data)
            except TelegramError as error:
                delay = retry_delay(error, endpoint, attempt)
                if delay is None or loop.time() + delay > deadline:
                    raise
                attempt += 1
                logger.info("%s failed (%s): retry %d in %.1f s", endpoint, error, attempt, delay)
                await asyncio.sleep(delay)

    async def _once(
        self,
        callback: Callable[..., Coroutine[Any, Any, ApiResult]],
        args: Any,
        kwargs: dict[str, Any],
        data: dict[str, Any],
    ) -> ApiResult:
        """One try within the limiter's rates (as AIORateLimiter.process_request does, without
        its own retries: a 429 here waits only for this call, not for every other one)."""
        chat_id = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)  # type: ignore[arg-type]  # None stays None
        group: int | str | bool = (
            chat_id if isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0)
            else False
        )  # fmt: skip
        return await self._run_request(
            chat=chat_id is not None,
            group=group,
            allow_paid_broadcast=bool(data.get("allow_paid_broadcast", False)),
            callback=callback,
            args=args,
            kwargs=kwargs,
        )
