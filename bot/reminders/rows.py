"""Reminder rows: planning (`schedule`, idempotent by `dedupe_key`), cancelling, reading.

Rows are the truth: whoever sends them claims them first (`bot.reminders.claims`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from bot.db import unit_of_work
from bot.models import Reminder, ReminderStatus
from bot.reminders.quiet import PARIS, QUIET_HOURS, send_time

_REVIVABLE = (ReminderStatus.FAILED, ReminderStatus.EXPIRED, ReminderStatus.CANCELLED)


@dataclass(frozen=True, slots=True)
class ReminderView:
    """A reminder as plain values."""

    id: int
    kind: str
    dedupe_key: str
    recipient_id: int
    due_at: datetime
    deadline_at: datetime | None
    appointment_id: int | None
    session_id: int | None
    urgent: bool
    status: str
    attempts: int
    sent_at: datetime | None
    last_error: str | None


def row_view(row: Reminder) -> ReminderView:
    """The row as plain values, usable once its session is closed."""
    return ReminderView(
        id=row.id,  # type: ignore[arg-type]  # a stored row's id is set (None only before flush)
        kind=row.kind,
        dedupe_key=row.dedupe_key,
        recipient_id=row.recipient_id,
        due_at=row.due_at,
        deadline_at=row.deadline_at,
        appointment_id=row.appointment_id,
        session_id=row.session_id,
        urgent=row.urgent,
        status=row.status,
        attempts=row.attempts,
        sent_at=row.sent_at,
        last_error=row.last_error,
    )


def schedule(
    engine: Engine,
    *,
    kind: str,
    recipient_id: int,
    due_at: datetime,
    dedupe_key: str,
    now: datetime,
    urgent: bool = False,
    deadline_at: datetime | None = None,
    appointment_id: int | None = None,
    session_id: int | None = None,
    tz: ZoneInfo = PARIS,
    quiet_hours: tuple[int, int] | None = QUIET_HOURS,
) -> ReminderView | None:
    """Plan a reminder, idempotently by `dedupe_key`; returns None when it would be useless.

    Planning again moves a pending reminder (and revives a failed, expired or cancelled one);
    a reminder being sent or already sent is left alone. Past its deadline nothing is created
    (a pending one is marked expired). Due in the past but before its deadline: sent at once.
    """
    when = send_time(
        due_at, now=now, urgent=urgent, deadline_at=deadline_at, tz=tz, quiet_hours=quiet_hours
    )
    values = {
        "kind": kind,
        "recipient_id": recipient_id,
        "due_at": when,
        "deadline_at": deadline_at,
        "appointment_id": appointment_id,
        "session_id": session_id,
        "urgent": urgent,
    }
    useless = deadline_at is not None and deadline_at <= now
    for attempt in (1, 2):
        try:
            return _upsert(engine, dedupe_key, values, useless=useless)
        except IntegrityError:
            # Another process inserted the same key between our read and our insert
            # (PostgreSQL; SQLite serialises writers): the second pass updates it.
            if attempt == 2:
                raise
    return None  # pragma: no cover


def _upsert(
    engine: Engine, dedupe_key: str, values: dict[str, object], *, useless: bool
) -> ReminderView | None:
    with unit_of_work(engine) as session:
        row = session.scalars(
            select(Reminder).where(col(Reminder.dedupe_key) == dedupe_key).with_for_update()
        ).first()
        if row is not None and row.status in (ReminderStatus.SENT, ReminderStatus.SENDING):
            return row_view(row)
        if useless:
            if row is not None and row.status == ReminderStatus.PENDING:
                row.status = ReminderStatus.EXPIRED
            return None
        if row is None:
            row = Reminder(dedupe_key=dedupe_key, **values)  # type: ignore[arg-type]  # values holds Reminder's own columns
            session.add(row)
        else:
            for name, value in values.items():
                setattr(row, name, value)
            if row.status in _REVIVABLE:
                row.status = ReminderStatus.PENDING
                row.attempts = 0
                row.sent_at = None
            row.claimed_by = row.claimed_at = row.last_error = None
        session.flush()
        return row_view(row)


def cancel_for(
    engine: Engine,
    *,
    appointment_id: int | None = None,
    session_id: int | None = None,
    recipient_id: int | None = None,
    kinds: list[str] | tuple[str, ...] | None = None,
) -> list[int]:
    """Cancel the pending reminders of an appointment or a session (optionally only one
    recipient's, or some kinds); returns their ids, so the caller can disarm them."""
    if appointment_id is None and session_id is None:
        raise ValueError("cancel_for needs an appointment_id or a session_id")
    conditions = [col(Reminder.status) == ReminderStatus.PENDING]
    if appointment_id is not None:
        conditions.append(col(Reminder.appointment_id) == appointment_id)
    if session_id is not None:
        conditions.append(col(Reminder.session_id) == session_id)
    if recipient_id is not None:
        conditions.append(col(Reminder.recipient_id) == recipient_id)
    if kinds is not None:
        conditions.append(col(Reminder.kind).in_(list(kinds)))
    with unit_of_work(engine) as session:
        result = session.execute(
            update(Reminder)
            .where(*conditions)
            .values(status=ReminderStatus.CANCELLED)
            .returning(col(Reminder.id))
        )
        return sorted(result.scalars())


def upcoming(
    engine: Engine, *, after: datetime | None, until: datetime, limit: int
) -> list[tuple[int, datetime]]:
    """(id, due_at) of pending reminders due in (after, until] (from the oldest when `after`
    is None), soonest first: the timers to set."""
    query = select(col(Reminder.id), col(Reminder.due_at)).where(
        col(Reminder.status) == ReminderStatus.PENDING, col(Reminder.due_at) <= until
    )
    if after is not None:
        query = query.where(col(Reminder.due_at) > after)
    with unit_of_work(engine) as session:
        rows = session.execute(query.order_by(col(Reminder.due_at), col(Reminder.id)).limit(limit))
        return [(reminder_id, due_at) for reminder_id, due_at in rows]


def pending(engine: Engine, *, limit: int | None = None) -> list[ReminderView]:
    """Reminders not delivered yet (pending, or being sent), soonest first."""
    with unit_of_work(engine) as session:
        query = (
            select(Reminder)
            .where(col(Reminder.status).in_([ReminderStatus.PENDING, ReminderStatus.SENDING]))
            .order_by(col(Reminder.due_at), col(Reminder.id))
        )
        if limit is not None:
            query = query.limit(limit)
        return [row_view(row) for row in session.scalars(query)]


def get(engine: Engine, *, reminder_id: int) -> ReminderView | None:
    """One reminder, whatever its status."""
    with unit_of_work(engine) as session:
        row = session.get(Reminder, reminder_id)
        return row_view(row) if row is not None else None
