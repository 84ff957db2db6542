"""Fixtures for the Bot API sandbox tests: a running sandbox, raw HTTP access, a PTB app."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from telegram.ext import Application, ApplicationBuilder

from bot.sandbox import BotApiSandbox
from tests.sandbox.sandbox_helpers import RawApi

logger = logging.getLogger(__name__)


@pytest.fixture
def api(sandbox: BotApiSandbox) -> Iterator[RawApi]:
    with httpx.Client(timeout=5, trust_env=False) as client:
        yield RawApi(sandbox, client)


@pytest.fixture
async def app(sandbox: BotApiSandbox) -> AsyncIterator[Application]:
    """A real PTB Application pointed at the sandbox (initialized; shut down afterwards)."""
    application = (
        ApplicationBuilder()
        .token(sandbox.token)
        .base_url(sandbox.base_url)
        .base_file_url(sandbox.base_file_url)
        .build()
    )
    await application.initialize()
    try:
        yield application
    finally:
        if application.updater and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
