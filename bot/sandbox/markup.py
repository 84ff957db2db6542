"""Validation of reply_markup (inline keyboards, reply keyboards, removal, force reply)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.sandbox.errors import bad_request
from bot.sandbox.models import Button

logger = logging.getLogger(__name__)

MAX_CALLBACK_DATA_BYTES = 64
# Telegram's keyboard limits (tginfo/Telegram-Limits); beyond them the server answers
# REPLY_MARKUP_TOO_LONG, which telegram-bot-api's Client.cpp words "reply markup is too long".
MAX_INLINE_PER_ROW, MAX_INLINE_BUTTONS = 8, 100
MAX_KEYBOARD_PER_ROW, MAX_KEYBOARD_BUTTONS = 12, 300
TOO_LONG = "reply markup is too long"
_INLINE_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_URL_SCHEMES = ("http://", "https://", "tg://")


@dataclass
class Markup:
    """A validated reply_markup. `inline` is what Telegram echoes back in the Message."""

    kind: str  # inline | keyboard | remove | force_reply
    raw: dict[str, Any]

    @property
    def inline(self) -> dict[str, Any] | None:
        return self.raw if self.kind == "inline" else None

    def buttons(self) -> list[list[Button]]:
        if self.kind != "inline":
            return []
        return [[Button.from_api(b) for b in row] for row in self.raw["inline_keyboard"]]

    def keyboard(self) -> list[list[dict[str, Any]]] | None:
        return self.raw["keyboard"] if self.kind == "keyboard" else None


def _check_inline_button(button: Any) -> dict[str, Any]:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    if not button["text"].strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    actions = [key for key in _INLINE_ACTIONS if key in button]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url.lower().startswith(_URL_SCHEMES):
            raise bad_request("BUTTON_URL_INVALID")
    return button


def _rows(value: Any, what: str) -> list[list[Any]]:
    if not isinstance(value, list) or not all(isinstance(row, list) for row in value):
        raise bad_request(f"can't parse {what}: field must be an Array of Arrays")
    return value


def _check_size(rows: list[list[Any]], per_row: int, total: int) -> None:
    if any(len(row) > per_row for row in rows) or sum(map(len, rows)) > total:
        raise bad_request(TOO_LONG)


def parse_markup(raw: Any) -> Markup | None:
    """Validate a decoded reply_markup; None when absent."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in raw:
        rows = _rows(raw["inline_keyboard"], "inline keyboard")
        _check_size(rows, MAX_INLINE_PER_ROW, MAX_INLINE_BUTTONS)
        checked = [[_check_inline_button(b) for b in row] for row in rows]
        return Markup("inline", {**raw, "inline_keyboard": checked})
    if "keyboard" in raw:
        rows = _rows(raw["keyboard"], "keyboard")
        _check_size(rows, MAX_KEYBOARD_PER_ROW, MAX_KEYBOARD_BUTTONS)
        normalized: list[list[dict[str, Any]]] = []
        for row in rows:
            new_row = []
            for button in row:
                # The API accepts plain strings as shorthand for {"text": ...}.
                item = {"text": button} if isinstance(button, str) else button
                if not isinstance(item, dict) or not str(item.get("text", "")).strip():
                    raise bad_request("can't parse keyboard button: text must be non-empty")
                new_row.append(item)
            normalized.append(new_row)
        if not any(normalized):
            raise bad_request("keyboard must be non-empty")
        return Markup("keyboard", {**raw, "keyboard": normalized})
    if raw.get("remove_keyboard"):
        return Markup("remove", raw)
    if raw.get("force_reply"):
        return Markup("force_reply", raw)
    raise bad_request('can\'t find field "inline_keyboard"')
