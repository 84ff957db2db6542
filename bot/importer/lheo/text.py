"""Text fields of LHEO carry escaped HTML (`&lt;p&gt;…`): turned into plain text, never stored
with tags. Paragraphs and line breaks become line ends, list items lines starting with "- "."""

from __future__ import annotations

import html
import logging
import re
from html.parser import HTMLParser

logger = logging.getLogger(__name__)

_BLOCKS = {"p", "div", "br", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table"}
_SKIPPED = {"script", "style"}
_SPACES = re.compile(r"[ \t\r\f\v]+")
_LINES = re.compile(r"\n\s*\n\s*(?:\n\s*)+")
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^<>]*>")


class _Plain(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS or tag == "li":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def plain_text(text: str | None) -> str | None:
    """`<p>Un</p><ul><li>deux</li></ul>` → "Un\\n- deux"; text without tags is only trimmed."""
    if text is None:
        return None
    if "&lt;" in text and not _TAG.search(text):  # escaped twice
        text = html.unescape(text)
    if _TAG.search(text):
        parser = _Plain()
        parser.feed(text)
        parser.close()
        text = "".join(parser.parts)
    else:
        text = html.unescape(text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\xa0", " ").split("\n")]
    cleaned = _LINES.sub("\n\n", "\n".join(lines)).strip()
    return re.sub(r"\n{2,}(?=- )", "\n", cleaned) or None
