"""Typed settings, read once at the entry point from the environment and `.env`.

Nothing else in the project reads `os.environ`: the `Settings` object is passed down.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "proxi.sqlite3"
SUPPORTED_LANGUAGES = ("fr", "en")
# The only ports Telegram delivers webhooks to (a local Bot API server accepts any).
WEBHOOK_PORTS = (443, 80, 88, 8443)


class ConfigError(Exception):
    """A setting has an invalid value; the message is one sentence naming it."""


class Settings(BaseSettings):
    """Every setting Proxi reads; `.env.example` documents each one."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    telegram_bot_token: str | None = None
    # A local Bot API server (or the offline sandbox) instead of api.telegram.org.
    telegram_api_base_url: str | None = None
    telegram_api_base_file_url: str | None = None
    database_url: str = ""
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    timezone: str = "Europe/Paris"
    default_language: str = "fr"
    webhook_url: str | None = None
    webhook_secret: str | None = None
    # Where the webhook server listens: behind a reverse proxy (nginx) on this machine.
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    # Long-poll timeout in seconds; shutdown waits for the current poll to end.
    telegram_poll_timeout: int = Field(default=10, ge=0, le=50)
    log_level: str = "INFO"
    # plain (one line of text per event) or json (one JSON object per line).
    log_format: Literal["plain", "json"] = "plain"
    # Salt of the user-id digests in logs; empty: the bot token (bot/observability/logs.py).
    log_salt: str | None = None
    # /healthz, /readyz, /metrics on HEALTH_HOST:HEALTH_PORT; no port: no server.
    health_port: int | None = Field(default=None, ge=0, le=65535)
    health_host: str = "127.0.0.1"
    rate_limit_max_retries: int = Field(default=2, ge=1, le=10)
    # How long a freed seat is held for the next learner on the waitlist (hours).
    waitlist_offer_hours: float = Field(default=24, gt=0, le=24 * 14)
    # The search index saved on disk (bot/search/snapshot.py): a file path, "off", or empty
    # for the default (next to the SQLite file, else under var/).
    search_snapshot: str = ""

    # Mentoring: nudge a tutor about an unanswered request after this many hours; expire
    # requests (and stop offering slots) this many hours before the slot.
    mentoring_nudge_after_hours: float = Field(default=12, gt=0, le=24 * 14)
    mentoring_expire_before_hours: float = Field(default=2, gt=0, le=24 * 7)
    # Appointment reminders, hours before the start (comma-separated).
    mentoring_reminder_offsets_hours: Annotated[tuple[float, ...], NoDecode] = (24, 1)
    # Demand statistics (`bot/demand/`): the key of the monthly person hash (empty: the bot
    # token is used, else a fixed demo key), and how long search records are kept.
    demand_secret: str = ""
    demand_retention_months: int = Field(default=13, ge=1, le=120)

    # Travel saved (/impact): kg CO2e per km by car (ADEME Base Carbone), and the population
    # from which a commune is the training centre a learner would otherwise travel to.
    co2_kg_per_km: float = Field(default=0.2, gt=0, le=2)
    impact_centre_min_population: int = Field(default=50_000, ge=1_000, le=2_000_000)

    @field_validator("mentoring_reminder_offsets_hours", mode="before")
    @classmethod
    def _parse_offsets(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                offsets = tuple(float(part) for part in value.split(",") if part.strip())
            except ValueError:
                raise ValueError("expected comma-separated hours, e.g. 24,1") from None
            if not offsets or any(o <= 0 for o in offsets):
                raise ValueError("expected positive hours, e.g. 24,1")
            return offsets
        return value

    @property
    def waitlist_offer_ttl(self) -> timedelta:
        return timedelta(hours=self.waitlist_offer_hours)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",")]
            try:
                return frozenset(int(part) for part in parts if part)
            except ValueError:
                raise ValueError("expected comma-separated Telegram user ids") from None
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone (expected e.g. Europe/Paris)") from None
        return value

    @field_validator("default_language")
    @classmethod
    def _check_language(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in SUPPORTED_LANGUAGES:
            raise ValueError(f"expected one of {', '.join(SUPPORTED_LANGUAGES)}")
        return value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_log_format(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("health_port", "log_salt", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        value = value.strip().upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("expected DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("expected sqlite:///PATH or postgresql+psycopg://USER:PASS@HOST/DB")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _check_webhook_url(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        if value and (not value.startswith(("https://", "http://")) or _port(value) is None):
            raise ValueError("expected an https:// URL")
        return value or None

    @model_validator(mode="after")
    def _check_webhook_mode(self) -> Settings:
        """Webhook mode is safe by default: a secret, and a URL Telegram accepts."""
        if self.webhook_url is None:
            return self
        if self.webhook_secret is None:
            raise ValueError(
                "Invalid setting WEBHOOK_SECRET: required when WEBHOOK_URL is set, so that "
                "only Telegram can post updates (e.g. the output of openssl rand -hex 32)."
            )
        if self.telegram_api_base_url is None and not _telegram_accepts(self.webhook_url):
            raise ValueError(
                "Invalid setting WEBHOOK_URL: expected an https:// URL on port 443, 80, 88 "
                "or 8443 (the only ones Telegram calls)."
            )
        return self

    @field_validator("webhook_secret")
    @classmethod
    def _check_webhook_secret(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
        if not 1 <= len(value) <= 256 or set(value) - allowed:
            raise ValueError("expected 1-256 characters among A-Z, a-z, 0-9, _ and -")
        return value

    @property
    def tz(self) -> ZoneInfo:
        """The display time zone."""
        return ZoneInfo(self.timezone)

    @property
    def effective_database_url(self) -> str:
        """The configured database, or the SQLite file under `var/`."""
        return self.database_url or f"sqlite:///{DEFAULT_SQLITE_PATH}"

    @property
    def search_snapshot_path(self) -> Path | None:
        """Where the search index is saved between runs; None: never saved."""
        if self.search_snapshot.lower() == "off":
            return None
        if self.search_snapshot:
            return Path(self.search_snapshot)
        url = self.effective_database_url
        if url.startswith("sqlite"):
            path = urlsplit(url).path.removeprefix("/")
            return Path(f"{path}.search-index") if path and path != ":memory:" else None
        # One file per database: two bots on one machine never read each other's.
        parts = urlsplit(url)  # the password left out
        where = f"{parts.scheme}://{parts.hostname}:{parts.port}{parts.path}"
        digest = hashlib.sha256(where.encode()).hexdigest()[:12]
        return PROJECT_ROOT / "var" / f"search-index-{digest}"

    def is_admin(self, user_id: int) -> bool:
        """Whether this Telegram user is a super-admin listed in ADMIN_IDS."""
        return user_id in self.admin_ids


def _port(url: str) -> int | None:
    """The URL's port (the scheme's default when absent); None when it is not a valid one."""
    try:
        parsed = urlsplit(url)
        return parsed.port or (443 if parsed.scheme == "https" else 80)
    except ValueError:
        return None


def _telegram_accepts(url: str) -> bool:
    """Whether Telegram's servers would deliver updates to this webhook URL."""
    return url.startswith("https://") and _port(url) in WEBHOOK_PORTS


def load_settings(**overrides: object) -> Settings:
    """Build the settings, turning a validation error into one clear sentence."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]  # pydantic validates the overrides at run time
    except ValidationError as exc:
        error = exc.errors()[0]
        message = error["msg"].removeprefix("Value error, ")
        if not error["loc"]:  # a check across settings says which one, in a whole sentence
            raise ConfigError(message) from None
        name = str(error["loc"][0]).upper()
        raise ConfigError(f"Invalid setting {name}: {message}.") from None
