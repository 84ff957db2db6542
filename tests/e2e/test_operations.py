"""The bot as a process, as an operator watches it: health server and JSON logs."""

from __future__ import annotations

import json

import httpx

from bot.observability.logs import hash_user
from tests.e2e.conftest import free_port

WAIT = 30.0


def test_health_metrics_and_json_logs_of_the_running_bot(sandbox, start_bot) -> None:
    port = free_port()
    bot = start_bot(LOG_FORMAT="json", HEALTH_PORT=str(port), LOG_SALT="pepper")
    anne = sandbox.user(42, "Anne")
    sandbox.send_text(anne, "je cherche une formation excel à Ploërmel")
    assert sandbox.wait_for(lambda: len(sandbox.bot_messages(42)) >= 1, WAIT), bot.output()

    base = f"http://127.0.0.1:{port}"
    assert httpx.get(f"{base}/healthz").text == "ok\n"
    ready = httpx.get(f"{base}/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["jobqueue_running"] is True
    metrics = httpx.get(f"{base}/metrics").text
    assert 'proxi_updates_processed_total{kind="message",outcome="ok"} 1.0' in metrics
    assert 'proxi_bot_api_calls_total{method="getUpdates",result="ok"}' in metrics
    assert ready.json()["seconds_since_bot_api_ok"] < WAIT
    assert bot.stop() == 0

    lines = [line for line in bot.output().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    [update] = [e for e in entries if e["logger"] == "handlers.observing"]
    assert update["user"] == hash_user(42, "pepper")
    assert update["kind"] == "message"
    assert "excel" not in bot.output().lower()
    # A line logged while the update is processed says which update and whose, hashed.
    [new_user] = [e for e in entries if e["message"] == "new user"]
    assert (new_user["update_id"], new_user["user"]) == (update["update_id"], update["user"])
    assert '"42"' not in bot.output() and ": 42," not in bot.output()
