"""Until when a session can be found and joined: its start, or its end with permanent entry.

A session with permanent entry (LHEO `modalites-entrees-sorties` = 1: "entrées et sorties
permanentes jusqu'au …") takes learners any day until `ends_at` (an open-end one until the
import's horizon); any other session closes when it starts. Search, cards, enrolment and
waitlist offers all ask here, so they agree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import col

from bot.models import TrainingSession


class Dated(Protocol):
    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime: ...
    @property
    def permanent_entry(self) -> bool: ...


def open_until(training: Dated) -> datetime:
    """The last moment a learner may join (exclusive)."""
    return training.ends_at if training.permanent_entry else training.starts_at


def is_open(training: Dated, now: datetime) -> bool:
    """Whether a learner may still find and join the session at `now`."""
    return open_until(training) > now


def still_open(now: datetime) -> ColumnElement[bool]:
    """SQL: the sessions a learner may still join at `now` (same rule as `is_open`)."""
    ts = TrainingSession
    return or_(
        col(ts.starts_at) > now,
        and_(col(ts.permanent_entry).is_(True), col(ts.ends_at) > now),
    )
