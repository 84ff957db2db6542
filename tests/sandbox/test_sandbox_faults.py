"""Injected faults surface in PTB as the exceptions retry logic has to handle."""

from __future__ import annotations

import datetime as dtm
import itertools

import pytest
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.sandbox import BotApiSandbox, FailedCall
from tests.sandbox.sandbox_helpers import RawApi


async def test_retry_after(
    app: Application, sandbox: BotApiSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # opt in to PTB's timedelta API (no warning)
    sandbox.user(42)
    sandbox.inject_fault("sendmessage", "retry_after", retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await app.bot.send_message(42, "flood")
    assert caught.value.retry_after == dtm.timedelta(seconds=7)
    assert (await app.bot.send_message(42, "ok")).text == "ok"  # only the next call failed
    assert [e.text for e in sandbox.transcript(42)] == ["ok"]


def test_retry_after_wire_format(api: RawApi, sandbox: BotApiSandbox) -> None:
    sandbox.user(42)
    sandbox.inject_fault("sendMessage", "retry_after", retry_after=3)
    body = api.error("sendMessage", 429, chat_id=42, text="x")
    assert body["description"] == "Too Many Requests: retry after 3"
    assert body["parameters"] == {"retry_after": 3}


async def test_forbidden_fault_and_block(app: Application, sandbox: BotApiSandbox) -> None:
    sandbox.user(42)
    sandbox.inject_fault("sendMessage", "forbidden")
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await app.bot.send_message(42, "x")
    sandbox.block(42)
    for _ in range(2):
        with pytest.raises(Forbidden):
            await app.bot.send_message(42, "x")
    with pytest.raises(Forbidden):
        await app.bot.send_location(42, 1.0, 2.0)
    sandbox.unblock(42)
    await app.bot.send_message(42, "de retour")
    assert [e.text for e in sandbox.bot_messages(42)] == ["de retour"]


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors(app: Application, sandbox: BotApiSandbox, status: int) -> None:
    sandbox.user(42)
    sandbox.inject_fault("sendMessage", "server_error", status=status)
    with pytest.raises(NetworkError) as caught:
        await app.bot.send_message(42, "x")
    assert not isinstance(caught.value, TimedOut)


async def test_timeout_fault(app: Application, sandbox: BotApiSandbox) -> None:
    sandbox.user(42)
    sandbox.inject_fault("sendMessage", "timeout", delay=1.0)
    with pytest.raises(TimedOut):
        await app.bot.send_message(42, "lent", read_timeout=0.2)
    # As with the real API, the message went through even though the answer was lost.
    assert [e.text for e in sandbox.bot_messages(42)] == ["lent"]


async def test_times_and_chat_filter(app: Application, sandbox: BotApiSandbox) -> None:
    sandbox.user(1)
    sandbox.user(2)
    sandbox.inject_fault("sendMessage", "forbidden", times=2, chat_id=2)
    await app.bot.send_message(1, "ok for 1")
    for _ in range(2):
        with pytest.raises(Forbidden):
            await app.bot.send_message(2, "x")
    await app.bot.send_message(2, "ok for 2")
    sandbox.inject_fault("sendMessage", "forbidden")
    sandbox.clear_faults()
    await app.bot.send_message(2, "cleared")
    calls = sandbox.calls_for("sendMessage")
    assert [params["chat_id"] for _name, params, _at in calls] == ["1", "2", "2", "2", "2"]
    assert all(a[2] <= b[2] for a, b in itertools.pairwise(calls))


def test_invalid_fault_arguments(sandbox: BotApiSandbox) -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        sandbox.inject_fault("sendMessage", "explode")
    with pytest.raises(ValueError, match="5xx"):
        sandbox.inject_fault("sendMessage", "server_error", status=404)


def test_error_answers_are_kept_in_failed_calls(api: RawApi, sandbox: BotApiSandbox) -> None:
    sandbox.user(42)
    api.ok("sendMessage", chat_id=42, text="fine")
    api.error("sendMessage", 400, chat_id=99, text="nobody")
    api.error("noSuchMethod", 404)
    sandbox.inject_fault("sendMessage", "server_error", status=503)
    api.error("sendMessage", 503, chat_id=42, text="down")
    assert sandbox.failed_calls == [
        FailedCall("sendMessage", 400, "Bad Request: chat not found"),
        FailedCall("noSuchMethod", 404, "Not Found"),
        FailedCall("sendMessage", 503, "Service Unavailable"),
    ]
