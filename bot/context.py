"""The typed callback context: handlers reach services and texts through it, not globals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from telegram.ext import Application, CallbackContext, ExtBot

from bot.clock import Clock
from bot.config import Settings
from bot.i18n import Translator, translator
from bot.observability.health import HealthServer
from bot.observability.metrics import Metrics
from bot.search.live import LiveIndex


@dataclass
class Services:
    """Everything the handlers and jobs use, built once by `build_application`."""

    settings: Settings
    engine: Engine
    clock: Clock
    search: LiveIndex = field(default_factory=LiveIndex)
    # Counters, histograms and the process's role ("active"/"standby": `metrics.role`).
    metrics: Metrics = field(default_factory=Metrics)
    # The /healthz, /readyz, /metrics server while it runs (HEALTH_PORT set).
    health_server: HealthServer | None = None
    extras: dict[str, Any] = field(default_factory=dict)


class ProxiContext(CallbackContext[ExtBot[None], dict[str, Any], dict[str, Any], dict[str, Any]]):
    """CallbackContext with Proxi's services and the current user's translator."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def services(self) -> Services:
        return self.bot_data["services"]

    @property
    def language(self) -> str:
        """The current user's language (set by the user-tracking handler on every update)."""
        if self.user_data is not None and "language" in self.user_data:
            return str(self.user_data["language"])
        return self.services.settings.default_language

    @property
    def t(self) -> Translator:
        """Texts, dates and numbers in the current user's language."""
        return translator(self.language, self.services.settings.timezone)
