"""Webhook mode: threads that POST pending updates to the bot's webhook URL.

As telegram-bot-api's WebhookActor does, updates are queued by chat: the updates of one chat
go out one at a time and in order, those of different chats in parallel, with at most the
webhook's `max_connections` requests in flight (default 40). A bot that answers one chat
slowly therefore still receives the other chats' updates at once, and must be ready for
concurrent deliveries. An update is dropped only once the receiver answered 2xx. Failures
are retried a few times with a short backoff, then the update stays pending and the pusher
waits `RETRY_INTERVAL` (or until the webhook changes) before trying again.
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


WORKERS = 40  # threads; the webhook's max_connections bounds how many deliver at once


def queue_of(update: dict[str, Any]) -> int:
    """The queue an update waits in: its chat (or its sender), as Telegram orders them."""
    for value in update.values():
        if not isinstance(value, dict):
            continue
        chat = value.get("chat") or (value.get("message") or {}).get("chat")
        if isinstance(chat, dict) and "id" in chat:
            return int(chat["id"])
        sender = value.get("from") or value.get("user")
        if isinstance(sender, dict) and "id" in sender:
            return int(sender["id"])
    return -int(update["update_id"])  # nothing to order it by: a queue of its own


class WebhookPusher:
    """Delivers updates to the webhook set in `world`, from a pool of daemon threads."""

    def __init__(self, world: World, workers: int = WORKERS) -> None:
        self._world = world
        self._workers = workers
        self._threads: list[threading.Thread] = []
        self._busy: set[int] = set()  # queues with a delivery in flight (under world.cond)

    def start(self) -> None:
        for number in range(self._workers):
            thread = threading.Thread(
                target=self._run, name=f"sandbox-webhook-{number}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def join(self, timeout: float = 2.0) -> None:
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _eligible(self) -> dict[str, Any] | None:
        """The oldest pending update whose chat has nothing in flight nor waiting before it."""
        seen: set[int] = set()
        for update in self._world.updates:
            queue = queue_of(update)
            if queue not in self._busy and queue not in seen:
                return update
            seen.add(queue)
        return None

    def _next_job(self) -> tuple[str, str | None, dict[str, Any]] | None:
        """Block until an update is due for delivery; None when the sandbox stops."""
        world = self._world
        with world.cond:
            while not world.stop_event.is_set():
                hook = world.webhook
                world.drop_expired_updates()
                update = self._eligible() if hook is not None else None
                if hook is None or update is None or len(self._busy) >= hook.max_connections:
                    world.cond.wait()
                    continue
                delay = hook.next_attempt - time.monotonic()
                if delay > 0:
                    world.cond.wait(delay)
                    continue
                self._busy.add(queue_of(update))
                target = world.webhook_target(hook.url)
                return target, hook.secret_token, copy.deepcopy(update)
        return None

    def _run(self) -> None:
        # trust_env=False: never route local deliveries through a proxy from the environment.
        with httpx.Client(timeout=TIMEOUT, trust_env=False) as client:
            while (job := self._next_job()) is not None:
                url, secret, update = job
                try:
                    self._deliver(client, url, secret, update)
                finally:
                    with self._world.cond:
                        self._busy.discard(queue_of(update))
                        self._world.cond.notify_all()

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
