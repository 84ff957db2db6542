"""What the mentoring chat remembers for one person, and the mentoring settings as durations.

`user_data[WAIT]` says which typed text comes next (an availability phrase, a link, a place,
a topic, a note for the tutor); `user_data[DRAFT]` holds the slot a tutor is adding, field by
field. The conversation (`handlers.mentoring.conversation`) routes typed text by `WAIT`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.config import Settings
from bot.context import ProxiContext

AWAIT = 1  # the mentoring conversation's one state: some typed text is awaited
WAIT = "mentoring_wait"  # user_data: {"kind": "availability"|"link"|"place"|"topic"|"message"}
DRAFT = "mentoring_draft"  # user_data: the slot being added, field by field

# Defaults when Settings has no mentoring_* fields.
SWEEP_INTERVAL = 300.0  # seconds between two passes over unanswered requests
SWEEP_JOB = "mentoring:expire-requests"

# Codes of the decline reasons (stored as is, shown in the learner's language).
REASONS = ("unavailable", "out_of_scope", "none")


@dataclass(frozen=True, slots=True)
class MentoringConfig:
    nudge_after: timedelta
    expire_before: timedelta
    offsets: tuple[timedelta, ...]


def config(settings: Settings) -> MentoringConfig:
    """The mentoring settings as durations."""
    return MentoringConfig(
        nudge_after=timedelta(hours=settings.mentoring_nudge_after_hours),
        expire_before=timedelta(hours=settings.mentoring_expire_before_hours),
        offsets=tuple(timedelta(hours=h) for h in settings.mentoring_reminder_offsets_hours),
    )


def waiting(context: ProxiContext, kind: str | None, **values: Any) -> None:
    """Say which typed text comes next (None: nothing)."""
    if context.user_data is None:
        return
    if kind is None:
        context.user_data.pop(WAIT, None)
    else:
        context.user_data[WAIT] = {"kind": kind, **values}


def awaited(context: ProxiContext) -> dict[str, Any]:
    """What typed text is awaited ({} when none)."""
    return dict((context.user_data or {}).get(WAIT) or {})
