"""Plain data records of the sandbox world: users, chats, transcript entries, files."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.sandbox.formatting import to_plain

if TYPE_CHECKING:
    from bot.sandbox.sandbox import BotApiSandbox

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FailedCall:
    """A Bot API call the sandbox answered with an error (4xx, 5xx)."""

    method: str
    status: int
    description: str


@dataclass
class Button:
    """One inline keyboard button as the person sees it."""

    text: str
    callback_data: str | None = None
    url: str | None = None

    @classmethod
    def from_api(cls, raw: dict[str, Any]) -> Button:
        return cls(str(raw.get("text", "")), raw.get("callback_data"), raw.get("url"))


@dataclass
class Entry:
    """One message of a chat transcript, kept current when the bot edits or deletes it."""

    message_id: int
    chat_id: int
    sender: str  # "bot" | "user"
    kind: str  # text, location, venue, document, photo, sticker, voice, contact
    date: int
    text: str | None = None  # text or caption, exactly as sent (markup included)
    parse_mode: str | None = None
    user_id: int | None = None  # the user who wrote it (None for the bot)
    buttons: list[list[Button]] = field(default_factory=list)
    reply_keyboard: list[list[dict[str, Any]]] | None = None
    remove_keyboard: bool = False
    force_reply: bool = False
    latitude: float | None = None
    longitude: float | None = None
    title: str | None = None
    address: str | None = None
    file_id: str | None = None
    file_name: str | None = None
    file_bytes: bytes | None = None
    mime_type: str | None = None
    disable_notification: bool = False
    protect_content: bool = False
    reply_to_message_id: int | None = None
    edits: int = 0
    deleted: bool = False
    # The Bot API Message dict, kept in sync with edits (what getUpdates/press embed).
    message: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def plain(self) -> str:
        """The text as displayed: HTML tags stripped and entities unescaped."""
        return to_plain(self.text, self.parse_mode)

    @property
    def button_texts(self) -> list[str]:
        """Inline button labels in reading order."""
        return [button.text for row in self.buttons for button in row]


@dataclass
class SandboxUser:
    """A simulated Telegram user; its private chat with the bot has the same id."""

    id: int
    first_name: str = "Test"
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "fr"
    sandbox: BotApiSandbox | None = field(default=None, repr=False, compare=False)

    @property
    def chat_id(self) -> int:
        return self.id

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name

    def to_api(self) -> dict[str, Any]:
        """The Bot API User dict."""
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def _require_sandbox(self) -> BotApiSandbox:
        if self.sandbox is None:
            raise RuntimeError("this user is not attached to a sandbox")
        return self.sandbox

    # Shortcuts so tests read like a conversation: alice.send("/start"); alice.press(index=1)
    def send(self, text: str, **kwargs: Any) -> dict[str, Any]:
        return self._require_sandbox().send_text(self, text, **kwargs)

    def press(self, **kwargs: Any) -> dict[str, Any]:
        return self._require_sandbox().press(self, **kwargs)

    def share_location(self, latitude: float, longitude: float) -> dict[str, Any]:
        return self._require_sandbox().share_location(self, latitude, longitude)

    def transcript(self) -> list[Entry]:
        return self._require_sandbox().transcript(self.id)

    def last_bot_message(self) -> Entry | None:
        return self._require_sandbox().last_bot_message(self.id)


@dataclass
class ChatRecord:
    """A private chat or a group, with its ordered messages."""

    id: int
    type: str  # private | group | supergroup
    title: str | None = None
    user: SandboxUser | None = None
    entries: list[Entry] = field(default_factory=list)
    events: list[tuple[str, int]] = field(default_factory=list)
    next_message_id: int = 1
    reply_keyboard: list[list[dict[str, Any]]] | None = None
    one_time_keyboard: bool = False

    def to_api(self) -> dict[str, Any]:
        """The Bot API Chat dict."""
        if self.type == "private" and self.user is not None:
            data: dict[str, Any] = {"id": self.id, "type": "private"}
            data["first_name"] = self.user.first_name
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
            return data
        return {"id": self.id, "type": self.type, "title": self.title or ""}

    def find(self, message_id: int) -> Entry | None:
        for entry in self.entries:
            if entry.message_id == message_id:
                return entry
        return None


@dataclass
class StoredFile:
    """A file known to the sandbox (uploaded by a user or by the bot)."""

    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    kind: str  # document, photo, sticker, voice
    file_name: str | None = None
    mime_type: str | None = None

    def to_api(self) -> dict[str, Any]:
        """The Bot API File dict answered by getFile."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
            "file_path": self.file_path,
        }


@dataclass
class CallbackRecord:
    """A button press and what the bot answered to it."""

    id: str
    chat_id: int
    message_id: int
    user_id: int
    data: str | None
    pressed_at: float = 0.0  # sandbox clock time of the press
    answered: bool = False
    text: str | None = None
    show_alert: bool = False


@dataclass
class WebhookConfig:
    """The webhook set by setWebhook, plus the pusher's delivery bookkeeping."""

    url: str
    secret_token: str | None = None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    next_attempt: float = 0.0  # monotonic time before which the pusher waits after failures
