"""The reminders of an appointment, as keyword arguments for `bot.reminders.schedule`.

Wiring is one loop, with the reminders engine's own `now` and `tz`:

    for kwargs in reminder_plan(view):
        reminders.schedule(engine, **kwargs, now=now, tz=tz)

and on cancel or reschedule `reminders.cancel_for(engine, appointment_id=old.id)`.
Dedupe keys make re-planning idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.mentoring.views import AppointmentView

logger = logging.getLogger(__name__)

DEFAULT_OFFSETS = (timedelta(hours=24), timedelta(hours=1))
ATTENDANCE_AFTER = timedelta(minutes=30)  # ask "did it take place?" this long after the end
ATTENDANCE_DEADLINE = timedelta(days=7)
# A reminder this close to the start must not wait for the end of quiet hours.
URGENT_WITHIN = timedelta(hours=3)
ATTENDANCE_CHECK = "attendance_check"


def offset_label(offset: timedelta) -> str:
    """ "24h", "1h", "30min", "2d"."""
    minutes = int(offset.total_seconds() // 60)
    if minutes % (24 * 60) == 0 and minutes >= 48 * 60:
        return f"{minutes // (24 * 60)}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}min"


def reminder_kind(offset: timedelta) -> str:
    """`appointment_24h`, `appointment_1h`, … for a reminder `offset` before the start."""
    return f"appointment_{offset_label(offset)}"


def _recipients(view: AppointmentView) -> list[int]:
    recipients = [view.learner_id]
    if view.tutor_user_id is not None:  # a tutor loaded from a file may have no account yet
        recipients.append(view.tutor_user_id)
    return recipients


def reminder_plan(
    view: AppointmentView,
    offsets: Sequence[timedelta] = DEFAULT_OFFSETS,
    *,
    attendance_after: timedelta = ATTENDANCE_AFTER,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """The `schedule()` kwargs (without `now`, `tz`) for a confirmed appointment: each offset
    before the start to both sides (useless after the start), then the attendance question
    after the end.

    An offset already passed at `now` is left out (confirmed at 10:00 for 17:00, the "24 h
    before" reminder would only repeat the confirmation). The tutor's reminders are one per
    slot, so a group slot does not remind them once per learner.
    """
    plan = []
    for recipient in _recipients(view):
        for offset in offsets:
            kind = reminder_kind(offset)
            if now is not None and view.starts_at - offset <= now:
                continue
            tutor_side = recipient == view.tutor_user_id and recipient != view.learner_id
            key = (
                f"slot:{view.slot_id}:{kind}:{recipient}"
                if tutor_side
                else f"appt:{view.id}:{kind}:{recipient}"
            )
            plan.append(
                {
                    "kind": kind,
                    "recipient_id": recipient,
                    "due_at": view.starts_at - offset,
                    "deadline_at": view.starts_at,
                    "urgent": offset <= URGENT_WITHIN,
                    "dedupe_key": key,
                    "appointment_id": view.id,
                }
            )
        plan.append(
            {
                "kind": ATTENDANCE_CHECK,
                "recipient_id": recipient,
                "due_at": view.ends_at + attendance_after,
                "deadline_at": view.ends_at + ATTENDANCE_DEADLINE,
                "urgent": False,
                "dedupe_key": f"appt:{view.id}:{ATTENDANCE_CHECK}:{recipient}",
                "appointment_id": view.id,
            }
        )
    return plan
