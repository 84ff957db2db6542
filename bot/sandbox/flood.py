"""Flood control on demand: Telegram's sending limits, answered with 429 and retry_after.

Telegram's Bot FAQ: about 30 messages per second per bot, about one per second per chat
(short bursts tolerated), 20 per minute per group. Beyond that the server answers
`429 Too Many Requests: retry after N` with `parameters.retry_after` (telegram-bot-api
Query.cpp words it so). Modelled as token buckets on the sandbox clock, so tests move a
controllable clock instead of sleeping. Off by default.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from bot.sandbox.errors import ApiError

logger = logging.getLogger(__name__)

# Methods that put a message in a chat (sendChatAction is limited separately by Telegram).
_SENDING_PREFIXES = ("send", "copy", "forward")
_NOT_COUNTED = frozenset({"sendchataction"})


@dataclass
class _Bucket:
    capacity: float
    rate: float  # tokens per second
    tokens: float
    at: float

    def wait(self, now: float) -> float:
        """Seconds until one token is available (0: available now), after refilling."""
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
        self.at = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


@dataclass
class FloodLimits:
    per_bot_per_second: float = 30.0
    per_chat_per_second: float = 1.0
    per_group_per_minute: float = 20.0
    chat_burst: int = 3  # messages a private chat may receive at once before the limit bites


class FloodControl:
    """Token buckets per bot and per chat; `check` consumes one token or raises 429."""

    def __init__(self) -> None:
        self.limits: FloodLimits | None = None  # None: off
        self._buckets: dict[int | None, _Bucket] = {}

    def enable(self, limits: FloodLimits) -> None:
        self.limits = limits
        self._buckets.clear()

    def disable(self) -> None:
        self.limits = None
        self._buckets.clear()

    def _bucket(self, chat_id: int | None, now: float) -> _Bucket:
        bucket = self._buckets.get(chat_id)
        if bucket is None:
            bucket = _Bucket(*self._shape(chat_id), at=now)
            self._buckets[chat_id] = bucket
        return bucket

    def _shape(self, chat_id: int | None) -> tuple[float, float, float]:
        """(capacity, rate, initial tokens) of a bucket: the bot's, a group's or a person's."""
        limits = self.limits
        assert limits is not None
        if chat_id is None:
            rate = limits.per_bot_per_second
            return rate, rate, rate
        if chat_id < 0:
            rate = limits.per_group_per_minute / 60
            return limits.per_group_per_minute, rate, limits.per_group_per_minute
        burst = float(limits.chat_burst)
        return burst, limits.per_chat_per_second, burst

    def check(self, method: str, chat_id: str | None, now: float) -> None:
        """Count one sending call to `chat_id`; raise 429 when a limit is exceeded."""
        name = method.lower()
        if self.limits is None or name in _NOT_COUNTED or not name.startswith(_SENDING_PREFIXES):
            return
        buckets = [self._bucket(None, now)]
        if chat_id and chat_id.lstrip("-").isdigit():
            buckets.append(self._bucket(int(chat_id), now))
        wait = max(bucket.wait(now) for bucket in buckets)
        if wait > 0:
            logger.debug("sandbox flood control: %s to %s must wait %.2f s", method, chat_id, wait)
            raise too_many_requests(max(1, math.ceil(wait)))
        for bucket in buckets:
            bucket.tokens -= 1
