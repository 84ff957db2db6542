"""Telegram's Markdown and MarkdownV2 parse modes: plain text and entities, or the refusal.

A bot that sends MarkdownV2 with an unescaped "." or "-" (a date, a price, a town such as
"Saint-Méen") gets `400 Bad Request: can't parse entities: Character '.' is reserved and
must be escaped with the preceding '\\'` from Telegram; the sandbox refuses the same inputs
with the same sentences. The rules follow tdlib's `parse_markdown` and `parse_markdown_v2`
(td/telegram/MessageEntity.cpp, the parser behind the Bot API server): the text is scanned
as UTF-8 bytes, offsets in errors are byte offsets, entity offsets are UTF-16 code units.

Simplification: link checking (tdlib's `LinkManager::get_checked_link`) is reduced to what
bots send: http(s)/tg/ton links and bare domain names; anything else is dropped silently,
as Telegram drops links it cannot check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.sandbox.formatting import EntityParseError

# tdlib's names for entity types in its error messages, and their Bot API names.
_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "pre_code": "PreCode",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
    "blockquote": "BlockQuote",
}
_RESERVED = b"_*[]()~`>#+-=|{}.!\n"
_HOST_RE = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$|^\d{1,3}(?:\.\d{1,3}){3}$"
)
_USER_RE = re.compile(r"^tg:(?://)?user\?id=(\d{1,19})$", re.IGNORECASE)


class _Bytes:
    """The message as bytes, read past its end as NUL like a C string."""

    def __init__(self, text: str) -> None:
        self.data = text.encode("utf-8")

    def __len__(self) -> int:
        return len(self.data)

    def at(self, i: int) -> int:
        return self.data[i] if 0 <= i < len(self.data) else 0


def _units(byte: int) -> int:
    """UTF-16 units a character adds, counted on its first UTF-8 byte (0 on the others)."""
    if byte & 0xC0 == 0x80:
        return 0
    return 2 if byte >= 0xF0 else 1


def _reserved_error(byte: int) -> EntityParseError:
    return EntityParseError(
        f"Character '{chr(byte)}' is reserved and must be escaped with the preceding '\\'"
    )


def _unclosed(kind: str, byte_offset: int) -> EntityParseError:
    name = _NAMES[kind]
    return EntityParseError(f"Can't find end of {name} entity at byte offset {byte_offset}")


def checked_link(url: str) -> dict[str, Any] | None:
    """The entity fields for a link Telegram would keep, or None when it drops it."""
    url = url.strip()
    user = _USER_RE.match(url)
    if user:
        mentioned = {"id": int(user.group(1)), "is_bot": False, "first_name": ""}
        return {"type": "text_mention", "user": mentioned}
    if not url or any(ord(c) <= 32 for c in url):
        return None
    if "://" not in url and not url.lower().startswith(("tg:", "ton:")):
        url = "http://" + url
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("tg", "ton"):
        return {"type": "text_link", "url": url}
    if scheme not in ("http", "https") or not _HOST_RE.match(parts.hostname or ""):
        return None
    path = parts.path or "/"
    rebuilt = f"{scheme}://{parts.netloc}{path}"
    if parts.query or url.endswith("?"):
        rebuilt += "?" + parts.query
    if parts.fragment:
        rebuilt += "#" + parts.fragment
    return {"type": "text_link", "url": rebuilt}


@dataclass
class _Open:
    kind: str
    offset: int  # UTF-16 offset of the entity's text
    byte_offset: int  # where its markup began, for error messages
    begin: int  # index in the output bytes where its text begins
    language: str = ""


def _entity(kind: str, offset: int, length: int, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "offset": offset, "length": length, **extra}


def _pre_start(s: _Bytes, i: int) -> tuple[int, str]:
    """After "```" at i-3: (index of the last byte of the opening, language)."""
    language = ""
    end = i
    while s.at(end) not in (0, 32, 9, 10, 13, ord("`")):
        end += 1
    if end != i and end < len(s) and s.at(end) != ord("`"):
        language = s.data[i:end].decode("utf-8", "replace")
        i = end
    # One new line right after the opening is not part of the text.
    if s.at(i) in (10, 13):
        i += 2 if s.at(i + 1) in (10, 13) and s.at(i) != s.at(i + 1) else 1
    return i - 1, language


def parse_markdown(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Legacy Markdown: *bold*, _italic_, `code`, ```pre```, [text](url); no nesting."""
    s = _Bytes(text)
    out = bytearray()
    entities: list[dict[str, Any]] = []
    units = 0
    size = len(s)
    i = 0
    while i < size:
        c = s.at(i)
        if c == ord("\\") and s.at(i + 1) in b"_*`[":
            out.append(s.at(i + 1))
            units += 1
            i += 2
            continue
        if c not in b"_*`[":
            out.append(c)
            units += _units(c)
            i += 1
            continue
        begin = i
        url = ""
        end_char = ord("]") if c == ord("[") else c
        is_pre = False
        language = ""
        i += 1
        if c == ord("`") and s.at(i) == ord("`") and s.at(i + 1) == ord("`"):
            is_pre = True
            last, language = _pre_start(s, i + 2)
            i = last + 1
        offset = units
        while i < size and (
            s.at(i) != end_char or (is_pre and not (s.at(i + 1) == s.at(i + 2) == ord("`")))
        ):
            out.append(s.at(i))
            units += _units(s.at(i))
            i += 1
        if i == size:
            raise EntityParseError(f"Can't find end of the entity starting at byte offset {begin}")
        length = units - offset
        if c == ord("[") and s.at(i + 1) == ord("("):
            close = s.data.find(b")", i + 2)
            close = size if close < 0 else close
            url = s.data[i + 2 : close].decode("utf-8", "replace")
            i = close
        elif c == ord("["):
            url = s.data[begin + 1 : i].decode("utf-8", "replace")
        if length:
            if c == ord("["):
                link = checked_link(url)
                if link:
                    entities.append({**_entity(link.pop("type"), offset, length), **link})
            elif c == ord("`"):
                kind = "pre" if is_pre else "code"
                extra = {"language": language} if language else {}
                entities.append(_entity(kind, offset, length, **extra))
            else:
                entities.append(_entity("bold" if c == ord("*") else "italic", offset, length))
        i += 3 if is_pre else 1
    return out.decode("utf-8", "replace"), _sorted(entities)


def _sorted(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


class _V2:
    """One MarkdownV2 parse: the state tdlib keeps while it scans the bytes."""

    def __init__(self, text: str) -> None:
        self.s = _Bytes(text)
        self.out = bytearray()
        self.entities: list[dict[str, Any]] = []
        self.stack: list[_Open] = []
        self.units = 0
        self.quote = False
        self.can_quote = True

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        s = self.s
        i = 0
        while i < len(s):
            c = s.at(i)
            if c == ord("\\") and 0 < s.at(i + 1) <= 126:
                nxt = s.at(i + 1)
                self.out.append(nxt)
                self.units += 1
                if nxt != 13:
                    self.can_quote = nxt == 10
                i += 2
                continue
            in_code = bool(self.stack) and self.stack[-1].kind in ("code", "pre", "pre_code")
            if c not in (b"`" if in_code else _RESERVED):
                self.out.append(c)
                if _units(c):
                    self.units += _units(c)
                    if c != 13:
                        self.can_quote = False
                i += 1
                continue
            i = self._close(i) if self._ends(i) else self._open(i)
            i += 1
        self._finish()
        return self.out.decode("utf-8", "replace"), _sorted(self.entities)

    def _ends(self, i: int) -> bool:
        if not self.stack:
            return False
        s, c = self.s, self.s.at(i)
        if self.quote and c == 10 and (i + 1 == len(s) or s.at(i + 1) != ord(">")):
            return True
        kind = self.stack[-1].kind
        after = s.at(i + 1)
        return {
            "bold": c == ord("*"),
            "italic": c == ord("_") and after != ord("_"),
            "code": c == ord("`") and kind == "code",
            "pre": c == ord("`") and after == ord("`") and s.at(i + 2) == ord("`"),
            "pre_code": c == ord("`") and after == ord("`") and s.at(i + 2) == ord("`"),
            "text_link": c == ord("]"),
            "custom_emoji": c == ord("]"),
            "underline": c == ord("_") and after == ord("_"),
            "strikethrough": c == ord("~"),
            "spoiler": c == ord("|") and after == ord("|"),
            "blockquote": False,
        }[kind]

    def _open(self, i: int) -> int:
        s, c = self.s, self.s.at(i)
        start = i
        language = ""
        after = s.at(i + 1)
        if c == ord("_"):
            kind = "underline" if after == ord("_") else "italic"
            i += kind == "underline"
        elif c == ord("*"):
            kind = "bold"
        elif c == ord("~"):
            kind = "strikethrough"
        elif c == ord("|") and after == ord("|"):
            kind, i = "spoiler", i + 1
        elif c == ord("["):
            kind = "text_link"
        elif c == ord("`"):
            kind = "code"
            if after == ord("`") and s.at(i + 2) == ord("`"):
                i, language = _pre_start(s, i + 3)
                kind = "pre_code" if language else "pre"
        elif c == ord("!") and after == ord("["):
            kind, i = "custom_emoji", i + 1
        elif c == 10:
            self.out.append(10)
            self.units += 1
            self.can_quote = True
            return i
        elif c == ord(">") and self.can_quote:
            if self.quote:
                return i
            kind, self.quote = "blockquote", True
        else:
            raise _reserved_error(c)
        self.stack.append(_Open(kind, self.units, start, len(self.out), language))
        return i

    def _close(self, i: int) -> int:
        s, c = self.s, self.s.at(i)
        top = self.stack[-1]
        kind = top.kind
        if c == 10 and kind != "blockquote":
            # A new line ends a quote; only "||" right before it (an expandable quote) may.
            cr_before = bool(self.out) and self.out[-1] == 13
            if kind != "spoiler" or not (
                top.byte_offset == i - 2 or (top.byte_offset == i - 3 and cr_before)
            ):
                raise _unclosed(kind, top.byte_offset)
            self.stack.pop()
            top = self.stack[-1]
            if top.kind != "blockquote":
                raise _unclosed(top.kind, top.byte_offset)
            kind = "expandable_blockquote"
        extra: dict[str, Any] = {}
        skip = self.units == top.offset
        if kind in ("underline", "spoiler"):
            i += 1
        elif kind in ("pre", "pre_code"):
            i += 2
            kind = "pre"
            if top.language:
                extra["language"] = top.language
        elif kind == "text_link":
            i, link = self._link_target(i, top)
            if link is None:
                skip = True
            else:
                kind = link.pop("type")
                extra = link
        elif kind == "custom_emoji":
            i, extra = self._emoji_target(i)
        elif kind in ("blockquote", "expandable_blockquote"):
            self.quote = False
            self.out.append(s.at(i))
            self.can_quote = True
            self.units += 1
            skip = False
        if not skip:
            self.entities.append(_entity(kind, top.offset, self.units - top.offset, **extra))
        self.stack.pop()
        return i

    def _target(self, i: int) -> tuple[int, str, int]:
        """Read "(...)" after "]" at i: (index of ")", unescaped URL, where it began)."""
        s = self.s
        i += 2
        begin = i
        url = bytearray()
        while i < len(s) and s.at(i) != ord(")"):
            if s.at(i) == ord("\\") and 0 < s.at(i + 1) <= 126:
                url.append(s.at(i + 1))
                i += 2
                continue
            url.append(s.at(i))
            i += 1
        return i, url.decode("utf-8", "replace"), begin

    def _link_target(self, i: int, top: _Open) -> tuple[int, dict[str, Any] | None]:
        if self.s.at(i + 1) != ord("("):
            return i, checked_link(self.out[top.begin :].decode("utf-8", "replace"))
        i, url, begin = self._target(i)
        if self.s.at(i) != ord(")"):
            raise EntityParseError(f"Can't find end of a URL at byte offset {begin}")
        return i, checked_link(url)

    def _emoji_target(self, i: int) -> tuple[int, dict[str, Any]]:
        if self.s.at(i + 1) != ord("("):
            raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
        i, url, begin = self._target(i)
        if self.s.at(i) != ord(")"):
            raise EntityParseError(f"Can't find end of a custom emoji URL at byte offset {begin}")
        parts = urlsplit(url)
        if parts.scheme.lower() != "tg":
            raise EntityParseError("Custom emoji URL must have scheme tg")
        if (parts.netloc or parts.path.strip("/")).lower() != "emoji":
            raise EntityParseError('Custom emoji URL must have host "emoji"')
        ids = [v for k, _, v in (p.partition("=") for p in parts.query.split("&")) if k == "id"]
        if not ids:
            raise EntityParseError("Custom emoji URL must have an emoji identifier")
        if not ids[0].isdigit() or ids[0].startswith("0"):
            raise EntityParseError("Invalid custom emoji identifier specified")
        return i, {"custom_emoji_id": ids[0]}

    def _finish(self) -> None:
        if self.quote and self.stack:
            kind = "blockquote"
            top = self.stack[-1]
            if top.kind == "spoiler" and top.byte_offset == len(self.s) - 2:
                self.stack.pop()
                kind = "expandable_blockquote"
            top = self.stack[-1]
            if top.kind == "blockquote":
                self.quote = False
                if self.units != top.offset:
                    self.entities.append(_entity(kind, top.offset, self.units - top.offset))
                self.stack.pop()
        if self.stack:
            raise _unclosed(self.stack[-1].kind, self.stack[-1].byte_offset)


def parse_markdown_v2(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Return (plain text, entities) or raise EntityParseError like Telegram would."""
    return _V2(text).run()
