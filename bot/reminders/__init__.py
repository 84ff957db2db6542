"""Reminders: database rows that are the truth, claimed atomically before each send.

A reminder is planned with `schedule` (idempotent by `dedupe_key`), claimed with `claim` (one
guarded UPDATE: only one process, one task, ever gets a given row into `sending`), then booked
with `mark_sent`, `mark_failed` or `release_for_retry`. Nothing here knows about Telegram: the
sender (`handlers.delivery`) turns rows into messages.

Delivery guarantee. A row is sent only by whoever moved it from `pending` to `sending`, so two
tasks or two bot processes sharing the database never both send it. A process killed while rows are
`pending` loses nothing: the rows are re-armed at start-up. A process killed *between* the claim
and the answer of Telegram leaves the row in `sending`; we do not know whether the message went
out. After `LEASE` such a row is claimed again (at-least-once), or at once when its holder is known
dead (`holders`: a new run on the same host releases them at start-up; on PostgreSQL the
process taking over the leadership releases those of any host's holder that has no session),
because a lost appointment reminder costs more than a rare duplicate; the same holds for a
timed-out send, which Telegram may have delivered. A live process never holds a claim that
long: the sender bounds each send well below the lease.

Modules: `rows` (the view, planning, cancelling, reading), `claims` (the guarded claim, the lease
and how a send is booked), `holders` (which process holds a claim), `quiet` (quiet hours),
`sessions` (the day-before reminder of a training session), `cli` (`python -m bot reminders`).
Every public name is re-exported here, so callers keep writing `reminders.schedule(...)`.
"""

from bot.reminders.claims import (
    BACKOFF,
    LEASE,
    MAX_ATTEMPTS,
    ClaimOutcome,
    ClaimResult,
    claim,
    due_page,
    due_pending,
    expire_overdue,
    mark_cancelled,
    mark_failed,
    mark_sent,
    release_for_retry,
    retry_delay,
)
from bot.reminders.holders import new_worker_id, release_dead
from bot.reminders.quiet import PARIS, QUIET_HOURS, quiet_hours_shift, send_time
from bot.reminders.rows import ReminderView, cancel_for, get, pending, schedule, upcoming
from bot.reminders.sessions import (
    SESSION_DAY_BEFORE,
    Promise,
    SessionBrief,
    reminder_promise,
    schedule_session_day_before,
    session_brief,
)

__all__ = [
    "BACKOFF",
    "LEASE",
    "MAX_ATTEMPTS",
    "PARIS",
    "QUIET_HOURS",
    "SESSION_DAY_BEFORE",
    "ClaimOutcome",
    "ClaimResult",
    "Promise",
    "ReminderView",
    "SessionBrief",
    "cancel_for",
    "claim",
    "due_page",
    "due_pending",
    "expire_overdue",
    "get",
    "mark_cancelled",
    "mark_failed",
    "mark_sent",
    "new_worker_id",
    "pending",
    "quiet_hours_shift",
    "release_dead",
    "release_for_retry",
    "reminder_promise",
    "retry_delay",
    "schedule",
    "schedule_session_day_before",
    "send_time",
    "session_brief",
    "upcoming",
]
