"""The words of one request, with their spans in the text and which are already explained.

:func:`bot.search.query.parse_request` takes time phrases, filters and the place out of a
:class:`RequestWords` in turn; what is left is the topic.
"""

from __future__ import annotations

import re

from bot.gazetteer import normalize

_TOKEN_RE = re.compile(r"[^\W_]+")


class RequestWords:
    """The words of the text with their spans, and which ones are already explained."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.spans = [(m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]
        self.norm = [normalize(text[a:b]).replace(" ", "") for a, b in self.spans]
        self.used = [False] * len(self.spans)

    def __len__(self) -> int:
        return len(self.norm)

    def original(self, i: int, j: int) -> str:
        return self.text[self.spans[i][0] : self.spans[j - 1][1]]

    def use(self, i: int, j: int) -> None:
        for k in range(i, j):
            self.used[k] = True

    def free(self, i: int, j: int) -> bool:
        return 0 <= i <= j <= len(self) and not any(self.used[i:j])
