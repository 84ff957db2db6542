"""Bot API methods that send, edit and delete messages, and answer button presses."""

from __future__ import annotations

import copy
import logging
import struct
from typing import Any

from bot.sandbox.errors import NOT_MODIFIED, QUERY_TOO_OLD, ApiError, bad_request
from bot.sandbox.formatting import EntityParseError, UnsupportedParseMode, render
from bot.sandbox.markup import Markup, parse_markup
from bot.sandbox.models import ChatRecord, Entry, StoredFile
from bot.sandbox.params import Params, api_method
from bot.sandbox.state import World

logger = logging.getLogger(__name__)

MAX_TEXT = 4096
MAX_CAPTION = 1024
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip


def _formatted(
    p: Params, field: str, *, limit: int, too_long: str, required: bool
) -> tuple[str, str, list[dict[str, Any]]] | None:
    """(raw, plain, entities) for a text/caption parameter, validated like Telegram."""
    raw = p.text(field)
    if raw is None or (not required and raw == ""):
        if required:
            raise bad_request("message text is empty")
        return None
    try:
        plain, entities = render(raw, p.text("parse_mode"))
    except EntityParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from None
    except UnsupportedParseMode:
        raise bad_request("unsupported parse_mode") from None
    if required and not plain.strip():
        raise bad_request("message text is empty")
    # Telegram counts characters after entity parsing; we count code points.
    if len(plain) > limit:
        raise bad_request(too_long)
    explicit = p.json("entities" if field == "text" else "caption_entities")
    if not entities and isinstance(explicit, list):
        entities = explicit
    return raw, plain, entities


def _set_text(message: dict[str, Any], key: str, plain: str, entities: list[Any]) -> None:
    message[key] = plain
    entity_key = "entities" if key == "text" else "caption_entities"
    if entities:
        message[entity_key] = entities
    else:
        message.pop(entity_key, None)


def _reply_target(p: Params, chat: ChatRecord) -> tuple[dict[str, Any], int | None]:
    params = p.json("reply_parameters", "reply parameters") or {}
    message_id = params.get("message_id") if isinstance(params, dict) else None
    if message_id is None:
        message_id = p.integer("reply_to_message_id")
    if message_id is None:
        return {}, None
    entry = chat.find(int(message_id))
    if entry is None or entry.deleted:
        lenient = params.get("allow_sending_without_reply") or p.flag(
            "allow_sending_without_reply"
        )
        if lenient:
            return {}, None
        raise bad_request("message to be replied not found")
    replied = {k: v for k, v in entry.message.items() if k != "reply_to_message"}
    return {"reply_to_message": copy.deepcopy(replied)}, entry.message_id


def _send(
    world: World,
    p: Params,
    kind: str,
    content: dict[str, Any],
    **fields: Any,
) -> dict[str, Any]:
    """Common path of every send* method: chat, markup, reply, flags, then the entry."""
    chat = world.chat(p.chat_id())
    markup = parse_markup(p.json("reply_markup", "reply keyboard markup"))
    reply_content, reply_id = _reply_target(p, chat)
    content = {**content, **reply_content}
    if p.flag("protect_content"):
        content["has_protected_content"] = True
    if markup and markup.inline:
        content["reply_markup"] = markup.inline
    entry = world.add_entry(
        chat,
        sender="bot",
        kind=kind,
        from_=world.bot_from(),
        content=content,
        buttons=markup.buttons() if markup else [],
        reply_keyboard=markup.keyboard() if markup else None,
        remove_keyboard=bool(markup and markup.kind == "remove"),
        force_reply=bool(markup and markup.kind == "force_reply"),
        disable_notification=p.flag("disable_notification"),
        protect_content=p.flag("protect_content"),
        reply_to_message_id=reply_id,
        **fields,
    )
    _track_reply_keyboard(chat, markup)
    return copy.deepcopy(entry.message)


def _track_reply_keyboard(chat: ChatRecord, markup: Markup | None) -> None:
    """Remember the keyboard the person currently sees (it persists across messages)."""
    if markup is None:
        return
    if markup.kind == "keyboard":
        chat.reply_keyboard = markup.keyboard()
        chat.one_time_keyboard = bool(markup.raw.get("one_time_keyboard"))
    elif markup.kind == "remove":
        chat.reply_keyboard = None


@api_method("sendMessage")
def send_message(world: World, p: Params) -> dict[str, Any]:
    text = _formatted(p, "text", limit=MAX_TEXT, too_long="message is too long", required=True)
    assert text is not None
    raw, plain, entities = text
    content: dict[str, Any] = {}
    _set_text(content, "text", plain, entities)
    options = p.json("link_preview_options", "link preview options")
    if options:
        content["link_preview_options"] = options
    return _send(world, p, "text", content, text=raw, parse_mode=p.text("parse_mode"))


def _caption_content(p: Params) -> tuple[dict[str, Any], dict[str, Any]]:
    caption = _formatted(
        p, "caption", limit=MAX_CAPTION, too_long="message caption is too long", required=False
    )
    if caption is None:
        return {}, {}
    raw, plain, entities = caption
    content: dict[str, Any] = {}
    _set_text(content, "caption", plain, entities)
    return content, {"text": raw, "parse_mode": p.text("parse_mode")}


def _coordinates(p: Params) -> dict[str, float]:
    latitude = p.number("latitude", missing="latitude is empty")
    longitude = p.number("longitude", missing="longitude is empty")
    assert latitude is not None and longitude is not None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise bad_request("wrong location specified")
    return {"latitude": latitude, "longitude": longitude}


@api_method("sendLocation")
def send_location(world: World, p: Params) -> dict[str, Any]:
    location = _coordinates(p)
    return _send(world, p, "location", {"location": location}, **location)


@api_method("sendVenue")
def send_venue(world: World, p: Params) -> dict[str, Any]:
    location = _coordinates(p)
    title, address = p.text("title") or "", p.text("address") or ""
    if not title.strip():
        raise bad_request("venue title is empty")
    if not address.strip():
        raise bad_request("venue address is empty")
    venue: dict[str, Any] = {"location": location, "title": title, "address": address}
    for key in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
        if p.text(key):
            venue[key] = p.text(key)
    content = {"venue": venue, "location": location}
    return _send(world, p, "venue", content, title=title, address=address, **location)


def _input_file(world: World, p: Params, field: str, kind: str) -> StoredFile:
    """An uploaded part, a known file_id, or (offline) a placeholder for an HTTP URL."""
    upload = p.file(field)
    if upload is not None:
        if not upload.content:
            raise bad_request("file must be non-empty")  # tdlib FileLoaderUtils.cpp
        mime = upload.content_type
        if mime in (None, "application/octet-stream"):
            mime = None  # let store_file guess from the file name
        return world.store_file(upload.content, kind, upload.filename, mime)
    value = (p.text(field) or "").strip()
    if not value:
        raise bad_request(f"there is no {field} in the request")
    known = world.files.get(value)
    if known is not None:
        if known.kind != kind:
            raise bad_request(f"can't use file of type {known.kind.title()} as {kind.title()}")
        return known
    if value.lower().startswith(("http://", "https://")):
        # No internet: keep an empty placeholder named after the URL.
        name = value.rstrip("/").rsplit("/", 1)[-1] or field
        return world.store_file(b"", kind, name)
    raise bad_request("wrong file identifier/HTTP URL specified")


def _image_size(content: bytes) -> tuple[int, int]:
    if content.startswith(b"\x89PNG\r\n\x1a\n") and len(content) >= 24:
        return struct.unpack(">II", content[16:24])
    return 800, 600


@api_method("sendDocument")
def send_document(world: World, p: Params) -> dict[str, Any]:
    caption, fields = _caption_content(p)
    stored = _input_file(world, p, "document", "document")
    document = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.content),
    }
    if stored.file_name:
        document["file_name"] = stored.file_name
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    return _send(
        world, p, "document", {"document": document, **caption}, **fields, **_file_fields(stored)
    )


@api_method("sendPhoto")
def send_photo(world: World, p: Params) -> dict[str, Any]:
    caption, fields = _caption_content(p)
    stored = _input_file(world, p, "photo", "photo")
    width, height = _image_size(stored.content)
    photo = [
        {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": width,
            "height": height,
            "file_size": len(stored.content),
        }
    ]
    return _send(world, p, "photo", {"photo": photo, **caption}, **fields, **_file_fields(stored))


def _file_fields(stored: StoredFile) -> dict[str, Any]:
    return {
        "file_id": stored.file_id,
        "file_name": stored.file_name,
        "file_bytes": stored.content,
        "mime_type": stored.mime_type,
    }


@api_method("sendChatAction")
def send_chat_action(world: World, p: Params) -> bool:
    world.chat(p.chat_id())
    if p.text("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


# -- edits and deletion -----------------------------------------------------------------
def _edit_target(world: World, p: Params) -> tuple[ChatRecord, Entry]:
    if "chat_id" not in p and "inline_message_id" in p:
        raise bad_request("MESSAGE_ID_INVALID")  # inline mode is not simulated
    chat = world.chat(p.chat_id())
    message_id = p.integer("message_id", missing="message identifier is not specified")
    assert message_id is not None
    entry = world.live_entry(chat, message_id, "message to edit not found")
    if entry.sender != "bot":
        raise bad_request("message can't be edited")
    return chat, entry


def _inline_markup(p: Params) -> Markup | None:
    markup = parse_markup(p.json("reply_markup", "reply keyboard markup"))
    if markup is not None and markup.kind != "inline":
        raise bad_request("inline keyboard expected")
    return markup


def _apply_edit(
    world: World,
    chat: ChatRecord,
    entry: Entry,
    updates: dict[str, Any],
    markup: Markup | None,
    fields: dict[str, Any],
) -> dict[str, Any]:
    """Apply an edit unless it changes nothing; omitting reply_markup removes the keyboard."""
    new = copy.deepcopy(entry.message)
    for key, value in updates.items():
        if value is None:
            new.pop(key, None)
        else:
            new[key] = value
    if markup is not None:
        new["reply_markup"] = markup.inline
    else:
        new.pop("reply_markup", None)
    watched = ("text", "entities", "caption", "caption_entities", "reply_markup")
    if all(new.get(k) == entry.message.get(k) for k in watched):
        raise ApiError(400, NOT_MODIFIED)
    new["edit_date"] = world.now()
    entry.message = new
    entry.buttons = markup.buttons() if markup else []
    for key, value in fields.items():
        setattr(entry, key, value)
    entry.edits += 1
    world.log_event(chat, "edit", entry.message_id)
    return copy.deepcopy(new)


@api_method("editMessageText")
def edit_message_text(world: World, p: Params) -> dict[str, Any]:
    chat, entry = _edit_target(world, p)
    text = _formatted(p, "text", limit=MAX_TEXT, too_long="message is too long", required=True)
    assert text is not None
    if entry.kind != "text":
        raise bad_request("there is no text in the message to edit")
    raw, plain, entities = text
    updates = {"text": plain, "entities": entities or None}
    fields = {"text": raw, "parse_mode": p.text("parse_mode")}
    return _apply_edit(world, chat, entry, updates, _inline_markup(p), fields)


@api_method("editMessageCaption")
def edit_message_caption(world: World, p: Params) -> dict[str, Any]:
    chat, entry = _edit_target(world, p)
    if entry.kind not in ("document", "photo"):
        raise bad_request("there is no caption in the message to edit")
    content, fields = _caption_content(p)
    updates = {
        "caption": content.get("caption"),
        "caption_entities": content.get("caption_entities"),
    }
    fields = fields or {"text": None, "parse_mode": None}
    return _apply_edit(world, chat, entry, updates, _inline_markup(p), fields)


@api_method("editMessageReplyMarkup")
def edit_message_reply_markup(world: World, p: Params) -> dict[str, Any]:
    chat, entry = _edit_target(world, p)
    return _apply_edit(world, chat, entry, {}, _inline_markup(p), {})


def _delete(world: World, chat: ChatRecord, message_id: int) -> None:
    entry = world.live_entry(chat, message_id, "message to delete not found")
    entry.deleted = True
    world.log_event(chat, "delete", message_id)


@api_method("deleteMessage")
def delete_message(world: World, p: Params) -> bool:
    chat = world.chat(p.chat_id())
    message_id = p.integer("message_id", missing="message identifier is not specified")
    assert message_id is not None
    _delete(world, chat, message_id)
    return True


@api_method("deleteMessages")
def delete_messages(world: World, p: Params) -> bool:
    chat = world.chat(p.chat_id())
    ids = p.json("message_ids", "message identifiers")
    if not isinstance(ids, list) or not ids:
        raise bad_request("message identifiers are not specified")
    for message_id in ids:
        entry = chat.find(int(message_id))
        if entry is not None and not entry.deleted:
            _delete(world, chat, int(message_id))
    return True


@api_method("answerCallbackQuery")
def answer_callback_query(world: World, p: Params) -> bool:
    record = world.callbacks.get(p.text("callback_query_id") or "")
    if record is None or record.answered or world.callback_expired(record):
        raise ApiError(400, QUERY_TOO_OLD)
    text = p.text("text")
    if text and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    record.answered = True
    record.text = text or None
    record.show_alert = p.flag("show_alert")
    world.notify()
    return True
