"""Fault injection: make chosen Bot API calls fail the way Telegram sometimes does.

The registry holds no lock of its own: the sandbox calls it while holding the world's
condition, so faults are consumed atomically with the call they apply to.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.sandbox.errors import BLOCKED, QUERY_TOO_OLD, ApiError, server_error

logger = logging.getLogger(__name__)

FAULT_KINDS = frozenset({"retry_after", "server_error", "timeout", "forbidden", "query_too_old"})
# Methods that reach a chat and therefore fail when the user blocked the bot.
_CHAT_METHOD_PREFIXES = ("send", "edit", "copy", "forward", "pin", "unpin")


@dataclass
class Fault:
    """One armed fault: applies to the next `times` calls of `method` (lower-cased)."""

    method: str
    kind: str
    times: int = 1
    chat_id: int | None = None
    retry_after: int = 1
    status: int = 502
    delay: float = 0.0

    def matches(self, method: str, params: dict[str, str]) -> bool:
        if self.method != method.lower():
            return False
        return self.chat_id is None or params.get("chat_id") == str(self.chat_id)

    def error(self) -> ApiError | None:
        """The error to answer with (None for "timeout", which answers late but normally)."""
        if self.kind == "retry_after":
            return ApiError(
                429,
                f"Too Many Requests: retry after {self.retry_after}",
                {"retry_after": self.retry_after},
            )
        if self.kind == "server_error":
            return server_error(self.status)
        if self.kind == "forbidden":
            return ApiError(403, BLOCKED)
        if self.kind == "query_too_old":  # answerCallbackQuery after Telegram's deadline
            return ApiError(400, QUERY_TOO_OLD)
        return None


class FaultRegistry:
    """Armed faults and blocked users."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self.blocked: set[int] = set()

    def add(self, fault: Fault) -> None:
        if fault.kind not in FAULT_KINDS:
            raise ValueError(
                f"unknown fault kind {fault.kind!r}; use one of {sorted(FAULT_KINDS)}"
            )
        if fault.times < 1:
            raise ValueError("times must be at least 1")
        if fault.kind == "server_error" and not 500 <= fault.status <= 599:
            raise ValueError("server_error status must be 5xx")
        fault.method = fault.method.lower()
        self._faults.append(fault)

    def take(self, method: str, params: dict[str, str]) -> Fault | None:
        """Consume one use of the first fault matching this call, if any."""
        for fault in self._faults:
            if fault.matches(method, params):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                logger.debug("sandbox fault %s applied to %s", fault.kind, method)
                return fault
        return None

    def blocked_error(self, method: str, params: dict[str, str]) -> ApiError | None:
        """403 when the call targets the private chat of a user who blocked the bot."""
        if not self.blocked or not method.lower().startswith(_CHAT_METHOD_PREFIXES):
            return None
        try:
            chat_id = int(params.get("chat_id", ""))
        except ValueError:
            return None
        return ApiError(403, BLOCKED) if chat_id in self.blocked else None

    def clear(self) -> None:
        """Disarm every fault (blocked users stay blocked: use unblock)."""
        self._faults.clear()

    @property
    def armed(self) -> list[Fault]:
        return list(self._faults)
