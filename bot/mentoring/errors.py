"""The named exceptions of mentoring, each with the catalog text of its refusal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from bot.errors import DomainError, Refusal

if TYPE_CHECKING:
    from bot.mentoring.views import AppointmentView, SlotView


class MentoringError(DomainError):
    """Base of every expected mentoring failure."""

    key = "mentoring.stale_button"


class InvalidSlot(MentoringError):
    """The slot itself is malformed; `reason` is a code such as "place", "https", "seats"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SlotInPast(MentoringError):
    """The slot starts now or earlier."""


class SlotOverlap(MentoringError):
    """The new slot(s) overlap other slots of the same tutor: nothing was created."""

    def __init__(self, conflicting: Sequence[SlotView], dates: Sequence[date] = ()) -> None:
        super().__init__(f"{len(conflicting)} overlapping slot(s)")
        self.conflicting = list(conflicting)  # the existing slots in the way
        self.dates = list(dates)  # for a weekly series: the local dates that conflict


class SlotBooked(MentoringError):
    """The slot has pending or confirmed appointments: remove it with force=True."""

    def __init__(self, appointments: Sequence[AppointmentView]) -> None:
        super().__init__(f"{len(appointments)} appointment(s) on this slot")
        self.appointments = list(appointments)


class NoSeries(MentoringError):
    """The slot is gone, or not part of a weekly series."""

    key = "mentoring.availability.stale"


class UnknownTutor(MentoringError):
    """No active tutor with this id."""


class UnknownSpace(MentoringError):
    """No space with this id."""


class NotYours(MentoringError):
    """The slot or appointment is not this user's (or does not exist)."""

    key = "mentoring.not_yours"


class SlotTaken(MentoringError):
    """No seat left on the slot, or it was cancelled or has started (`reason`: full|gone)."""

    key = "mentoring.learner.taken"

    def __init__(self, reason: str = "full") -> None:
        super().__init__(reason)
        self.reason = reason


class OwnSlot(MentoringError):
    """A tutor cannot book their own slot."""

    key = "mentoring.learner.own_slot"


class AlreadyRequested(MentoringError):
    """The learner already holds an appointment on this slot."""

    key = "mentoring.learner.already"


class MessageTooLong(MentoringError):
    """The learner's message (or a reason) is longer than allowed."""


class NotPending(MentoringError):
    """The appointment is no longer in a state that allows this (`status` says which)."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status

    def refusal(self) -> Refusal:
        status = self.status if self.status in STATUSES else "gone"
        return Refusal("mentoring.stale", texts={"status": f"mentoring.status.{status}"})


# The statuses the refusal names ("already confirmed"); any other reads as "gone".
STATUSES = ("pending", "confirmed", "proposed", "declined", "cancelled", "expired", "done")


class TooLate(MentoringError):
    """The appointment has started: it can no longer be confirmed, moved or cancelled."""

    key = "mentoring.too_late"


class TooEarly(MentoringError):
    """Attendance can only be recorded once the appointment has ended."""

    key = "mentoring.attendance.too_early"


class InvalidRating(MentoringError):
    """Stars must be 1 to 5, the comment short (only forged buttons get here)."""

    key = "mentoring.not_yours"


class NotAttended(MentoringError):
    """Only an appointment that took place can be rated."""

    key = "mentoring.rating.not_attended"


class AlreadyRated(MentoringError):
    """The learner rated this appointment already."""

    key = "mentoring.rating.already"
