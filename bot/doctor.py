"""`python -m bot doctor`: what is wrong with this installation, in sentences.

Checks, in order: the settings, the database (reachable, schema at the code's revision), the
token (`getMe` on the configured Bot API, or the offline sandbox without a token) and the
webhook (Telegram's view of it, with its last error). Each check gives `Finding`s; a problem
makes the command exit 1. Nothing here raises to the operator: every failure is a sentence.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.config import ConfigError, Settings
from bot.db import alembic_config, current_revision, head_revision, make_engine

logger = logging.getLogger(__name__)

TELEGRAM_API = "https://api.telegram.org/bot"
TIMEOUT_S = 10
DB_CONNECT_TIMEOUT_S = 5


@dataclass(frozen=True)
class Finding:
    """One sentence about the installation; `problem` ones make `doctor` fail."""

    text: str
    problem: bool = False
    note: bool = False

    def line(self) -> str:
        mark = "PROBLEM" if self.problem else "note" if self.note else "ok"
        return f"[{mark}] {self.text}"


def diagnose(load: Callable[[], Settings]) -> list[Finding]:
    """Every finding; the settings are loaded here so that their errors are findings too."""
    try:
        settings = load()
    except ConfigError as exc:
        return [Finding(f"The settings cannot be used: {exc}", problem=True)]
    findings = [Finding("The settings are valid.")]
    findings += check_database(settings.effective_database_url)
    findings += check_telegram(settings)
    return findings


def check_database(url: str) -> list[Finding]:
    """Reachable, and its schema at the revision this code needs."""
    where = make_url(url).render_as_string(hide_password=True)
    engine = make_engine(_with_connect_timeout(url))
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        current = current_revision(engine)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return [
            Finding(
                f"The database at {where} cannot be reached ({reason}): check DATABASE_URL "
                "and that the database server runs.",
                problem=True,
            )
        ]
    finally:
        engine.dispose()
    return [Finding(f"The database at {where} answers."), _schema_finding(current)]


def _with_connect_timeout(url: str) -> str:
    """A PostgreSQL URL that gives up connecting after a few seconds (not minutes)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql" or "connect_timeout" in parsed.query:
        return url
    timed = parsed.update_query_dict({"connect_timeout": str(DB_CONNECT_TIMEOUT_S)})
    return timed.render_as_string(hide_password=False)


def _schema_finding(current: str | None) -> Finding:
    head = head_revision()
    if current == head:
        return Finding(f"The database schema is at {head}, as the code needs.")
    if current is None:
        return Finding(
            f"The database has no schema yet, the code needs {head}: run python -m bot migrate.",
            problem=True,
        )
    known = {rev.revision for rev in _revisions()}
    if current not in known:
        return Finding(
            f"The database schema is at {current}, a revision this code does not know (a "
            f"newer version migrated it?); the code needs {head}.",
            problem=True,
        )
    return Finding(
        f"The database schema is at {current}, the code needs {head}: run python -m bot migrate.",
        problem=True,
    )


def _revisions() -> Iterator[Any]:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).walk_revisions()


def check_telegram(settings: Settings) -> list[Finding]:
    """The token against getMe, then the webhook as Telegram sees it."""
    if not settings.telegram_bot_token:
        return _check_sandbox()
    base = settings.telegram_api_base_url or TELEGRAM_API
    api = BotApi(base, settings.telegram_bot_token)
    status, answer = api.call("getMe")
    if status is None:
        return [Finding(f"The Bot API at {base} cannot be reached ({answer}).", problem=True)]
    if status == 401 or status == 404:
        return [
            Finding(
                f"The Bot API refuses the token ({status} {answer}): check TELEGRAM_BOT_TOKEN "
                "(@BotFather gives it, /token makes a new one).",
                problem=True,
            )
        ]
    if status != 200:
        return [Finding(f"getMe failed: {status} {answer}.", problem=True)]
    findings = [Finding(f"The token is the bot @{answer.get('username')} ({base}).")]
    return findings + check_webhook(settings, api)


def check_webhook(settings: Settings, api: BotApi) -> list[Finding]:
    """What Telegram holds against what the settings say."""
    status, info = api.call("getWebhookInfo")
    if status != 200:
        return [Finding(f"getWebhookInfo failed: {status} {info}.", problem=True)]
    findings: list[Finding] = []
    registered = info.get("url") or ""
    if settings.webhook_url is None:
        findings.append(Finding("Polling mode (no WEBHOOK_URL)."))
        if registered:
            findings.append(
                Finding(
                    f"Telegram still has the webhook {registered}: `run` removes it at start.",
                    note=True,
                )
            )
    else:
        findings.append(
            Finding(
                f"Webhook mode: Telegram posts to {settings.webhook_url} with the secret "
                f"header; the bot listens on {settings.webhook_listen}:{settings.webhook_port}."
            )
        )
        if registered != settings.webhook_url:
            findings.append(
                Finding(
                    f"Telegram's webhook is {registered or 'not set'}, not WEBHOOK_URL: "
                    "`run` sets it at start.",
                    note=True,
                )
            )
    if info.get("last_error_message"):
        findings.append(
            Finding(f"Telegram's last webhook error: {info['last_error_message']}.", problem=True)
        )
    return findings


def _check_sandbox() -> list[Finding]:
    """No token: only the offline demo can run; its sandbox is checked instead."""
    from bot.sandbox import BotApiSandbox

    with BotApiSandbox() as sandbox:
        status, answer = BotApi(sandbox.base_url, sandbox.token).call("getMe")
    if status != 200:
        return [Finding(f"The offline sandbox does not answer getMe: {answer}.", problem=True)]
    return [
        Finding(
            "TELEGRAM_BOT_TOKEN is not set: only the offline demo runs (its sandbox answers).",
            note=True,
        )
    ]


class BotApi:
    """Just enough of the Bot API for checks (no PTB: this is not the bot)."""

    def __init__(self, base_url: str, token: str) -> None:
        self.url = f"{base_url.rstrip('/')}{token}"

    def call(self, method: str) -> tuple[int | None, Any]:
        """(HTTP status, result or description); (None, reason) when nothing answered."""
        try:
            response = httpx.post(f"{self.url}/{method}", timeout=TIMEOUT_S)
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"
        try:
            body = response.json()
        except ValueError:
            return response.status_code, response.reason_phrase
        if body.get("ok"):
            return response.status_code, body.get("result")
        return response.status_code, body.get("description", response.reason_phrase)


def run(load: Callable[[], Settings]) -> int:
    """Print every finding; 0 when nothing is a problem, 1 otherwise."""
    findings = diagnose(load)
    for finding in findings:
        print(finding.line())
    problems = sum(finding.problem for finding in findings)
    print(f"{problems} problem(s) found." if problems else "Nothing wrong found.")
    return 1 if problems else 0
