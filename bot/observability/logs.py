"""Log lines an operator can search: one per event, plain text or JSON lines.

`LOG_FORMAT=json` writes one JSON object per line (`ts`, `level`, `logger`, `message`, and the
event's fields: `update_id`, `user`, `kind`, `handler`, `latency_ms`, `outcome`...). A user id
never appears as such in these fields: `hash_user` gives a short salted digest (the salt is
`LOG_SALT`, else the bot token: secret and stable for one installation), enough to follow one
person's updates without naming them. Every line logged while an update is processed
carries that update's id and hashed user (`UpdateContext`), so other lines need not name the
user. What people write is logged at DEBUG only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message", "asctime", "taskName",
}  # fmt: skip
NOISY = ("httpx", "httpcore", "apscheduler", "telegram.ext.Updater", "alembic")
PLAIN = "%(asctime)s %(levelname)s %(name)s: %(message)s%(context)s"

# The update being processed (its id and hashed user), set by handlers/observing.py: every
# line logged meanwhile, in its task or the worker threads it starts, carries them.
update_context: ContextVar[dict[str, Any] | None] = ContextVar("update_context", default=None)


# The installation's salt, set once by `configure_logging`, for `user_ref` in lines logged
# outside an update (notices, menus), which must not name the person either.
_salt = ""


def hash_user(user_id: int | None, salt: str) -> str | None:
    """A 12-hex-digit digest of the user id: the same person, not their id."""
    if user_id is None:
        return None
    return hashlib.sha256(f"{salt}:{user_id}".encode()).hexdigest()[:12]


def user_ref(user_id: int) -> str:
    """How a log line names a person or private chat: `user:<digest>` with the log salt."""
    return f"user:{hash_user(user_id, _salt)}"


class UpdateContext(logging.Filter):
    """Adds the current update's fields to each record (`context` for the plain format)."""

    def filter(self, record: logging.LogRecord) -> bool:
        found = update_context.get()
        record.context = ""
        if found and not hasattr(record, "update_id"):
            for key, value in found.items():
                setattr(record, key, value)
            record.context = f" [update {found['update_id']} user {found['user']}]"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; a traceback goes in `exc`."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(
            {k: v for k, v in record.__dict__.items() if k not in _STANDARD and k != "context"}
        )
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str, log_format: str = "plain", salt: str = "") -> None:
    """Only the entry point configures logging; chatty libraries are turned down."""
    global _salt
    _salt = salt
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(PLAIN))
    handler.addFilter(UpdateContext())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
