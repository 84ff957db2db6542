"""The expected failures of enrolment, each with the text the learner is told."""

from __future__ import annotations

from bot.errors import DomainError, Refusal
from bot.models import EnrolmentStatus


class EnrolmentError(DomainError):
    """Base of the expected failures of enrolment."""


class SessionUnavailable(EnrolmentError):
    """The session does not exist, was cancelled, or has started."""

    key = "enrol.unavailable"


class SessionFull(EnrolmentError):
    """No seat left: the waitlist can be offered."""

    key = "enrol.full"


class SeatAvailable(EnrolmentError):
    """A seat is free and nobody is waiting: enrol instead of joining the waitlist."""


class AlreadyEnrolled(EnrolmentError):
    """The learner already has a seat (or a waitlist place) for this session."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status

    def refusal(self) -> Refusal:
        waiting = self.status != EnrolmentStatus.ENROLLED
        return Refusal("enrol.already_waiting" if waiting else "enrol.already")


class NotYourEnrolment(EnrolmentError):
    """The enrolment belongs to someone else (or does not exist)."""

    key = "mine.not_yours"


class OfferExpired(EnrolmentError):
    """The seat offer is no longer valid."""

    key = "enrol.offer_expired"
