"""The kinds of `reminder` rows company requests send through (rendered by
`handlers/notices/companies.py`), and their dedupe keys, which carry the subject's id."""

from __future__ import annotations

REQUEST_NOTICE = "company_request"  # a new request, to each admin of an organisation
MESSAGE_NOTICE = "company_message"  # a relayed message, to the other side
CLOSED_NOTICE = "company_closed"  # the other side ended the conversation


def dedupe_key(kind: str, subject_id: int, recipient_id: int) -> str:
    """One row per (kind, subject, recipient): planning it twice sends it once."""
    return f"{kind}:{subject_id}:{recipient_id}"


def subject_of(dedupe_key: str) -> int:
    """The subject's id (route or message) a dedupe key carries."""
    return int(dedupe_key.split(":")[1])
