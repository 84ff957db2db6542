"""The expected failures of company requests, each with its catalog text."""

from __future__ import annotations

from bot.errors import DomainError, Refusal


class CompanyError(DomainError):
    """Base of the expected failures of company requests."""

    key = "companies.gone"


class NotYours(CompanyError):
    """The request or conversation belongs to someone else (a forged or forwarded button)."""

    key = "companies.not_yours"


class RequestGone(CompanyError):
    """The request was withdrawn or forgotten, or the organisation no longer has it."""


class ConversationClosed(CompanyError):
    """One side ended the relayed conversation."""

    key = "companies.closed"


class TooManyRequests(CompanyError):
    """A requester filed `limit` requests in the last day: organisations are not a mailing
    list."""

    key = "companies.too_many"

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit

    def refusal(self) -> Refusal:
        return Refusal(self.key, {"max": self.limit})
