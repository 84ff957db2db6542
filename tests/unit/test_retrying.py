"""Which failed Bot API calls are retried, and only for the answer to the person writing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.updates import serving_chat
from handlers import retrying
from handlers.retrying import RetryingRateLimiter, delivery_failure, retry_delay


def _caused(error: Exception, cause: Exception) -> Exception:
    error.__cause__ = cause
    return error


SEND, EDIT = "sendMessage", "editMessageText"
REQUEST = httpx.Request("POST", "http://x")


@pytest.mark.parametrize(
    ("error", "endpoint", "retried"),
    [
        (RetryAfter(3), SEND, True),
        (NetworkError("Bad Gateway"), SEND, True),  # a 5xx answer: not done
        (_caused(TimedOut(), httpx.ConnectTimeout("c", request=REQUEST)), SEND, True),
        (_caused(TimedOut(), httpx.PoolTimeout("p", request=REQUEST)), SEND, True),
        (_caused(NetworkError("x"), httpx.ConnectError("c", request=REQUEST)), SEND, True),
        # may have been delivered: repeated only when doing it twice shows nothing twice
        (_caused(TimedOut(), httpx.ReadTimeout("r", request=REQUEST)), SEND, False),
        (_caused(TimedOut(), httpx.ReadTimeout("r", request=REQUEST)), "sendChatAction", True),
        (_caused(TimedOut(), httpx.ReadTimeout("r", request=REQUEST)), EDIT, True),
        (_caused(TimedOut(), httpx.WriteTimeout("w", request=REQUEST)), "sendVenue", False),
        (_caused(NetworkError("x"), httpx.ReadError("r", request=REQUEST)), SEND, False),
        (TimedOut(), SEND, False),
        (BadRequest("message is not modified"), EDIT, False),
        (Forbidden("bot was blocked by the user"), SEND, False),
    ],
)
def test_what_is_retried(error: Exception, endpoint: str, retried: bool) -> None:
    assert (retry_delay(error, endpoint, 0) is not None) is retried  # type: ignore[arg-type]


def test_a_429_waits_what_telegram_asks_and_backoff_is_bounded() -> None:
    assert retry_delay(RetryAfter(42), SEND, 0) == pytest.approx(42.1)
    delays = [retry_delay(NetworkError("Bad Gateway"), SEND, n) for n in range(10)]
    assert all(d is not None and 0 < d <= retrying.MAX_BACKOFF for d in delays)


def test_delivery_failures_are_the_transport_only() -> None:
    assert delivery_failure(RetryAfter(1)) and delivery_failure(TimedOut())
    assert delivery_failure(NetworkError("Bad Gateway"))
    assert not delivery_failure(BadRequest("chat not found"))
    assert not delivery_failure(Forbidden("blocked"))
    assert not delivery_failure(ValueError("a bug"))


class _Flaky:
    """A Bot API call failing with 502 `failures` times, then succeeding."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    async def __call__(self) -> dict[str, Any]:
        self.calls += 1
        if self.calls <= self.failures:
            raise NetworkError("Bad Gateway")
        return {"ok": True}


async def _call(limiter: RetryingRateLimiter, flaky: _Flaky, chat_id: int | None) -> Any:
    data = {"chat_id": chat_id} if chat_id is not None else {}
    return await limiter.process_request(flaky, (), {}, SEND, data, None)


async def test_only_the_answer_to_the_person_writing_is_retried(monkeypatch) -> None:
    monkeypatch.setattr(retrying, "FIRST_BACKOFF", 0.001)
    limiter = RetryingRateLimiter(max_retries=1)
    token = serving_chat.set(42)
    try:
        assert await _call(limiter, reply := _Flaky(3), 42) == {"ok": True}
        assert reply.calls == 4
        assert await _call(limiter, chatless := _Flaky(1), None) == {"ok": True}
        assert chatless.calls == 2
        with pytest.raises(NetworkError):  # someone else: the sender's own retries apply
            await _call(limiter, _Flaky(1), 43)
    finally:
        serving_chat.reset(token)
    with pytest.raises(NetworkError):  # outside any update (a job, start-up)
        await _call(limiter, _Flaky(1), 42)


async def test_retries_end_within_the_bound(monkeypatch) -> None:
    monkeypatch.setattr(retrying, "FIRST_BACKOFF", 0.01)
    limiter = RetryingRateLimiter(max_retries=1, retry_within=0.05)
    token = serving_chat.set(42)
    try:
        with pytest.raises(NetworkError):
            await _call(limiter, flaky := _Flaky(1000), 42)
    finally:
        serving_chat.reset(token)
    assert 1 < flaky.calls < 20
