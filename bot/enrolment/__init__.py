"""Enrolment: seats taken atomically, one enrolment per learner, a waitlist with offers.

A seat is taken with one guarded statement (`seats_taken < seats`), so concurrent enrolments
never overbook, on SQLite as on PostgreSQL. When a seat frees, the first waiting learner is
*offered* it (the seat is held for them) until a deadline; without an answer it passes on.

- `seats`: the guarded seat statements, and the results (`Taken`, `Cancelled`, `Offer`);
- `booking`: enrol, cancel; `waitlist`: join, offers accepted, declined, expired;
- `errors`: the expected failures, each with its refusal.
"""

from __future__ import annotations

from bot.enrolment.booking import cancel, enrol
from bot.enrolment.errors import (
    AlreadyEnrolled,
    EnrolmentError,
    NotYourEnrolment,
    OfferExpired,
    SeatAvailable,
    SessionFull,
    SessionUnavailable,
)
from bot.enrolment.seats import (
    DEFAULT_OFFER_TTL,
    HOLDING,
    MIN_OFFER_TTL,
    OFFER_MARGIN,
    Cancelled,
    Offer,
    Taken,
    offer_deadline,
)
from bot.enrolment.waitlist import (
    Expired,
    accept_offer,
    decline_offer,
    expire_offers,
    join_waitlist,
)

__all__ = [
    "DEFAULT_OFFER_TTL",
    "HOLDING",
    "MIN_OFFER_TTL",
    "OFFER_MARGIN",
    "AlreadyEnrolled",
    "Cancelled",
    "EnrolmentError",
    "Expired",
    "NotYourEnrolment",
    "Offer",
    "OfferExpired",
    "SeatAvailable",
    "SessionFull",
    "SessionUnavailable",
    "Taken",
    "accept_offer",
    "cancel",
    "decline_offer",
    "enrol",
    "expire_offers",
    "join_waitlist",
    "offer_deadline",
]
