"""Helpers shared by the sandbox tests (kept out of conftest so tests can import them)."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from bot.sandbox import BotApiSandbox

logger = logging.getLogger(__name__)


class RawApi:
    """Calls the sandbox over plain HTTP, the way any Bot API client would."""

    def __init__(self, sandbox: BotApiSandbox, client: httpx.Client) -> None:
        self.sandbox = sandbox
        self.client = client

    def call(self, method: str, token: str | None = None, **params: Any) -> httpx.Response:
        url = f"{self.sandbox.base_url}{token or self.sandbox.token}/{method}"
        return self.client.post(url, data={k: str(v) for k, v in params.items()})

    def ok(self, method: str, **params: Any) -> Any:
        response = self.call(method, **params)
        body = response.json()
        assert response.status_code == 200, body
        assert body["ok"] is True
        return body["result"]

    def error(self, method: str, status: int, **params: Any) -> dict[str, Any]:
        response = self.call(method, **params)
        body = response.json()
        assert response.status_code == status, body
        assert body["ok"] is False
        assert body["error_code"] == status
        return body
