"""Claiming a due reminder for sending, and booking how the send went.

A row is sent only by whoever moved it from `pending` to `sending` with one guarded UPDATE,
so two tasks or two bot processes sharing the database never both send it. A `sending` claim
older than `LEASE` is taken over (at-least-once: see the package docstring for why).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from bot.db import rowcount, unit_of_work
from bot.models import Reminder, ReminderStatus, User
from bot.reminders.quiet import PARIS, QUIET_HOURS, quiet_hours_shift
from bot.reminders.rows import ReminderView, row_view

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # a `sending` claim older than this is taken over
MAX_ATTEMPTS = 4  # the first try and three retries
BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10))

# How a reminder that can no longer be useful is booked, at claim time or in a sweep.
_EXPIRED = {"status": ReminderStatus.EXPIRED, "last_error": "deadline passed before sending"}


class ClaimOutcome(StrEnum):
    CLAIMED = "claimed"  # this worker, and nobody else, sends it now
    EXPIRED = "expired"  # its deadline passed: marked expired, not sent
    SKIPPED = "skipped"  # not due, already claimed, sent, cancelled, or gone
    POSTPONED = "postponed"  # non-urgent and due in the quiet hours: moved to their end


@dataclass(frozen=True, slots=True)
class ClaimResult:
    """What `claim` did; for a claimed row, who to send it to and in which language."""

    outcome: ClaimOutcome
    reminder: ReminderView | None = None
    language: str = "fr"
    recipient_active: bool = True


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(col(Reminder.status) == ReminderStatus.PENDING, col(Reminder.due_at) <= now)


def _stale(now: datetime, lease: timedelta) -> ColumnElement[bool]:
    return and_(
        col(Reminder.status) == ReminderStatus.SENDING, col(Reminder.claimed_at) <= now - lease
    )


def _claimable(now: datetime, lease: timedelta) -> ColumnElement[bool]:
    return or_(_due(now), _stale(now, lease))


def _past_deadline(now: datetime) -> ColumnElement[bool]:
    return and_(col(Reminder.deadline_at).is_not(None), col(Reminder.deadline_at) <= now)


def claim(
    engine: Engine,
    *,
    reminder_id: int,
    worker: str,
    now: datetime,
    lease: timedelta = LEASE,
    tz: ZoneInfo = PARIS,
    quiet_hours: tuple[int, int] | None = QUIET_HOURS,
) -> ClaimResult:
    """Take a due reminder for sending; only one caller ever gets CLAIMED for one due time.

    One guarded UPDATE (status pending → sending, or a `sending` claim older than the lease):
    the caller sends only if it changed the row. Past its deadline, it is marked expired.
    A non-urgent one falling due in the quiet hours (a retry, a bot down until 21:30) is
    POSTPONED to their end instead, unless that would pass its deadline.
    """
    morning = quiet_hours_shift(now, tz=tz, quiet_hours=quiet_hours) if quiet_hours else now
    with unit_of_work(engine) as session:
        if _expire(session, reminder_id, now, lease):
            logger.info("reminder %s expired: its deadline passed before it could go", reminder_id)
            return ClaimResult(ClaimOutcome.EXPIRED)
        if morning != now and (postponed := _postpone(session, reminder_id, now, morning)):
            return ClaimResult(ClaimOutcome.POSTPONED, postponed)
        if not _take(session, reminder_id, worker, now, lease):
            return ClaimResult(ClaimOutcome.SKIPPED)
        row = session.get(Reminder, reminder_id)
        user = session.get(User, row.recipient_id)  # type: ignore[union-attr]  # _take just claimed this row: it exists
        return ClaimResult(
            ClaimOutcome.CLAIMED,
            row_view(row),  # type: ignore[arg-type]  # _take just claimed this row: it exists
            language=user.language if user else "fr",
            recipient_active=bool(user and user.is_active),
        )


def _expire(session: Session, reminder_id: int, now: datetime, lease: timedelta) -> bool:
    """Mark it expired if it is claimable but past its deadline."""
    expired = session.execute(
        update(Reminder)
        .where(col(Reminder.id) == reminder_id, _claimable(now, lease), _past_deadline(now))
        .values(**_EXPIRED)
    )
    return rowcount(expired) == 1


def _postpone(
    session: Session, reminder_id: int, now: datetime, morning: datetime
) -> ReminderView | None:
    """Move a due non-urgent reminder to `morning` (the end of the quiet hours), unless its
    deadline comes first; the moved reminder, or None if it was not moved."""
    postponed = session.execute(
        update(Reminder)
        .where(
            col(Reminder.id) == reminder_id,
            _due(now),
            col(Reminder.urgent).is_(False),
            or_(col(Reminder.deadline_at).is_(None), col(Reminder.deadline_at) > morning),
        )
        .values(due_at=morning)
        .execution_options(synchronize_session=False)
    )
    if rowcount(postponed) != 1:
        return None
    return row_view(session.get(Reminder, reminder_id))  # type: ignore[arg-type]  # the UPDATE just matched this row: it exists


def _take(
    session: Session, reminder_id: int, worker: str, now: datetime, lease: timedelta
) -> bool:
    """Move it to `sending` for `worker`: a due one, else a claim older than the lease."""
    take = (
        update(Reminder)
        .values(
            status=ReminderStatus.SENDING,
            claimed_by=worker,
            claimed_at=now,
            attempts=col(Reminder.attempts) + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if rowcount(session.execute(take.where(col(Reminder.id) == reminder_id, _due(now)))) == 1:
        return True
    won = rowcount(
        session.execute(take.where(col(Reminder.id) == reminder_id, _stale(now, lease)))
    )
    if won != 1:
        return False
    logger.warning(
        "reminder %s: taking over a claim older than %s (it may have been sent)",
        reminder_id,
        lease,
    )
    return True


def _finish(engine: Engine, reminder_id: int, worker: str | None, **values: object) -> bool:
    conditions = [col(Reminder.id) == reminder_id, col(Reminder.status) == ReminderStatus.SENDING]
    if worker is not None:
        conditions.append(col(Reminder.claimed_by) == worker)
    with unit_of_work(engine) as session:
        done = rowcount(session.execute(update(Reminder).where(*conditions).values(**values)))
    if done != 1:
        logger.warning("reminder %s was no longer ours to book as %s", reminder_id, values)
    return done == 1


def mark_sent(
    engine: Engine, *, reminder_id: int, now: datetime, worker: str | None = None
) -> bool:
    """The message went out."""
    return _finish(
        engine, reminder_id, worker, status=ReminderStatus.SENT, sent_at=now, last_error=None
    )


def mark_failed(
    engine: Engine, *, reminder_id: int, error: str, worker: str | None = None
) -> bool:
    """It cannot be sent (blocked bot, bad request, nothing to render): no retry."""
    return _finish(
        engine, reminder_id, worker, status=ReminderStatus.FAILED, last_error=error[:500]
    )


def mark_cancelled(
    engine: Engine, *, reminder_id: int, reason: str, worker: str | None = None
) -> bool:
    """Its subject disappeared between planning and sending (a cancelled session...)."""
    return _finish(
        engine, reminder_id, worker, status=ReminderStatus.CANCELLED, last_error=reason[:500]
    )


def retry_delay(attempts: int) -> timedelta | None:
    """The wait before the next try after `attempts` failed ones, or None: give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return BACKOFF[min(attempts, len(BACKOFF)) - 1]


def release_for_retry(
    engine: Engine,
    *,
    reminder_id: int,
    retry_at: datetime,
    error: str,
    worker: str | None = None,
    max_attempts: int = MAX_ATTEMPTS,
) -> ReminderView | None:
    """Back to pending at `retry_at` after a transient error; failed for good once
    `max_attempts` tries were made (returns None then, or if the claim was lost)."""
    conditions = [col(Reminder.id) == reminder_id, col(Reminder.status) == ReminderStatus.SENDING]
    if worker is not None:
        conditions.append(col(Reminder.claimed_by) == worker)
    with unit_of_work(engine) as session:
        row = session.scalars(select(Reminder).where(*conditions).with_for_update()).first()
        if row is None:
            logger.warning("reminder %s was no longer ours to retry", reminder_id)
            return None
        row.last_error = error[:500]
        row.claimed_by = row.claimed_at = None
        if row.attempts >= max_attempts:
            row.status = ReminderStatus.FAILED
            logger.error(
                "reminder %s failed after %s attempts: %s", reminder_id, row.attempts, error
            )
            return None
        row.status = ReminderStatus.PENDING
        row.due_at = retry_at
        session.flush()
        return row_view(row)


def due_pending(
    engine: Engine, *, now: datetime, limit: int, lease: timedelta = LEASE
) -> list[int]:
    """Ids of reminders to send now (due pending ones, and stale claims), oldest first."""
    return [reminder_id for _, reminder_id in due_page(engine, now=now, limit=limit, lease=lease)]


def due_page(
    engine: Engine,
    *,
    now: datetime,
    limit: int,
    after: tuple[datetime, int] | None = None,
    lease: timedelta = LEASE,
) -> list[tuple[datetime, int]]:
    """(due_at, id) of reminders to send now, in that order, from just after `after`:
    pages through a backlog whose first rows may still be in flight."""
    query = select(col(Reminder.due_at), col(Reminder.id)).where(_claimable(now, lease))
    if after is not None:
        due_at, reminder_id = after
        query = query.where(
            or_(
                col(Reminder.due_at) > due_at,
                and_(col(Reminder.due_at) == due_at, col(Reminder.id) > reminder_id),
            )
        )
    with unit_of_work(engine) as session:
        rows = session.execute(query.order_by(col(Reminder.due_at), col(Reminder.id)).limit(limit))
        return [(due_at, reminder_id) for due_at, reminder_id in rows]


def expire_overdue(engine: Engine, *, now: datetime) -> int:
    """Mark expired the pending reminders whose deadline passed; returns how many."""
    with unit_of_work(engine) as session:
        count = rowcount(
            session.execute(
                update(Reminder)
                .where(col(Reminder.status) == ReminderStatus.PENDING, _past_deadline(now))
                .values(**_EXPIRED)
            )
        )
    if count:
        logger.info("%s reminders expired: their deadline passed before they could go", count)
    return count
