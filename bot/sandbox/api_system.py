"""Bot API methods about the bot itself: identity, updates, webhook, files, commands."""

from __future__ import annotations

import copy
import json
import logging
import re
import time
from typing import Any
from urllib.parse import urlsplit

from bot.sandbox.errors import ApiError, bad_request
from bot.sandbox.models import WebhookConfig
from bot.sandbox.params import Handler, Params, api_method
from bot.sandbox.state import World

logger = logging.getLogger(__name__)

WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
MAX_DOWNLOAD_FILE_SIZE = 20 << 20  # telegram-bot-api Client.h, outside --local mode
_CHAT_SCOPES = frozenset({"chat", "chat_administrators", "chat_member"})
WEBHOOK_PORTS = frozenset({80, 88, 443, 8443})  # telegram-bot-api WebhookActor.cpp
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_SCOPES = frozenset(
    {
        "default", "all_private_chats", "all_group_chats", "all_chat_administrators",
        "chat", "chat_administrators", "chat_member",
    }
)  # fmt: skip


def scope_key(scope: dict[str, Any] | None) -> str:
    """Canonical JSON of a BotCommandScope, the key commands are stored under."""
    return json.dumps(scope or {"type": "default"}, sort_keys=True, separators=(",", ":"))


@api_method("getMe")
def get_me(world: World, p: Params) -> dict[str, Any]:
    return world.get_me()


@api_method("logOut", "close")
def log_out(world: World, p: Params) -> bool:
    return True


@api_method("getUpdates")
def get_updates(world: World, p: Params) -> list[dict[str, Any]]:
    """Long poll: wait (condition released) until an update arrives or the timeout passes."""
    if world.webhook is not None:
        raise ApiError(409, WEBHOOK_CONFLICT)
    offset = p.integer("offset")
    limit = max(1, min(100, p.integer("limit") or 100))
    timeout = max(0.0, p.number("timeout") or 0.0)
    # A newer getUpdates terminates an older one still waiting, like Telegram does.
    world.poll_generation += 1
    generation = world.poll_generation
    deadline = time.monotonic() + timeout
    world.confirm_updates(offset)
    while not world.updates and not world.stop_event.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        world.cond.wait(remaining)
        if generation != world.poll_generation:
            raise ApiError(409, POLL_CONFLICT)
        if world.webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        world.confirm_updates(offset)
    return copy.deepcopy(world.updates[:limit])


def check_webhook_url(url: str) -> None:
    """Refuse what telegram-bot-api refuses (Client.cpp process_set_webhook_query, then
    WebhookActor.cpp): a URL without scheme is HTTPS; HTTP and other ports are refused.
    Reach a local receiver through `BotApiSandbox.route_webhook`, as behind a proxy."""
    try:
        parts = urlsplit(url if "://" in url else f"https://{url}")
        port = parts.port
    except ValueError:
        raise bad_request("invalid webhook URL specified") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise bad_request("invalid webhook URL specified")
    if scheme == "http":
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if (port or 443) not in WEBHOOK_PORTS:
        raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")


@api_method("setWebhook")
def set_webhook(world: World, p: Params) -> bool:
    url = (p.text("url") or "").strip()
    if not url:
        return delete_webhook(world, p)  # Telegram: an empty url removes the webhook
    check_webhook_url(url)
    secret = p.text("secret_token")
    if secret is not None and not _SECRET_RE.match(secret):
        raise bad_request("secret token contains unallowed characters")
    if p.flag("drop_pending_updates"):
        world.updates.clear()
    allowed = p.json("allowed_updates", "allowed updates")
    world.webhook = WebhookConfig(
        url=url,
        secret_token=secret or None,
        max_connections=p.integer("max_connections") or 40,
        allowed_updates=allowed if isinstance(allowed, list) else None,
    )
    world.notify()
    logger.info("sandbox webhook set to %s", url)
    return True


@api_method("deleteWebhook")
def delete_webhook(world: World, p: Params) -> bool:
    world.webhook = None
    if p.flag("drop_pending_updates"):
        world.updates.clear()
    world.notify()
    return True


@api_method("getWebhookInfo")
def get_webhook_info(world: World, p: Params) -> dict[str, Any]:
    hook = world.webhook
    info: dict[str, Any] = {
        "url": hook.url if hook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(world.updates),
    }
    if hook:
        info["max_connections"] = hook.max_connections
        if hook.allowed_updates is not None:
            info["allowed_updates"] = hook.allowed_updates
        if hook.last_error_date:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
    return info


@api_method("getFile")
def get_file(world: World, p: Params) -> dict[str, Any]:
    stored = world.files.get((p.text("file_id") or "").strip())
    if stored is None:
        raise bad_request("invalid file_id")
    if len(stored.content) > MAX_DOWNLOAD_FILE_SIZE:
        raise bad_request("file is too big")
    return stored.to_api()


def _commands_key(world: World, p: Params) -> tuple[str, str]:
    scope = p.json("scope", "BotCommandScope")
    if scope is not None and (not isinstance(scope, dict) or scope.get("type") not in _SCOPES):
        raise bad_request("can't parse BotCommandScope")
    if scope is not None and scope["type"] in _CHAT_SCOPES:
        world.chat(Params({"chat_id": str(scope.get("chat_id", ""))}).chat_id())
    language = p.text("language_code") or ""
    if language and not re.match(r"^[a-z]{2}$", language):
        raise bad_request("invalid language code specified")
    return scope_key(scope), language


@api_method("setMyCommands")
def set_my_commands(world: World, p: Params) -> bool:
    commands = p.json("commands", "commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("commands must be an array of at most 100 BotCommand")
    cleaned = []
    for item in commands:
        if not isinstance(item, dict) or not _COMMAND_RE.match(str(item.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        description = str(item.get("description", ""))
        if not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        cleaned.append({"command": item["command"], "description": description})
    key = _commands_key(world, p)
    if cleaned:
        world.commands[key] = cleaned
    else:
        world.commands.pop(key, None)
    world.notify()
    return True


@api_method("getMyCommands")
def get_my_commands(world: World, p: Params) -> list[dict[str, str]]:
    return copy.deepcopy(world.commands.get(_commands_key(world, p), []))


@api_method("deleteMyCommands")
def delete_my_commands(world: World, p: Params) -> bool:
    world.commands.pop(_commands_key(world, p), None)
    world.notify()
    return True


def _bot_text(field: str, limit: int) -> tuple[Handler, Handler]:
    """setMyX / getMyX handlers for one per-language bot text (description, name...)."""

    def setter(world: World, p: Params) -> bool:
        value = p.text(field) or ""
        if len(value) > limit:
            raise bad_request(f"{field} is too long")
        world.bot_texts[(field, p.text("language_code") or "")] = value
        return True

    def getter(world: World, p: Params) -> dict[str, str]:
        language = p.text("language_code") or ""
        return {field: world.bot_texts.get((field, language), "")}

    return setter, getter


for _field, _limit, _suffix in (
    ("description", 512, "Description"),
    ("short_description", 120, "ShortDescription"),
    ("name", 64, "Name"),
):
    _setter, _getter = _bot_text(_field, _limit)
    api_method(f"setMy{_suffix}")(_setter)
    api_method(f"getMy{_suffix}")(_getter)


@api_method("setChatMenuButton")
def set_chat_menu_button(world: World, p: Params) -> bool:
    button = p.json("menu_button", "menu button") or {"type": "default"}
    world.menu_buttons[p.integer("chat_id")] = button
    return True


@api_method("getChatMenuButton")
def get_chat_menu_button(world: World, p: Params) -> dict[str, Any]:
    chat_id = p.integer("chat_id")
    return world.menu_buttons.get(chat_id, world.menu_buttons.get(None, {"type": "commands"}))


@api_method("getChat")
def get_chat(world: World, p: Params) -> dict[str, Any]:
    chat = world.chat(p.chat_id())
    return {
        **chat.to_api(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }
