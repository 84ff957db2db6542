"""Webhook mode: a thread that POSTs pending updates to the bot's webhook URL.

Updates go out one at a time, in order, like Telegram with max_connections=1: an update is
dropped from the queue only once the receiver answered 2xx. Failures are retried a few
times with a short backoff, then the update stays pending and the pusher waits
`RETRY_INTERVAL` (or until the webhook changes) before trying again.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from typing import Any

import httpx

from bot.sandbox.state import World

logger = logging.getLogger(__name__)

ATTEMPTS = 3
BACKOFF = 0.05  # seconds, doubled after each failed attempt
RETRY_INTERVAL = 1.0
TIMEOUT = 5.0
CONNECTION_FAILED = 0  # status recorded in webhook_deliveries when no HTTP answer came


class WebhookPusher:
    """Delivers updates to the webhook set in `world`, in a daemon thread."""

    def __init__(self, world: World) -> None:
        self._world = world
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sandbox-webhook", daemon=True)
        self._thread.start()

    def join(self, timeout: float = 2.0) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _next_job(self) -> tuple[str, str | None, dict[str, Any]] | None:
        """Block until an update is due for delivery; None when the sandbox stops."""
        world = self._world
        with world.cond:
            while not world.stop_event.is_set():
                hook = world.webhook
                world.drop_expired_updates()
                if hook is None or not world.updates:
                    world.cond.wait()
                    continue
                delay = hook.next_attempt - time.monotonic()
                if delay > 0:
                    world.cond.wait(delay)
                    continue
                target = world.webhook_target(hook.url)
                return target, hook.secret_token, copy.deepcopy(world.updates[0])
        return None

    def _run(self) -> None:
        # trust_env=False: never route local deliveries through a proxy from the environment.
        with httpx.Client(timeout=TIMEOUT, trust_env=False) as client:
            while (job := self._next_job()) is not None:
                url, secret, update = job
                self._deliver(client, url, secret, update)

    def _deliver(
        self, client: httpx.Client, url: str, secret: str | None, update: dict[str, Any]
    ) -> None:
        world = self._world
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        error = ""
        for attempt in range(ATTEMPTS):
            try:
                status = client.post(url, json=update, headers=headers).status_code
            except httpx.HTTPError as exc:
                status, error = CONNECTION_FAILED, f"Connection failed: {exc}"
            else:
                error = f"Wrong response from the webhook: {status}"
            with world.cond:
                world.webhook_deliveries.append((update["update_id"], status))
                if 200 <= status < 300:
                    world.updates = [
                        u for u in world.updates if u["update_id"] != update["update_id"]
                    ]
                    world.cond.notify_all()
                    return
                world.cond.notify_all()
            logger.debug("webhook delivery of %s failed: %s", update["update_id"], error)
            last = attempt + 1 == ATTEMPTS
            if not last and world.stop_event.wait(BACKOFF * 2**attempt):
                return
        with world.cond:
            hook = world.webhook
            if hook is not None and world.webhook_target(hook.url) == url:
                hook.last_error_date = world.now()
                hook.last_error_message = error
                hook.next_attempt = time.monotonic() + RETRY_INTERVAL
            world.cond.notify_all()
        logger.warning(
            "webhook delivery of update %s kept pending: %s", update["update_id"], error
        )
