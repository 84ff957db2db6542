"""The base of every expected domain failure, and what the person is told about it.

Each area has one base (`EnrolmentError`, `AlertError`, `RoleError`, `MentoringError`), and
each failure names its catalog text with `refusal()`: the handler only translates it
(`handlers.common.refuse`), so the same failure reads the same wherever it happens.
Domain code never imports Telegram; a `Refusal` is plain data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class Refusal:
    """A catalog key and its values; `texts` are values that are catalog keys themselves
    (e.g. a status), translated before the message."""

    key: str
    values: Mapping[str, object] = field(default_factory=dict)
    texts: Mapping[str, str] = field(default_factory=dict)


class DomainError(Exception):
    """An expected failure: the person gets `refusal()`'s text, nothing is written."""

    key: ClassVar[str] = "fallback.stale_button"

    def refusal(self) -> Refusal:
        """What to tell the person (subclasses with values override this)."""
        return Refusal(self.key)
