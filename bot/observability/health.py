"""Health checks and the small HTTP server that answers them (off unless HEALTH_PORT is set).

- `GET /healthz`: 200 "ok" while the process runs (its event loop answers).
- `GET /readyz`: JSON of the checks below; 200 when every one passes, else 503. The time since
  the last successful Bot API call is reported, not judged: an idle bot makes no calls.
- `GET /metrics`: Prometheus text (`bot/observability/metrics.py`).

The server is `asyncio.start_server` on the bot's own event loop: no thread, no dependency.
It speaks just enough HTTP/1.1 for probes and Prometheus (one request per connection).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.db import READ_ONLY, current_revision, head_revision
from bot.observability.metrics import Metrics

logger = logging.getLogger(__name__)

READ_LIMIT = 8192  # bytes of request head read; anything longer is refused
REQUEST_TIMEOUT_S = 5
_REASONS = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 400: "Bad Request",
            503: "Service Unavailable"}  # fmt: skip


@dataclass
class HealthState:
    """What readiness looks at. The role is `metrics.role` (one source for /readyz and the
    `proxi_role` gauge: the wiring plugs the leadership's state in there); `jobs_running` reads
    the JobQueue's scheduler."""

    engine: Engine
    metrics: Metrics
    jobs_running: Callable[[], bool] = lambda: False
    head: str = field(default_factory=head_revision)


def readiness(state: HealthState) -> dict[str, Any]:
    """Every check, with `ready` true when all pass and `problems` naming those that fail."""
    report: dict[str, Any] = {
        "role": state.metrics.role(),
        "jobqueue_running": state.jobs_running(),
    }
    problems: list[str] = []
    try:
        with state.engine.execution_options(**{READ_ONLY: True}).connect() as connection:
            connection.execute(text("SELECT 1"))
        report["database"] = "reachable"
        current = current_revision(state.engine)
    except Exception as exc:  # any failure to reach it is the answer, not a crash
        report["database"] = f"unreachable: {exc.__class__.__name__}"
        problems.append("database unreachable")
        current = None
    report["schema"] = {"current": current, "head": state.head}
    if report["database"] == "reachable" and current != state.head:
        problems.append(f"schema at {current}, code needs {state.head}")
    if report["role"] not in ("active", "standby"):
        problems.append(f"unknown role {report['role']}")
    if not report["jobqueue_running"]:
        problems.append("JobQueue not running")
    report["seconds_since_bot_api_ok"] = state.metrics.seconds_since_api_ok()
    report["ready"] = not problems
    report["problems"] = problems
    return report


class HealthServer:
    """`/healthz`, `/readyz`, `/metrics` on host:port, served by the running event loop."""

    def __init__(self, state: HealthState, host: str, port: int) -> None:
        self.state = state
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]  # the real one when 0 was asked
        logger.info("health and metrics on http://%s:%d/", self.host, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), REQUEST_TIMEOUT_S)
            status, content_type, body = await self.answer(head.split(b"\r\n", 1)[0])
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            status, content_type, body = 400, "text/plain", b"bad request\n"
        writer.write(
            f"HTTP/1.1 {status} {_REASONS[status]}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        try:
            await writer.drain()
        finally:
            writer.close()

    async def answer(self, request_line: bytes) -> tuple[int, str, bytes]:
        """Status, content type and body for one request line (`GET /path HTTP/1.1`)."""
        parts = request_line.decode("latin-1").split()
        if len(parts) != 3:
            return 400, "text/plain", b"bad request\n"
        method, path = parts[0], parts[1].split("?", 1)[0]
        if method != "GET":
            return 405, "text/plain", b"only GET\n"
        if path == "/healthz":
            return 200, "text/plain", b"ok\n"
        if path == "/readyz":
            # The database checks block: off the event loop, like every service call.
            report = await asyncio.to_thread(readiness, self.state)
            body = json.dumps(report, indent=1).encode() + b"\n"
            return (200 if report["ready"] else 503), "application/json", body
        if path == "/metrics":
            body = await asyncio.to_thread(self.state.metrics.render)
            return 200, "text/plain; version=0.0.4; charset=utf-8", body
        return 404, "text/plain", b"not found\n"
