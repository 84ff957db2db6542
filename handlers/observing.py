"""What the running bot tells its operator: each update timed, counted and logged in one line.

`ObservingApplication` wraps `process_update` (the bot's Application class, via
`bot/application.py`): the update's kind, the handler that took it, its latency and outcome
go to the metrics (`bot/observability/metrics.py`) and to one INFO line whose user id is
hashed and which never holds what the person wrote. `name_handlers` marks each handler's
callback so the line can say which one answered; `counting` wraps the error handler to
count what reaches it. Bot API calls are counted by the rate limiter
(`handlers/retrying.py`), the path of every call but getUpdates, which `PollingRequest`
counts on its own connection.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseHandler, ConversationHandler
from telegram.request import HTTPXRequest

from bot.context import ProxiContext, Services
from bot.observability.logs import hash_user, update_context
from bot.observability.metrics import Metrics
from handlers.persistence import FlushingApplication

logger = logging.getLogger(__name__)


@dataclass
class UpdateRecord:
    """What is learnt about one update while it is processed."""

    handler: str = "none"
    outcome: str = "ok"


# The record of the update this task processes (a mutable object: handlers run in tasks
# that copy the context, and must still reach the same record).
_current: ContextVar[UpdateRecord | None] = ContextVar("current_update_record", default=None)


def update_kind(update: object) -> str:
    """message, command, callback_query, edited_message, my_chat_member..."""
    if not isinstance(update, Update):
        return type(update).__name__.lower()
    message = update.message
    if message is not None:
        return "command" if (message.text or "").startswith("/") else "message"
    for kind in Update.ALL_TYPES:
        if getattr(update, kind, None) is not None:
            return str(kind)
    return "other"


class ObservingApplication(FlushingApplication):
    """The bot's Application: each processed update is measured and logged once."""

    async def process_update(self, update: object) -> None:
        services: Services | None = self.bot_data.get("services")
        if services is None:
            await super().process_update(update)
            return
        record = UpdateRecord()
        token = _current.set(record)
        logged = update_context.set(_identity(services, update))
        started = time.perf_counter()
        try:
            await super().process_update(update)
        except BaseException:
            record.outcome = "crashed"
            raise
        finally:
            _current.reset(token)
            update_context.reset(logged)
            _observe(services, update, record, time.perf_counter() - started)


def _identity(services: Services, update: object) -> dict[str, Any]:
    """The update's id and its user's salted digest, for every line logged meanwhile."""
    user = update.effective_user if isinstance(update, Update) else None
    salt = services.settings.log_salt or services.settings.telegram_bot_token or ""
    return {
        "update_id": getattr(update, "update_id", None),
        "user": hash_user(user.id if user else None, salt),
    }


def _observe(services: Services, update: object, record: UpdateRecord, seconds: float) -> None:
    kind = update_kind(update)
    metrics = services.metrics
    metrics.updates.labels(kind, record.outcome).inc()
    metrics.latency.labels(record.handler).observe(seconds)
    fields = {
        **_identity(services, update),
        "kind": kind,
        "handler": record.handler,
        "latency_ms": round(seconds * 1000, 1),
        "outcome": record.outcome,
    }
    logger.info(
        "update %(update_id)s %(kind)s from %(user)s: %(handler)s, %(latency_ms)s ms, %(outcome)s",
        fields,
        extra=fields,
    )


Callback = Callable[[Any, Any], Coroutine[Any, Any, Any]]


def _named(callback: Callback, name: str) -> Callback:
    async def named(update: Any, context: Any) -> Any:
        record = _current.get()
        if record is not None:
            record.handler = name  # the last to run is the one that answered
        return await callback(update, context)

    return named


def _name_of(callback: Callback) -> str:
    module = getattr(callback, "__module__", "") or ""
    return f"{module.removeprefix('handlers.')}.{getattr(callback, '__qualname__', '?')}"


def _name(handler: BaseHandler[Any, Any, Any]) -> None:
    if isinstance(handler, ConversationHandler):
        for inner in handler.entry_points + handler.fallbacks:
            _name(inner)
        for state in handler.states.values():
            for inner in state:
                _name(inner)
        return
    handler.callback = _named(handler.callback, _name_of(handler.callback))


def name_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Let every registered handler's callback tell the update's record its name."""
    for handlers in application.handlers.values():
        for handler in handlers:
            _name(handler)


ErrorHandler = Callable[[object, ProxiContext], Coroutine[Any, Any, None]]


def counting(on_error: ErrorHandler) -> ErrorHandler:
    """The error handler, counting each error first (and marking the update's outcome)."""

    async def counted(update: object, context: ProxiContext) -> None:
        context.services.metrics.errors.labels(type(context.error).__name__).inc()
        record = _current.get()
        if record is not None:
            record.outcome = "error"
        await on_error(update, context)

    return counted


class PollingRequest(HTTPXRequest):
    """The getUpdates connection, counted: getUpdates skips the rate limiter, which counts
    every other call, and its success every few seconds shows the Bot API is reachable."""

    def __init__(self, metrics: Metrics) -> None:
        super().__init__(connection_pool_size=1)  # what PTB's builder uses for getUpdates
        self.metrics = metrics

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        try:
            status, payload = await super().do_request(url, method, *args, **kwargs)
        except Exception:
            self.metrics.api_call(endpoint, ok=False, retries=0)
            raise
        self.metrics.api_call(endpoint, ok=status == 200, retries=0)
        return status, payload
