"""Requests from local companies (intra-entreprise), in the chat.

- `asking`: the request being written (employer phrasing or [Pour mon entreprise]), at most
  three questions, the summary, [Envoyer];
- `relaying`: [Répondre] opens the relayed conversation, [Terminer] ends it;
- `listing`: /entreprises, [Marquer répondue], [M'alerter];
- `texts`: summaries, keyboards, `notify` (durable notices, rendered in
  `handlers/notices/companies.py`).

The two conversations come right after the other conversations (they take the next message
while waiting), before the ordinary search.
"""

from __future__ import annotations

from handlers.common import Handlers
from handlers.companies import asking, listing, relaying


def conversations() -> Handlers:
    """Registered with the other conversations. The relay first: an admin writing to a
    company ("nous formons vos 6 salariés…") must not start a request of their own."""
    return [relaying.conversation(), asking.conversation()]


def handlers() -> Handlers:
    """/entreprises and the request's buttons outside the conversations."""
    return [*listing.handlers(), relaying.ending_outside()]
