"""Telegram's HTML parse mode: validation, plain text and entities.

Telegram rejects the whole message when its HTML does not parse, which is a classic
production-only bug (a user's name containing `<` or `&` that was not escaped). This parser
follows the rules of Telegram's own parser (tdlib's `parse_html`) closely enough to reject
the same inputs with similar messages, and computes the plain text and entities
(offsets in UTF-16 code units) that Telegram would return.

It is deliberately a little stricter than Telegram on one point: a bare `&` that does not
start a supported entity is rejected, whereas Telegram keeps it literally. Escaping with
`html.escape` satisfies both.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{1,10});")
_ATTR_RE = re.compile(
    r"""\s*([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>"']+))?"""
)
# An unquoted attribute value is an SGML name token (tdlib MessageEntity.cpp parse_html).
_NAME_TOKEN_RE = re.compile(r"[A-Za-z0-9.-]*")
_TAG_RE = re.compile(r"<[^>]*>")
_TAG_NAME_RE = re.compile(r"[^\s>]*")


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; the message follows "can't parse entities: "."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    offset: int  # UTF-16 offset in the plain text where the tag's content starts
    extra: dict[str, Any] = field(default_factory=dict)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_entity(text: str, index: int) -> tuple[str, int] | None:
    """(decoded character, consumed length) for the entity at `index`, or None."""
    match = _ENTITY_RE.match(text, index)
    if not match:
        return None
    body = match.group(1)
    if body.startswith("#"):
        number = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
        if number == 0 or number > 0x10FFFF or 0xD800 <= number <= 0xDFFF:
            return None
        return chr(number), match.end() - index
    char = NAMED_ENTITIES.get(body.lower())
    return (char, match.end() - index) if char is not None else None


def _parse_attrs(raw: str, where: int) -> dict[str, str] | None:
    """Attributes of a start tag; `where` is the byte offset of `raw` in the message."""
    attrs: dict[str, str] = {}
    pos = 0
    raw = raw.rstrip()
    while pos < len(raw):
        match = _ATTR_RE.match(raw, pos)
        if not match or match.end() == pos:
            return None
        value = match.group(2) or ""
        if value[:1] in ("'", '"'):
            value = value[1:-1]
        elif _NAME_TOKEN_RE.fullmatch(value) is None:
            start = where + _byte_offset(raw, match.start(2))
            raise EntityParseError(f"Unexpected end of name token at byte offset {start}")
        else:
            value = value.lower()  # name tokens are not case sensitive
        attrs[match.group(1).lower()] = html.unescape(value)
        pos = match.end()
    return attrs


def _start_tag(text: str, index: int) -> tuple[_OpenTag, int]:
    """Parse `<name attrs>` at index; returns (tag, index after '>'). Checks happen in the
    order of Telegram's parser so the same input yields the same complaint."""
    where = _byte_offset(text, index)
    match = _TAG_NAME_RE.match(text, index + 1)
    name_end = match.end() if match else index + 1
    if name_end >= len(text):
        raise EntityParseError(f"Unclosed start tag at byte offset {where}")
    name = text[index + 1 : name_end].lower()
    if name not in ENTITY_TYPES:
        raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {where}')
    end = text.find(">", name_end)
    if end == -1:
        raise EntityParseError(f"Can't find end of the tag starting at byte offset {where}")
    attrs = _parse_attrs(text[name_end:end], _byte_offset(text, name_end))
    if attrs is None:
        raise EntityParseError(f"Can't parse attributes of tag at byte offset {where}")
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {where}')
    if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
        raise EntityParseError(f'Tag "tg-emoji" must have attribute "emoji-id" at {where}')
    return _OpenTag(name, attrs, 0), end + 1


def _entity_for(tag: _OpenTag, end: int) -> dict[str, Any] | None:
    length = end - tag.offset
    if length <= 0 or tag.extra.get("absorbed"):
        return None
    entity: dict[str, Any] = {
        "type": ENTITY_TYPES[tag.name],
        "offset": tag.offset,
        "length": length,
    }
    if tag.name == "a":
        href = tag.attrs.get("href")
        if not href:
            return None
        entity["url"] = href
    elif tag.name == "pre" and tag.extra.get("language"):
        entity["language"] = tag.extra["language"]
    elif tag.name == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    elif tag.name == "tg-emoji":
        entity["custom_emoji_id"] = tag.attrs["emoji-id"]
    return entity


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Return (plain text, entities) or raise EntityParseError like Telegram would."""
    plain: list[str] = []
    offset = 0  # UTF-16 length of the plain text so far
    stack: list[_OpenTag] = []
    opened: list[_OpenTag] = []  # every tag in opening order, to order nested entities
    entities: list[dict[str, Any]] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "&":
            decoded = _decode_entity(text, index)
            if decoded is None:
                where = _byte_offset(text, index)
                raise EntityParseError(
                    f'unescaped "&" at byte offset {where}: use "&amp;" or a supported entity'
                )
            plain.append(decoded[0])
            offset += utf16_len(decoded[0])
            index += decoded[1]
        elif char != "<":
            nxt = min(
                (p for p in (text.find("<", index), text.find("&", index)) if p != -1),
                default=len(text),
            )
            chunk = text[index:nxt]
            plain.append(chunk)
            offset += utf16_len(chunk)
            index = nxt
        elif text.startswith("</", index):
            end = text.find(">", index)
            where = _byte_offset(text, index)
            if end == -1:
                raise EntityParseError(f"Can't find end tag at byte offset {where}")
            name = text[index + 2 : end].strip().lower()
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {where}")
            if name != stack[-1].name:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {where}, expected "</{stack[-1].name}>", '
                    f'found "</{name}>"'
                )
            tag = stack.pop()
            entity = _entity_for(tag, offset)
            if entity:
                entities.append({**entity, "_order": tag.extra["order"]})
            index = end + 1
        else:
            tag, index = _start_tag(text, index)
            tag.offset = offset
            tag.extra["order"] = len(opened)
            opened.append(tag)
            language = tag.attrs.get("class", "")
            # <pre><code class="language-x"> is one pre entity with a language, as in Telegram.
            in_pre = tag.name == "code" and stack and stack[-1].name == "pre"
            if in_pre and language.startswith("language-"):
                stack[-1].extra["language"] = language.removeprefix("language-")
                tag.extra["absorbed"] = True
            stack.append(tag)
    if stack:
        raise EntityParseError(
            f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"'
        )
    # Telegram lists entities by offset, longer (outer) first, then in opening order.
    entities.sort(key=lambda e: (e["offset"], -e["length"], e["_order"]))
    for entity in entities:
        del entity["_order"]
    return "".join(plain), entities


def to_plain(text: str | None, parse_mode: str | None) -> str:
    """What the person sees: markup removed, entities decoded (best effort if invalid)."""
    if not text:
        return ""
    if (parse_mode or "").lower() not in ("html", "markdown", "markdownv2"):
        return text
    try:
        return render(text, parse_mode)[0]
    except EntityParseError:
        return html.unescape(_TAG_RE.sub("", text))


class UnsupportedParseMode(ValueError):
    """A parse_mode Telegram does not know (Client.cpp get_formatted_text)."""


def render(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities for `text` sent with `parse_mode`, or EntityParseError with
    Telegram's sentence (HTML here, Markdown and MarkdownV2 in bot.sandbox.markdown)."""
    mode = (parse_mode or "").lower()
    if not text or mode in ("", "none"):
        return text, []
    if mode == "html":
        return parse_html(text)
    if mode in ("markdown", "markdownv2"):
        # Imported here: bot.sandbox.markdown reuses this module's EntityParseError.
        from bot.sandbox.markdown import parse_markdown, parse_markdown_v2

        return (parse_markdown_v2 if mode == "markdownv2" else parse_markdown)(text)
    raise UnsupportedParseMode(parse_mode)
