"""Running the real bot: schema upgrade, then polling or a webhook server."""

from __future__ import annotations

import logging
from urllib.parse import urlparse

from telegram import Update

from bot.application import build_application
from bot.config import Settings
from bot.db import upgrade_schema

logger = logging.getLogger(__name__)


def run_bot(settings: Settings) -> None:
    """Run until interrupted (SIGINT/SIGTERM stop it cleanly)."""
    application = build_application(settings)
    upgrade_schema(application.bot_data["services"].engine)
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
