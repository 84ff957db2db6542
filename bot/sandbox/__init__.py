"""Offline sandbox of the Telegram Bot API: run the real PTB Application without Telegram.

See `bot.sandbox.sandbox.BotApiSandbox` for usage.
"""

import logging

from bot.sandbox.errors import ApiError
from bot.sandbox.models import Button, Entry, FailedCall, SandboxUser
from bot.sandbox.sandbox import BotApiSandbox

logger = logging.getLogger(__name__)

__all__ = ["ApiError", "BotApiSandbox", "Button", "Entry", "FailedCall", "SandboxUser"]
