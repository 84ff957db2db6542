"""Every person writing gets exactly one answer when Telegram answers 429, 5xx or late.

Many people write at once and their updates go through the bot's update processor
concurrently, as in production (bot/updates.py); the replies are retried by
handlers/retrying.py. Backoff is shortened so the tests do not wait; no timing is asserted.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from telegram import Update
from telegram.error import NetworkError, TimedOut

from bot.i18n import translator
from handlers import retrying

FR = translator("fr")
ASK = "une formation excel près de Ploërmel"


@pytest.fixture
async def loaded(loaded, monkeypatch):
    """The sample data, and retries quick enough for a test."""
    monkeypatch.setattr(retrying, "FIRST_BACKOFF", 0.01)
    return loaded


async def _all_write_at_once(chat: Any, people: list[Any], text: str) -> None:
    """Each person writes; their updates are processed concurrently, as when polling."""
    for person in people:
        chat.sandbox.send_text(person, text)
    application = chat.application
    processor = application.update_processor
    updates = [Update.de_json(raw, application.bot) for raw in chat.sandbox.take_updates()]
    await asyncio.gather(
        *(processor.process_update(u, application.process_update(u)) for u in updates)
    )


def _answers(chat: Any, people: list[Any]) -> list[list[str]]:
    return [[m.plain for m in chat.sandbox.bot_messages(p.id)] for p in people]


def _sends(chat: Any, person: Any) -> int:
    return sum(
        1 for _, params, _ in chat.sandbox.calls_for("sendMessage")
        if params.get("chat_id") == str(person.id)
    )  # fmt: skip


@pytest.mark.expect_api_errors(502)  # injected server errors
async def test_thirty_people_under_502s_each_get_exactly_one_answer(loaded) -> None:
    chat = loaded
    people = [chat.user(5000 + i, f"P{i}") for i in range(30)]
    # A burst every sender meets first, then some people's answers fail again, up to 3 times.
    chat.sandbox.inject_fault("sendMessage", "server_error", times=12, status=502)
    for i, person in enumerate(people[::3]):
        chat.sandbox.inject_fault(
            "sendMessage", "server_error", chat_id=person.id, times=1 + i % 3, status=502
        )
    await _all_write_at_once(chat, people, ASK)
    answers = _answers(chat, people)
    # Every 502 retried, nothing lost to the connection burst (the sandbox's listen backlog
    # once dropped some: see tests/sandbox/test_sandbox_transport.py).
    assert [len(a) for a in answers] == [1] * 30
    assert all("Excel" in a[0] for a in answers if a)
    assert FR("error.generic") not in {a[0] for a in answers if a}
    assert chat.sandbox.failed_calls, "the faults were met"


@pytest.mark.expect_api_errors(429)  # injected flood control
async def test_a_429_on_the_answer_is_waited_out_then_sent_once(loaded) -> None:
    chat = loaded
    anne = chat.user()
    chat.sandbox.inject_fault("sendMessage", "retry_after", times=3, retry_after=1)
    [answer] = await chat.send(anne, ASK)
    assert "Excel" in answer.plain
    assert _sends(chat, anne) == 4  # three refusals, then the answer


@pytest.mark.expect_api_errors(503)
@pytest.mark.expect_error_handler(raises=NetworkError)  # given up: logged, nothing said
async def test_an_answer_failing_past_the_bound_is_not_followed_by_an_error_message(
    loaded,
) -> None:
    chat = loaded
    anne = chat.user()
    chat.application.bot.rate_limiter.retry_within = 0.2
    chat.sandbox.inject_fault("sendMessage", "server_error", times=100, status=503)
    assert await chat.send(anne, ASK) == []
    chat.sandbox.clear_faults()
    assert 1 < _sends(chat, anne) < 100  # retried, then given up within the bound


@pytest.mark.expect_error_handler(raises=TimedOut)  # the late answer reaches the handler
async def test_a_send_that_timed_out_is_not_repeated_nor_called_a_failure(loaded) -> None:
    chat = loaded
    anne = chat.user()
    chat.application.bot.request._client.timeout = httpx.Timeout(5.0, read=0.3)
    # Telegram does the call but answers after the bot stopped waiting.
    chat.sandbox.inject_fault("sendMessage", "timeout", delay=1.0)
    [answer] = await chat.send(anne, ASK)
    assert "Excel" in answer.plain  # delivered once: not sent again, no "something went wrong"
    assert _sends(chat, anne) == 1


@pytest.mark.expect_api_errors("message is not modified")  # the repeated edit, ignored
async def test_an_edit_that_timed_out_is_repeated(loaded) -> None:
    chat = loaded
    anne = chat.user()
    [results] = await chat.send(anne, ASK)
    chat.application.bot.request._client.timeout = httpx.Timeout(5.0, read=0.3)
    chat.sandbox.inject_fault("editMessageText", "timeout", delay=1.0)
    await chat.press(anne, index=1, message_id=results.message_id)
    edits = chat.sandbox.calls_for("editMessageText")
    assert len(edits) == 2  # the late one, then once more ("not modified" is ignored)
    assert chat.sandbox.unanswered_callbacks(anne.id) == []
