"""The expected failures of company requests, each with its catalog text."""

from __future__ import annotations

from bot.errors import DomainError


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
