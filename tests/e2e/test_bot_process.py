"""The bot as a process: polling and webhook, a short conversation, a clean stop."""

import os
import subprocess
import sys

import httpx

from bot.config import PROJECT_ROOT
from bot.i18n import translator
from tests.e2e.conftest import SETTING_NAMES, free_port, wait_listening

FR = translator("fr")
WAIT = 30.0  # generous: a cold interpreter start on a busy CI machine


def _bot_texts(sandbox, chat_id):
    return [entry.plain for entry in sandbox.bot_messages(chat_id)]


def test_polling_conversation_and_clean_stop(sandbox, start_bot) -> None:
    bot = start_bot()
    anne = sandbox.user(42, "Anne")
    sandbox.send_text(anne, "/start")
    assert sandbox.wait_for(lambda: len(sandbox.bot_messages(42)) >= 1, WAIT), bot.output()
    sandbox.send_text(anne, "/help")
    assert sandbox.wait_for(lambda: len(sandbox.bot_messages(42)) >= 2, WAIT), bot.output()
    texts = _bot_texts(sandbox, 42)
    assert texts[0].startswith("Bonjour Anne !")
    assert texts[1].startswith("Ce que je sais faire")
    assert bot.stop() == 0
    assert "Traceback" not in bot.output()


def test_webhook_mode_refuses_requests_without_the_secret(sandbox, start_bot) -> None:
    port = free_port()
    # Telegram only calls HTTPS on 443, 80, 88 or 8443: the sandbox plays the reverse proxy.
    sandbox.route_webhook("https://proxi.example:8443", f"http://127.0.0.1:{port}")
    bot = start_bot(
        WEBHOOK_URL="https://proxi.example:8443/proxi-hook",
        WEBHOOK_SECRET="s3cret-token",
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
    )
    assert sandbox.wait_for(lambda: sandbox.webhook_url is not None, WAIT), bot.output()
    assert wait_listening(port, WAIT), bot.output()
    forged = httpx.post(
        f"http://127.0.0.1:{port}/proxi-hook",
        json={
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 42, "type": "private"},
                "text": "/start",
            },
        },
    )
    assert forged.status_code == 403
    anne = sandbox.user(42, "Anne")
    sandbox.send_text(anne, "/start")
    assert sandbox.wait_for(lambda: len(sandbox.bot_messages(42)) >= 1, WAIT), bot.output()
    assert _bot_texts(sandbox, 42)[0].startswith("Bonjour Anne !")
    assert bot.stop() == 0


def test_webhook_mode_refuses_to_start_without_a_secret(sandbox, start_bot) -> None:
    bot = start_bot(WEBHOOK_URL=f"http://127.0.0.1:{free_port()}/proxi-hook")
    assert bot.process.wait(WAIT) == 2
    assert "Invalid setting WEBHOOK_SECRET: required when WEBHOOK_URL is set" in bot.output()
    assert sandbox.webhook_url is None


def test_demo_prints_the_welcome_and_help_from_piped_input(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    result = subprocess.run(  # from a temp dir, so a developer's .env token is not read
        [sys.executable, "-m", "bot", "run", "--or-demo"],
        input="/start\n/help\n",
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "Proxi > Bonjour Camille !" in result.stdout
    assert "Proxi > Ce que je sais faire" in result.stdout
    assert "[1] Chercher une formation" in result.stdout
