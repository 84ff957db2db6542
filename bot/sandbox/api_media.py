"""sendMediaGroup: an album of photos, or of documents, as Telegram checks it.

The rules and sentences are the Bot API server's and tdlib's (`check_message_group_message_
contents`, `is_homogenous_media_group_content`, `send_message_group`): 1 to 10 items (one
item is sent as a plain message, outside any album), documents only with documents, every
item's caption checked as sendPhoto's, and no `reply_markup` (the method has none: buttons go
on another message). A refused album sends nothing. The sandbox knows photos and documents;
other media types are refused as unsupported.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from bot.sandbox.api_messages import (
    _caption_content,
    _file_fields,
    _image_size,
    _input_file,
    _reply_target,
)
from bot.sandbox.errors import bad_request
from bot.sandbox.params import Params, api_method
from bot.sandbox.state import World

MAX_ITEMS = 10
_KINDS = {"photo": "photo", "document": "document"}


def _items(p: Params) -> list[Params]:
    """Each InputMedia as the parameters of a send of its own (caption, parse_mode, media)."""
    media = p.json("media", "media")
    if not media:
        raise bad_request("there are no messages to send")
    if not isinstance(media, list) or not all(isinstance(m, dict) for m in media):
        raise bad_request("can't parse media JSON object")
    if len(media) > MAX_ITEMS:
        raise bad_request("too many messages to send as an album")
    items = []
    for entry in media:
        kind = entry.get("type")
        if kind not in _KINDS:
            raise bad_request(f"can't parse InputMedia: unsupported media type {kind!r}")
        reference = str(entry.get("media") or "")
        if not reference:
            raise bad_request("can't parse InputMedia: media not found")
        if reference.startswith("attach://") and reference[9:] not in p.files:
            raise bad_request("can't parse InputMedia: media not found")
        values = {
            k: v if isinstance(v, str) else json.dumps(v)
            for k, v in entry.items()
            if k in ("type", "media", "caption", "parse_mode", "caption_entities")
        }
        items.append(Params(values, p.files))
    kinds = {item.text("type") for item in items}
    if "document" in kinds and len(kinds) > 1:
        raise bad_request("document can't be mixed with other media types")
    return items


@api_method("sendMediaGroup")
def send_media_group(world: World, p: Params) -> list[dict[str, Any]]:
    items = _items(p)
    # Every caption and file is read before anything is sent: a refused album sends nothing.
    prepared = []
    for item in items:
        kind = item.text("type") or ""
        caption, fields = _caption_content(item)
        stored = _input_file(world, item, "media", kind)
        prepared.append((kind, caption, fields, stored))
    chat = world.chat(p.chat_id())
    reply_content, reply_id = _reply_target(p, chat)
    group = str(world.next_id()) if len(prepared) > 1 else None
    sent = []
    for kind, caption, fields, stored in prepared:
        media: Any
        if kind == "photo":
            width, height = _image_size(stored.content)
            media = [
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "width": width,
                    "height": height,
                    "file_size": len(stored.content),
                }
            ]
        else:
            media = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": len(stored.content),
            }
            if stored.file_name:
                media["file_name"] = stored.file_name
            if stored.mime_type:
                media["mime_type"] = stored.mime_type
        content = {kind: media, **caption, **reply_content}
        if group is not None:
            content["media_group_id"] = group
        if p.flag("protect_content"):
            content["has_protected_content"] = True
        entry = world.add_entry(
            chat,
            sender="bot",
            kind=kind,
            from_=world.bot_from(),
            content=content,
            disable_notification=p.flag("disable_notification"),
            protect_content=p.flag("protect_content"),
            reply_to_message_id=reply_id,
            **fields,
            **_file_fields(stored),
        )
        sent.append(copy.deepcopy(entry.message))
    return sent
