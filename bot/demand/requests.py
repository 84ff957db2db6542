"""The company requests line of /demande ("2 demandes d'entreprises près de vos espaces"):
one short read, so the chat can show what companies asked next to what learners searched."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from bot.companies.answers import company_requests_line
from bot.db import reading


def open_requests_line(engine: Engine, *, organisation_id: int, language: str) -> str | None:
    """The line for the organisation's open, unanswered requests; None when there is none."""
    with reading(engine) as session:
        return company_requests_line(session, organisation_id, language)
