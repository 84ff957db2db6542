"""Typed access to a Bot API call's string parameters, and the method registry.

Handlers receive a `Params` and the world; they raise `ApiError` for anything Telegram
would refuse. Methods are registered under their canonical name and looked up
case-insensitively, as Telegram does.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.sandbox.errors import ApiError, bad_request
from bot.sandbox.multipart import UploadedFile

if TYPE_CHECKING:
    from bot.sandbox.state import World

logger = logging.getLogger(__name__)

_TRUE = {"true", "1", "yes", "on"}

Handler = Callable[["World", "Params"], Any]
# lower-cased method name -> (canonical name, handler)
HANDLERS: dict[str, tuple[str, Handler]] = {}


def api_method(*names: str) -> Callable[[Handler], Handler]:
    """Register a handler for one or more Bot API method names."""

    def register(func: Handler) -> Handler:
        for name in names:
            HANDLERS[name.lower()] = (name, func)
        return func

    return register


def lookup(method: str) -> tuple[str, Handler] | None:
    """(canonical name, handler) for a method name in any case."""
    return HANDLERS.get(method.lower())


class Params:
    """The parameters of one call, all strings as on the wire, plus uploaded files."""

    def __init__(self, values: dict[str, str], files: dict[str, UploadedFile] | None = None):
        self.values = values
        self.files = files or {}

    def __contains__(self, name: str) -> bool:
        return name in self.values or name in self.files

    def text(self, name: str, default: str | None = None) -> str | None:
        return self.values.get(name, default)

    def integer(self, name: str, *, missing: str | None = None) -> int | None:
        """The parameter as int; `missing` is the 400 reason when it is required but absent."""
        raw = self.values.get(name)
        if raw is None or raw == "":
            if missing:
                raise bad_request(missing)
            return None
        try:
            return int(raw)
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def number(self, name: str, *, missing: str | None = None) -> float | None:
        raw = self.values.get(name)
        if raw is None or raw == "":
            if missing:
                raise bad_request(missing)
            return None
        try:
            return float(raw)
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        return self.values.get(name, "").strip().lower() in _TRUE

    def json(self, name: str, what: str | None = None) -> Any:
        """Decode a JSON-encoded parameter (reply_markup, commands, scope...)."""
        raw = self.values.get(name)
        if raw is None or raw == "":
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise bad_request(f"can't parse {what or name} JSON object") from None

    def file(self, name: str) -> UploadedFile | None:
        """The uploaded part for `name`, following PTB's `attach://<part>` indirection."""
        if name in self.files:
            return self.files[name]
        raw = self.values.get(name, "")
        if raw.startswith("attach://"):
            upload = self.files.get(raw.removeprefix("attach://"))
            if upload is None:
                raise bad_request(f"can't find attached file {raw!r}")
            return upload
        return None

    def chat_id(self) -> int | str:
        """The chat_id parameter: an int, or a "@username" string."""
        raw = self.values.get("chat_id", "").strip()
        if not raw:
            raise bad_request("chat_id is empty")
        try:
            return int(raw)
        except ValueError:
            if raw.startswith("@"):
                return raw
            raise ApiError(400, "Bad Request: chat not found") from None

    def summary(self) -> dict[str, str]:
        """Parameters for `sandbox.calls`: uploads shown as a short description."""
        data = dict(self.values)
        for name, upload in self.files.items():
            data[name] = f"<upload {upload.filename} {len(upload.content)} bytes>"
        return data
