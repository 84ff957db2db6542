"""Running the real bot: leadership, schema upgrade, then polling or a webhook server.

Only the active process (bot/leadership.py) builds the Application: a standby makes no Bot API
call at all, it waits for the lock. On SQLite a second process on the same file is refused.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse

from sqlalchemy.engine import Engine
from telegram import Update

from bot.application import ProxiApplication, build_application
from bot.clock import SystemClock
from bot.config import Settings
from bot.db import make_engine, upgrade_schema
from bot.gazetteer import default_gazetteer
from bot.leadership import (
    EXIT_LOST_LEADERSHIP,
    AlreadyRunning,
    Leadership,
    PostgresLock,
    SqliteFileLock,
    sqlite_file,
    wait_until_active,
    watch,
)
from bot.observability.health import HealthServer, HealthState
from bot.observability.metrics import Metrics
from bot.reminders import new_worker_id
from handlers.delivery import dispatcher
from handlers.inbox import (
    InboxQueue,
    OnceUpdateProcessor,
    handle_undone,
    mark_answered_in_inbox,
    schedule_pruning,
)

logger = logging.getLogger(__name__)

LEADERSHIP = "leadership"  # the Services.extras key of this process's Leadership
EXIT_ALREADY_RUNNING = 2  # SQLite: another process uses the file (a configuration error)


def run_bot(settings: Settings, leadership: Leadership | None = None) -> int:
    """Run until interrupted (SIGINT/SIGTERM stop it cleanly); returns the exit code.

    `leadership` (created here if not given) tells other threads whether we are active."""
    url = settings.effective_database_url
    leadership = leadership or Leadership(new_worker_id())
    database_file = sqlite_file(url)
    if database_file is not None:
        file_lock = SqliteFileLock(database_file)
        try:
            file_lock.acquire()
        except AlreadyRunning as exc:
            print(exc, file=sys.stderr)
            return EXIT_ALREADY_RUNNING
        try:
            leadership.set("active")
            return _serve(settings, make_engine(url), leadership)
        finally:
            file_lock.release()
            leadership.set("stopped")
    return _run_with_lock(settings, url, leadership)


def _run_with_lock(settings: Settings, url: str, leadership: Leadership) -> int:
    lock = PostgresLock(url, leadership.worker)
    stop = threading.Event()
    try:
        with _stopping_on_signals(stop):
            logger.info("waiting to be the active process (%s)", leadership.worker)
            # Loaded while waiting (no Bot API call), so a takeover does not wait for it.
            default_gazetteer()
            with standby_health(settings, url, leadership):
                if not wait_until_active(lock, leadership, stop):
                    return 0
        watch(lock, _lost, stop)
        return _serve(settings, make_engine(url), leadership)
    finally:
        stop.set()  # before the release, or the watch would take it for a lost connection
        lock.release()
        leadership.set("stopped")


@contextmanager
def standby_health(settings: Settings, url: str, leadership: Leadership) -> Iterator[None]:
    """While standby, /healthz, /readyz (role "standby") and /metrics answer too, from a thread
    with its own event loop; the port is freed before the active Application takes it."""
    if settings.health_port is None:
        yield
        return
    metrics = Metrics(role=lambda: leadership.state)
    server = HealthServer(
        HealthState(make_engine(url), metrics), settings.health_host, settings.health_port
    )
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def serve() -> None:
        try:
            loop.run_until_complete(server.start())
        except OSError as exc:
            logger.warning("no health server while standby: %s", exc.strerror or exc)
            return
        finally:
            started.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, name="standby-health", daemon=True)
    thread.start()
    started.wait(5)
    try:
        yield
    finally:
        if loop.is_running():
            asyncio.run_coroutine_threadsafe(server.stop(), loop).result(5)
            loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


def _lost() -> None:
    """The lock connection is gone: another process may be active already. Stop at once,
    polling and jobs with us; the supervisor starts us again, as a standby."""
    logger.critical(
        "lost the leadership lock connection: exiting with code %s", EXIT_LOST_LEADERSHIP
    )
    os._exit(EXIT_LOST_LEADERSHIP)


@contextmanager
def _stopping_on_signals(stop: threading.Event) -> Iterator[None]:
    """While standby, SIGINT and SIGTERM end the wait (PTB installs its own once active)."""

    def handler(_signum: int, _frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _serve(settings: Settings, engine: Engine, leadership: Leadership) -> int:
    upgrade_schema(engine)
    clock = SystemClock()
    application = build_application(
        settings,
        engine=engine,
        clock=clock,
        update_processor=OnceUpdateProcessor(engine, clock.now),
        update_queue=InboxQueue(engine, leadership.worker, clock.now),
    )
    # Reminder claims carry the worker id of the lock connection (bot/reminders/holders.py).
    dispatcher(application).worker = leadership.worker
    mark_answered_in_inbox(application, engine, clock.now)
    # Readable by whatever reports health from inside the Application; /readyz and the
    # proxi_role gauge read the live state.
    services = application.bot_data["services"]
    services.extras[LEADERSHIP] = leadership
    services.metrics.role = lambda: leadership.state
    _handle_undone_at_start(application, engine, clock)
    schedule_pruning(application)
    if settings.webhook_url:
        logger.info("starting in webhook mode on %s", settings.webhook_url)
        # The local path is the URL's path ("https://bot.example.org/proxi" → "proxi").
        url_path = urlparse(settings.webhook_url).path.strip("/")
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=url_path,
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        logger.info("starting in polling mode")
        application.run_polling(
            allowed_updates=Update.ALL_TYPES, timeout=settings.telegram_poll_timeout
        )
    logger.info("stopped")
    return 0


def _handle_undone_at_start(
    application: ProxiApplication, engine: Engine, clock: SystemClock
) -> None:
    """After the start-up work, queue the updates the previous process left undone."""
    start_up = application.post_init

    async def post_init(app: ProxiApplication) -> None:
        if start_up is not None:
            await start_up(app)
        await handle_undone(app, engine, clock.now())

    application.post_init = post_init
