"""Reminders: database rows that are the truth, claimed atomically before each send.

A reminder is planned with `schedule` (idempotent by `dedupe_key`), claimed with `claim` (one
guarded UPDATE: only one process, one task, ever gets a given row into `sending`), then booked
with `mark_sent`, `mark_failed` or `release_for_retry`. Nothing here knows about Telegram: the
sender (`bot.notify`) turns rows into messages.

Delivery guarantee. A row is sent only by whoever moved it from `pending` to `sending`, so two
tasks or two bot processes sharing the database never both send it. A process killed while rows
are `pending` loses nothing: the rows are re-armed at start-up. A process killed *between* the
claim and the answer of Telegram leaves the row in `sending`; we do not know whether the message
went out. After `LEASE` such a row is claimed again (at-least-once), because a lost appointment
reminder costs more than a rare duplicate; the same holds for a timed-out send, which Telegram may
have delivered. A live process never holds a claim that long: the sender bounds each send well
below the lease.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from bot.db import unit_of_work
from bot.models import (
    Enrolment,
    EnrolmentStatus,
    Reminder,
    ReminderStatus,
    SessionStatus,
    Space,
    TrainingSession,
    User,
)

logger = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
QUIET_HOURS = (21, 8)  # non-urgent reminders wait from 21:00 until 08:00 local time
LEASE = timedelta(minutes=5)  # a `sending` claim older than this is taken over
MAX_ATTEMPTS = 4  # the first try and three retries
BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10))
SESSION_DAY_BEFORE = "session_day_before"

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


def _view(row: Reminder) -> ReminderView:
    return ReminderView(
        id=row.id,  # type: ignore[arg-type]
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


def _quiet(hour: int, quiet_hours: tuple[int, int]) -> bool:
    start, end = quiet_hours
    return hour >= start or hour < end if start > end else start <= hour < end


def quiet_hours_shift(
    moment: datetime, *, tz: ZoneInfo = PARIS, quiet_hours: tuple[int, int] = QUIET_HOURS
) -> datetime:
    """`moment`, or the end of the quiet hours it falls in (local wall time, DST-correct)."""
    local = moment.astimezone(tz)
    if not _quiet(local.hour, quiet_hours):
        return moment
    start, end = quiet_hours
    day = local.date() + timedelta(days=1) if local.hour >= start else local.date()
    return datetime.combine(day, time(end), tzinfo=tz).astimezone(UTC)


def send_time(
    due_at: datetime,
    *,
    now: datetime,
    urgent: bool,
    deadline_at: datetime | None,
    tz: ZoneInfo = PARIS,
    quiet_hours: tuple[int, int] | None = QUIET_HOURS,
) -> datetime:
    """When a reminder should go: non-urgent ones wait for the end of the quiet hours, unless
    that would pass their deadline (then they keep their time)."""
    if urgent or quiet_hours is None:
        return due_at
    moved = quiet_hours_shift(max(due_at, now), tz=tz, quiet_hours=quiet_hours)
    if moved == max(due_at, now) or (deadline_at is not None and moved >= deadline_at):
        return due_at
    return moved


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
            select(Reminder).where(Reminder.dedupe_key == dedupe_key).with_for_update()
        ).first()
        if row is not None and row.status in (ReminderStatus.SENT, ReminderStatus.SENDING):
            return _view(row)
        if useless:
            if row is not None and row.status == ReminderStatus.PENDING:
                row.status = ReminderStatus.EXPIRED
            return None
        if row is None:
            row = Reminder(dedupe_key=dedupe_key, **values)  # type: ignore[arg-type]
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
        return _view(row)


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
    conditions = [Reminder.status == ReminderStatus.PENDING]
    if appointment_id is not None:
        conditions.append(Reminder.appointment_id == appointment_id)
    if session_id is not None:
        conditions.append(Reminder.session_id == session_id)
    if recipient_id is not None:
        conditions.append(Reminder.recipient_id == recipient_id)
    if kinds is not None:
        conditions.append(Reminder.kind.in_(list(kinds)))
    with unit_of_work(engine) as session:
        result = session.execute(
            update(Reminder)
            .where(*conditions)
            .values(status=ReminderStatus.CANCELLED)
            .returning(Reminder.id)
        )
        return sorted(result.scalars())


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(Reminder.status == ReminderStatus.PENDING, Reminder.due_at <= now)


def _stale(now: datetime, lease: timedelta) -> ColumnElement[bool]:
    return and_(Reminder.status == ReminderStatus.SENDING, Reminder.claimed_at <= now - lease)


def _claimable(now: datetime, lease: timedelta) -> ColumnElement[bool]:
    return or_(_due(now), _stale(now, lease))


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
        expired = session.execute(
            update(Reminder)
            .where(
                Reminder.id == reminder_id,
                _claimable(now, lease),
                Reminder.deadline_at.is_not(None),
                Reminder.deadline_at <= now,
            )
            .values(status=ReminderStatus.EXPIRED, last_error="deadline passed before sending")
        )
        if expired.rowcount == 1:
            logger.info("reminder %s expired: its deadline passed before it could go", reminder_id)
            return ClaimResult(ClaimOutcome.EXPIRED)
        if morning != now:
            postponed = session.execute(
                update(Reminder)
                .where(
                    Reminder.id == reminder_id,
                    _due(now),
                    Reminder.urgent.is_(False),
                    or_(Reminder.deadline_at.is_(None), Reminder.deadline_at > morning),
                )
                .values(due_at=morning)
                .execution_options(synchronize_session=False)
            )
            if postponed.rowcount == 1:
                row = session.get(Reminder, reminder_id)
                return ClaimResult(ClaimOutcome.POSTPONED, _view(row))  # type: ignore[arg-type]
        take = (
            update(Reminder)
            .values(
                status=ReminderStatus.SENDING,
                claimed_by=worker,
                claimed_at=now,
                attempts=Reminder.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        won = session.execute(take.where(Reminder.id == reminder_id, _due(now))).rowcount
        if won != 1:
            won = session.execute(
                take.where(Reminder.id == reminder_id, _stale(now, lease))
            ).rowcount
            if won != 1:
                return ClaimResult(ClaimOutcome.SKIPPED)
            logger.warning(
                "reminder %s: taking over a claim older than %s (it may have been sent)",
                reminder_id,
                lease,
            )
        row = session.get(Reminder, reminder_id)
        user = session.get(User, row.recipient_id)  # type: ignore[union-attr]
        return ClaimResult(
            ClaimOutcome.CLAIMED,
            _view(row),  # type: ignore[arg-type]
            language=user.language if user else "fr",
            recipient_active=bool(user and user.is_active),
        )


def _finish(engine: Engine, reminder_id: int, worker: str | None, **values: object) -> bool:
    conditions = [Reminder.id == reminder_id, Reminder.status == ReminderStatus.SENDING]
    if worker is not None:
        conditions.append(Reminder.claimed_by == worker)
    with unit_of_work(engine) as session:
        done = session.execute(update(Reminder).where(*conditions).values(**values)).rowcount
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
    conditions = [Reminder.id == reminder_id, Reminder.status == ReminderStatus.SENDING]
    if worker is not None:
        conditions.append(Reminder.claimed_by == worker)
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
        return _view(row)


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
    query = select(Reminder.due_at, Reminder.id).where(_claimable(now, lease))
    if after is not None:
        due_at, reminder_id = after
        query = query.where(
            or_(
                Reminder.due_at > due_at,
                and_(Reminder.due_at == due_at, Reminder.id > reminder_id),
            )
        )
    with unit_of_work(engine) as session:
        rows = session.execute(query.order_by(Reminder.due_at, Reminder.id).limit(limit))
        return [(due_at, reminder_id) for due_at, reminder_id in rows]


def upcoming(
    engine: Engine, *, after: datetime | None, until: datetime, limit: int
) -> list[tuple[int, datetime]]:
    """(id, due_at) of pending reminders due in (after, until] (from the oldest when `after`
    is None), soonest first: the timers to set."""
    query = select(Reminder.id, Reminder.due_at).where(
        Reminder.status == ReminderStatus.PENDING, Reminder.due_at <= until
    )
    if after is not None:
        query = query.where(Reminder.due_at > after)
    with unit_of_work(engine) as session:
        rows = session.execute(query.order_by(Reminder.due_at, Reminder.id).limit(limit))
        return [(reminder_id, due_at) for reminder_id, due_at in rows]


def expire_overdue(engine: Engine, *, now: datetime) -> int:
    """Mark expired the pending reminders whose deadline passed; returns how many."""
    with unit_of_work(engine) as session:
        count = session.execute(
            update(Reminder)
            .where(
                Reminder.status == ReminderStatus.PENDING,
                Reminder.deadline_at.is_not(None),
                Reminder.deadline_at <= now,
            )
            .values(status=ReminderStatus.EXPIRED, last_error="deadline passed before sending")
        ).rowcount
    if count:
        logger.info("%s reminders expired: their deadline passed before they could go", count)
    return count


def pending(engine: Engine, *, limit: int | None = None) -> list[ReminderView]:
    """Reminders not delivered yet (pending, or being sent), soonest first."""
    with unit_of_work(engine) as session:
        query = (
            select(Reminder)
            .where(Reminder.status.in_([ReminderStatus.PENDING, ReminderStatus.SENDING]))
            .order_by(Reminder.due_at, Reminder.id)
        )
        if limit is not None:
            query = query.limit(limit)
        return [_view(row) for row in session.scalars(query)]


def get(engine: Engine, *, reminder_id: int) -> ReminderView | None:
    """One reminder, whatever its status."""
    with unit_of_work(engine) as session:
        row = session.get(Reminder, reminder_id)
        return _view(row) if row is not None else None


# -- the reminder this module plans itself: the day before a training session ------------


@dataclass(frozen=True, slots=True)
class SessionBrief:
    """What the "tomorrow" reminder says about a session and where it takes place."""

    title: str
    starts_at: datetime
    cancelled: bool
    enrolled: bool  # the recipient still holds a seat
    place: str
    address: str  # street, postcode and town on one line
    latitude: float
    longitude: float


def session_brief(engine: Engine, *, session_id: int, user_id: int) -> SessionBrief | None:
    """The session, its space and whether `user_id` is still enrolled (None if it is gone)."""
    with unit_of_work(engine) as session:
        training = session.get(TrainingSession, session_id)
        if training is None:
            return None
        space = session.get(Space, training.space_id)
        if space is None:
            return None
        enrolled = session.scalars(
            select(Enrolment.id).where(
                Enrolment.session_id == session_id,
                Enrolment.user_id == user_id,
                Enrolment.status == EnrolmentStatus.ENROLLED,
            )
        ).first()
        town = " ".join(part for part in (space.postcode, space.city) if part)
        address = ", ".join(part for part in (space.address, town) if part) or space.name
        return SessionBrief(
            title=training.title,
            starts_at=training.starts_at,
            cancelled=training.status == SessionStatus.CANCELLED,
            enrolled=enrolled is not None,
            place=space.name,
            address=address,
            latitude=space.latitude,
            longitude=space.longitude,
        )


def schedule_session_day_before(
    engine: Engine,
    *,
    session_id: int,
    now: datetime,
    user_id: int | None = None,
    tz: ZoneInfo = PARIS,
) -> list[ReminderView]:
    """Plan the "tomorrow" reminder (start minus 24 h, quiet hours respected) for the enrolled
    learners of a session, or only for `user_id`; call it on enrolment and when a session
    moves. Returns the reminders planned (none once the session has started)."""
    with unit_of_work(engine) as session:
        training = session.get(TrainingSession, session_id)
        if training is None:
            return []
        starts_at = training.starts_at
        query = select(Enrolment.user_id).where(
            Enrolment.session_id == session_id, Enrolment.status == EnrolmentStatus.ENROLLED
        )
        if user_id is not None:
            query = query.where(Enrolment.user_id == user_id)
        learners = list(session.scalars(query))
    planned = []
    for learner in learners:
        view = schedule(
            engine,
            kind=SESSION_DAY_BEFORE,
            recipient_id=learner,
            due_at=starts_at - timedelta(hours=24),
            deadline_at=starts_at,
            dedupe_key=f"{SESSION_DAY_BEFORE}:{session_id}:{learner}",
            session_id=session_id,
            now=now,
            tz=tz,
        )
        if view is not None:
            planned.append(view)
    return planned
