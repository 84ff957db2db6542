"""User-side actions: what a person does in Telegram, turned into realistic updates.

Each action records the message in the chat transcript, queues the Update (waking long
polls and the webhook pusher) and returns the Update dict. All are synchronous and
thread-safe; they only hold the sandbox lock briefly, so they are fine to call from a
coroutine too.
"""

from __future__ import annotations

import base64
import copy
import logging
import mimetypes
import re
from typing import Any

from bot.sandbox.formatting import utf16_len
from bot.sandbox.models import Button, CallbackRecord, ChatRecord, Entry, SandboxUser
from bot.sandbox.state import World

logger = logging.getLogger(__name__)

_COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
# Smallest valid PNG (1x1), the default picture of send_photo.
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def _command_entities(text: str) -> dict[str, Any]:
    """{"entities": [bot_command]} when the text starts with a /command, else {}."""
    command = _COMMAND_RE.match(text)
    if not command:
        return {}
    length = utf16_len(command.group(0))
    return {"entities": [{"type": "bot_command", "offset": 0, "length": length}]}


class UserActions:
    """Mixin of BotApiSandbox: the simulated people's side of the conversation."""

    _world: World

    # -- people and places ----------------------------------------------------------------
    def user(
        self,
        user_id: int,
        first_name: str = "Test",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "fr",
    ) -> SandboxUser:
        """Register a user (and its private chat, id == user_id); an existing one is returned
        unchanged."""
        if user_id <= 0:
            raise ValueError("user ids are positive")
        candidate = SandboxUser(user_id, first_name, last_name, username, language_code)
        candidate.sandbox = self  # type: ignore[assignment]  # UserActions is only ever a BotApiSandbox's base
        return self._world.register_user(candidate)

    def group(self, chat_id: int, title: str) -> int:
        """Create (or rename) a group chat users can write in with `chat_id=`."""
        return self._world.register_group(chat_id, title).id

    def _resolve(self, user: SandboxUser | int) -> SandboxUser:
        user_id = user if isinstance(user, int) else user.id
        found = self._world.users.get(user_id)
        if found is None:
            raise LookupError(f"unknown user {user_id}: create it with sandbox.user({user_id})")
        return found

    def _chat(self, user: SandboxUser, chat_id: int | None) -> ChatRecord:
        chat = self._world.chats.get(user.id if chat_id is None else chat_id)
        if chat is None:
            raise LookupError(f"unknown chat {chat_id}: create it with sandbox.group(...)")
        if chat.type == "private" and chat.id != user.id:
            raise LookupError(f"user {user.id} cannot write in the private chat of {chat.id}")
        return chat

    def _post(
        self,
        user: SandboxUser | int,
        kind: str,
        content: dict[str, Any],
        *,
        chat_id: int | None = None,
        reply_to: int | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        world = self._world
        with world.cond:
            person = self._resolve(user)
            chat = self._chat(person, chat_id)
            if reply_to is not None:
                target = chat.find(reply_to)
                if target is None or target.deleted:
                    raise LookupError(f"no message {reply_to} to reply to in chat {chat.id}")
                replied = {k: v for k, v in target.message.items() if k != "reply_to_message"}
                content = {**content, "reply_to_message": copy.deepcopy(replied)}
            entry = world.add_entry(
                chat,
                sender="user",
                kind=kind,
                from_=person.to_api(),
                content=content,
                user_id=person.id,
                reply_to_message_id=reply_to,
                **fields,
            )
            return world.push_update({"message": entry.message})

    # -- messages -------------------------------------------------------------------------
    def send_text(
        self,
        user: SandboxUser | int,
        text: str,
        *,
        chat_id: int | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        """The user types `text`; a leading /command gets its bot_command entity."""
        if not text:
            raise ValueError("Telegram clients cannot send an empty message")
        content: dict[str, Any] = {"text": text, **_command_entities(text)}
        return self._post(user, "text", content, chat_id=chat_id, reply_to=reply_to, text=text)

    def share_location(
        self,
        user: SandboxUser | int,
        latitude: float,
        longitude: float,
        *,
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        location = {"latitude": latitude, "longitude": longitude}
        return self._post(
            user,
            "location",
            {"location": location},
            chat_id=chat_id,
            latitude=latitude,
            longitude=longitude,
        )

    def _file_message(
        self,
        user: SandboxUser | int,
        kind: str,
        content: bytes,
        file_name: str | None,
        mime_type: str | None,
        build: dict[str, Any],
        *,
        caption: str | None = None,
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        with self._world.cond:
            self._resolve(user)
            stored = self._world.store_file(content, kind, file_name, mime_type)
            info: dict[str, Any] = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
            }
            info |= {"file_size": len(stored.content), **build}
            message: dict[str, Any] = {kind: [info] if kind == "photo" else info}
            if caption:
                message["caption"] = caption
            return self._post(
                user,
                kind,
                message,
                chat_id=chat_id,
                text=caption,
                file_id=stored.file_id,
                file_name=stored.file_name,
                file_bytes=stored.content,
                mime_type=stored.mime_type,
            )

    def upload_document(
        self,
        user: SandboxUser | int,
        content: bytes,
        file_name: str,
        *,
        mime_type: str | None = None,
        caption: str | None = None,
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        """The user sends a file; the bot can getFile and download it."""
        if not content:
            raise ValueError("Telegram clients cannot send an empty file")
        mime = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        build = {"file_name": file_name, "mime_type": mime}
        return self._file_message(
            user, "document", content, file_name, mime, build, caption=caption, chat_id=chat_id
        )

    def send_photo(
        self,
        user: SandboxUser | int,
        content: bytes = TINY_PNG,
        *,
        caption: str | None = None,
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        build = {"width": 1, "height": 1} if content == TINY_PNG else {"width": 800, "height": 600}
        return self._file_message(
            user, "photo", content, None, "image/png", build, caption=caption, chat_id=chat_id
        )

    def send_sticker(
        self, user: SandboxUser | int, *, emoji: str = "👍", chat_id: int | None = None
    ) -> dict[str, Any]:
        build = {
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._file_message(
            user, "sticker", b"RIFF\x00\x00\x00\x00WEBP", None, "image/webp", build,
            chat_id=chat_id,
        )  # fmt: skip

    def send_voice(
        self,
        user: SandboxUser | int,
        content: bytes = b"OggS\x00sandbox-voice",
        *,
        duration: int = 2,
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        build = {"duration": duration, "mime_type": "audio/ogg"}
        return self._file_message(
            user, "voice", content, None, "audio/ogg", build, chat_id=chat_id
        )

    def send_contact(
        self,
        user: SandboxUser | int,
        *,
        phone_number: str = "+33612345678",
        first_name: str | None = None,
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        """The user shares a contact (by default their own, as a request_contact button does)."""
        person = self._resolve(user)
        contact: dict[str, Any] = {
            "phone_number": phone_number,
            "first_name": first_name or person.first_name,
        }
        if first_name is None:
            contact["user_id"] = person.id
            if person.last_name:
                contact["last_name"] = person.last_name
        return self._post(person, "contact", {"contact": contact}, chat_id=chat_id)

    def edit_text(
        self,
        user: SandboxUser | int,
        message_id: int,
        new_text: str,
        *,
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        """The user edits one of their text messages: an `edited_message` update."""
        world = self._world
        with world.cond:
            person = self._resolve(user)
            chat = self._chat(person, chat_id)
            entry = chat.find(message_id)
            if entry is None or entry.deleted or entry.user_id != person.id:
                raise LookupError(f"user {person.id} has no message {message_id} in {chat.id}")
            if entry.kind != "text":
                raise LookupError(f"message {message_id} is a {entry.kind}, not a text")
            entry.text = new_text
            entry.message["text"] = new_text
            entry.message.pop("entities", None)
            entry.message.update(_command_entities(new_text))
            entry.message["edit_date"] = world.now()
            entry.edits += 1
            world.log_event(chat, "edit", message_id)
            return world.push_update({"edited_message": entry.message})

    # -- keyboards ------------------------------------------------------------------------
    def press(
        self,
        user: SandboxUser | int,
        *,
        index: int | None = None,
        label: str | None = None,
        message_id: int | None = None,
        data: str | None = None,
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        """Press an inline button (1-based `index` in reading order, or `label`) of the latest
        bot message with a keyboard (or `message_id`); `data` forges the callback_data."""
        world = self._world
        with world.cond:
            person = self._resolve(user)
            chat = self._chat(person, chat_id)
            entry = self._keyboard_message(chat, message_id, forging=data is not None)
            if data is None:
                button = _pick_button(entry, index, label)
                if button.callback_data is None:
                    what = f"a URL button opening {button.url}" if button.url else "not a callback"
                    raise LookupError(f"button {button.text!r} is {what}; it cannot be pressed")
                data = button.callback_data
            query_id = f"{person.id}{world.next_id():06d}"
            world.callbacks[query_id] = CallbackRecord(
                query_id, chat.id, entry.message_id, person.id, data, pressed_at=world.clock()
            )
            query = {
                "id": query_id,
                "from": person.to_api(),
                "message": entry.message,
                "chat_instance": str(abs(chat.id) * 7919 + 17),
                "data": data,
            }
            return world.push_update({"callback_query": query}, ttl=world.callback_query_ttl)

    def _keyboard_message(self, chat: ChatRecord, message_id: int | None, forging: bool) -> Entry:
        if message_id is not None:
            entry = chat.find(message_id)
            if entry is None or entry.deleted or entry.sender != "bot":
                raise LookupError(f"no bot message {message_id} in chat {chat.id}")
            if not entry.buttons and not forging:
                raise LookupError(f"message {message_id} has no inline keyboard")
            return entry
        for entry in reversed(chat.entries):
            if entry.sender == "bot" and not entry.deleted and entry.buttons:
                return entry
        raise LookupError(f"no bot message with an inline keyboard in chat {chat.id}")

    def tap(
        self,
        user: SandboxUser | int,
        label: str,
        *,
        latitude: float | None = None,
        longitude: float | None = None,
    ) -> dict[str, Any]:
        """Tap a button of the reply keyboard currently shown in the user's private chat:
        sends its text, or the location/contact it requests."""
        world = self._world
        with world.cond:
            person = self._resolve(user)
            chat = self._chat(person, None)
            rows = chat.reply_keyboard or []
            buttons = [b for row in rows for b in row]
            button = next((b for b in buttons if b["text"] == label), None) or next(
                (b for b in buttons if b["text"].casefold() == label.casefold()), None
            )
            if button is None:
                shown = [b["text"] for b in buttons] or "no reply keyboard"
                raise LookupError(f"no reply keyboard button {label!r} (shown: {shown})")
            if chat.one_time_keyboard:
                chat.reply_keyboard = None
            if button.get("request_location"):
                if latitude is None or longitude is None:
                    raise ValueError(f"{label!r} requests a location: pass latitude/longitude")
                return self.share_location(person, latitude, longitude)
            if button.get("request_contact"):
                return self.send_contact(person)
            return self.send_text(person, button["text"])


def _pick_button(entry: Entry, index: int | None, label: str | None) -> Button:
    buttons = [button for row in entry.buttons for button in row]
    labels = [button.text for button in buttons]
    if index is not None:
        if not 1 <= index <= len(buttons):
            raise LookupError(f"no button #{index} on message {entry.message_id}: {labels}")
        return buttons[index - 1]
    if label is not None:
        for match in (lambda b: b.text == label, lambda b: b.text.casefold() == label.casefold()):
            found = [b for b in buttons if match(b)]
            if found:
                return found[0]
        raise LookupError(f"no button {label!r} on message {entry.message_id}: {labels}")
    if len(buttons) == 1:
        return buttons[0]
    raise LookupError(f"pass index= or label=; message {entry.message_id} has {labels}")
