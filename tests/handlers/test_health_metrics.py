"""/healthz, /readyz and /metrics of the running bot, and its one log line per update."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from telegram.error import Forbidden

from bot.application import post_shutdown
from bot.db import head_revision, make_engine
from bot.i18n import translator
from bot.observability.logs import JsonFormatter, hash_user

FR = translator("fr")
SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
SUPER_ADMIN = 1000
# Nothing listens on port 1: the database "server" refuses at once.
UNREACHABLE = "postgresql+psycopg://proxi:proxi@127.0.0.1:1/proxi"


@pytest.fixture
def settings(settings):
    """The health server on, on any free port of this machine."""
    return settings.model_copy(update={"health_port": 0})


@pytest.fixture
async def health(app):
    """The started bot's health server address; stopped like at shutdown."""
    server = app.bot_data["services"].health_server
    assert server is not None, "post_init starts the server when HEALTH_PORT is set"
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
        yield client
    await post_shutdown(app)


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in a Prometheus text page (None when absent)."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return float(found.value)
    return None


async def test_healthz_answers_while_the_process_runs(health) -> None:
    answer = await health.get("/healthz")
    assert (answer.status_code, answer.text) == (200, "ok\n")
    assert (await health.get("/nothing")).status_code == 404


async def test_readyz_reports_every_check(health, chat) -> None:
    await chat.send(chat.user(), "/start")  # at least one Bot API call went through
    answer = await health.get("/readyz")
    assert answer.status_code == 200
    report = answer.json()
    assert report["ready"] is True
    assert report["problems"] == []
    assert report["database"] == "reachable"
    assert report["schema"] == {"current": head_revision(), "head": head_revision()}
    assert report["role"] == "active"
    assert report["jobqueue_running"] is True
    assert 0 <= report["seconds_since_bot_api_ok"] < 60


async def test_readyz_is_503_with_the_reason_when_the_database_is_down(app, health) -> None:
    server = app.bot_data["services"].health_server
    server.state.engine = make_engine(UNREACHABLE)
    answer = await health.get("/readyz")
    assert answer.status_code == 503
    report = answer.json()
    assert report["ready"] is False
    assert report["database"].startswith("unreachable: OperationalError")
    assert "database unreachable" in report["problems"]
    # The process itself is alive, and /metrics still answers (without reminder figures).
    assert (await health.get("/healthz")).status_code == 200
    assert (await health.get("/metrics")).status_code == 200


async def test_a_standby_process_says_so(app, health) -> None:
    app.bot_data["services"].metrics.role = lambda: "standby"  # what leadership plugs in
    report = (await health.get("/readyz")).json()
    assert report["role"] == "standby"
    page = (await health.get("/metrics")).text
    assert sample(page, "proxi_role", role="standby") == 1.0
    assert sample(page, "proxi_role", role="active") == 0.0


async def test_metrics_count_updates_calls_reminders_and_imports(health, chat) -> None:
    anne = chat.user()
    await chat.send(anne, "/start")
    await chat.send(anne, "une formation excel près de Ploërmel")
    admin = chat.user(SUPER_ADMIN, "Admin")
    await chat.do(admin, "upload_document", (SAMPLE / "spaces.csv").read_bytes(), "spaces.csv")
    await chat.press(admin, label=FR("admin.button_import"))

    answer = await health.get("/metrics")
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    page = answer.text
    assert sample(page, "proxi_updates_processed_total", kind="command", outcome="ok") == 1
    # The search and the uploaded document.
    assert sample(page, "proxi_updates_processed_total", kind="message", outcome="ok") == 2
    assert sample(page, "proxi_updates_processed_total", kind="callback_query", outcome="ok") == 1
    handlers = set(re.findall(r'proxi_handler_latency_seconds_count\{handler="([^"]+)"', page))
    assert {"start.start", "importer.import_answered"} <= handlers
    assert sample(page, "proxi_bot_api_calls_total", method="sendMessage", result="ok") >= 3
    assert sample(page, "proxi_import_runs_total", stage="preview", outcome="ok") == 1
    assert sample(page, "proxi_import_runs_total", stage="apply", outcome="applied") == 1
    assert sample(page, "proxi_import_duration_seconds_count", stage="apply") == 1
    for status in ("pending", "sent", "expired", "failed"):
        assert sample(page, "proxi_reminders", status=status) == 0
    assert sample(page, "proxi_role", role="active") == 1.0


@pytest.mark.expect_api_errors(502)  # injected server errors, retried
async def test_retried_bot_api_calls_are_counted(health, chat) -> None:
    chat.sandbox.inject_fault("sendMessage", "server_error", times=2, status=502)
    [answer] = await chat.send(chat.user(), "/start")
    assert answer.text
    page = (await health.get("/metrics")).text
    assert sample(page, "proxi_bot_api_retries_total", method="sendMessage") == 2


@pytest.mark.expect_api_errors(403)  # the person blocked the bot
@pytest.mark.expect_error_handler(raises=Forbidden)
async def test_an_update_whose_answer_fails_counts_as_an_error(health, chat) -> None:
    chat.sandbox.inject_fault("sendMessage", "forbidden")
    await chat.send(chat.user(), "/start")
    page = (await health.get("/metrics")).text
    assert sample(page, "proxi_updates_processed_total", kind="command", outcome="error") == 1
    assert sample(page, "proxi_handler_errors_total", error="Forbidden") == 1
    assert sample(page, "proxi_bot_api_calls_total", method="sendMessage", result="error") == 1


async def test_one_log_line_per_update_with_the_user_hashed_and_no_text(chat, caplog) -> None:
    anne = chat.user(4242, "Anne")
    secret = "formation excel près de Ploërmel pour ma fille Zoé"
    with caplog.at_level(logging.DEBUG):
        await chat.send(anne, secret)
    info = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert not [r for r in info if "Zoé" in r.getMessage() or "excel" in r.getMessage()]
    [line] = [r for r in caplog.records if r.name == "handlers.observing"]
    digest = hash_user(4242, "123456:SANDBOX-TOKEN")
    assert re.fullmatch(
        rf"update \d+ message from {digest}: search\.\w+, [\d.]+ ms, ok", line.getMessage()
    )
    assert "4242" not in line.getMessage()
    entry = json.loads(JsonFormatter().format(line))
    assert entry["level"] == "INFO"
    assert entry["logger"] == "handlers.observing"
    assert (entry["kind"], entry["user"], entry["outcome"]) == ("message", digest, "ok")
    assert entry["handler"].startswith("search.")
    assert isinstance(entry["update_id"], int)
    assert entry["latency_ms"] >= 0


async def test_a_busy_health_port_is_logged_and_the_bot_serves_anyway(
    application, chat, caplog, error_watch
) -> None:
    import socket

    from bot.application import post_init

    services = application.bot_data["services"]
    taken = services.health_server.port  # the fixture's post_init started one
    await post_shutdown(application)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        busy = holder.getsockname()[1]
        services.settings = services.settings.model_copy(update={"health_port": busy})
        with caplog.at_level(logging.ERROR):
            await post_init(application)  # as at a start
        error_watch.accept_startup_menus()
    assert taken != busy
    assert services.health_server is None
    assert f"no health server: HEALTH_HOST:HEALTH_PORT 127.0.0.1:{busy} cannot be used" in (
        caplog.text
    )
    [answer] = await chat.send(chat.user(), "/start")
    assert answer.text


async def test_the_server_refuses_what_it_does_not_serve(app, health) -> None:
    import asyncio

    port = app.bot_data["services"].health_server.port

    async def raw(request: bytes) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        await writer.drain()
        answer = await reader.read()
        writer.close()
        return answer

    assert (await raw(b"POST /healthz HTTP/1.1\r\n\r\n")).startswith(b"HTTP/1.1 405 ")
    assert (await raw(b"nonsense\r\n\r\n")).startswith(b"HTTP/1.1 400 ")
    assert (await raw(b"GET /readyz?verbose=1 HTTP/1.1\r\nHost: x\r\n\r\n")).startswith(
        b"HTTP/1.1 200 "
    )
