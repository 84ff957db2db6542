"""The 08:00 wave of day-before session reminders, for `bench_reminders.py` (issue 11).

`build(engine, count)` fills a fresh database with what the real wave is made of: training
spaces in real small towns (`offer.town_spaces`), a few training organisations, sessions
starting tomorrow early in the morning (07:00, 07:30, 08:00 Paris: the quiet hours hold the
07:00 and 07:30 reminders until 08:00, so all are due at 08:00 today), `count` learners
enrolled about 25 to a session, and each enrolment's `session_day_before` reminder row.

The rows of the first session are planned by the product itself
(`reminders.schedule_session_day_before`, as the enrolment path does); the others are
inserted in bulk with the same values, computed by the same rule (`reminders.send_time`),
and `build` checks that the two agree before the benchmark starts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from offer import FAMILIES, LEVELS, ORG_KINDS, REGIONS, town_spaces
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from bot import reminders
from bot.models import (
    Enrolment,
    EnrolmentStatus,
    Organisation,
    Reminder,
    Space,
    TrainingSession,
    User,
)
from bot.reminders.quiet import PARIS

WAVE_AT = datetime(2027, 3, 10, 8, 0, tzinfo=PARIS).astimezone(UTC)  # a Wednesday, 08:00
PLANNED_AT = WAVE_AT - timedelta(days=3, hours=-3)  # the enrolments, three days before, 11:00
START_TIMES = ((7, 0), (7, 30), (8, 0))  # tomorrow, Paris wall time
PER_SESSION = 25
MAX_SPACES = 150
ORGANISATIONS = 8
ENGLISH = 0.1  # share of learners who chose English
FIRST_LEARNER = 10_000
BATCH = 5_000

# Reminder columns the check compares between the product's planning and the bulk rows.
COMPARED = ("kind", "dedupe_key", "recipient_id", "due_at", "deadline_at", "appointment_id",
            "session_id", "urgent", "status", "attempts", "claimed_by", "sent_at")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Wave:
    """What was built: learner → session id, and the data's shape for the README."""

    session_of: dict[int, int]
    sessions: int
    spaces: int
    towns: int
    organisations: int

    def shape(self) -> str:
        return (
            f"{len(self.session_of):,} learners in {self.sessions:,} sessions starting "
            f"tomorrow 07:00–08:00, {self.spaces:,} spaces in {self.towns:,} towns, "
            f"{self.organisations} organisations"
        )


def _titles(rng: random.Random, n: int) -> list[str]:
    """Course titles as catalogues write them ("Excel niveau 2", "SST – Sauveteur ...")."""
    bases = [title for titles, _ in FAMILIES.values() for title, _ in titles]
    return [f"{rng.choice(bases)} {rng.choice(LEVELS)}".strip() for _ in range(n)]


def _insert(engine: Engine, model: Any, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as connection:
        for start in range(0, len(rows), BATCH):
            connection.execute(insert(model), rows[start : start + BATCH])


def _reminder_row(session_id: int, starts_at: datetime, learner: int) -> dict[str, Any]:
    """The row `schedule_session_day_before` writes for this enrolment, planned at
    PLANNED_AT (same rule, `send_time`, for the quiet hours)."""
    kind = reminders.SESSION_DAY_BEFORE
    due_at = reminders.send_time(
        starts_at - timedelta(hours=24), now=PLANNED_AT, urgent=False, deadline_at=starts_at
    )
    return {"kind": kind, "dedupe_key": f"{kind}:{session_id}:{learner}",
            "recipient_id": learner, "due_at": due_at, "deadline_at": starts_at,
            "appointment_id": None, "session_id": session_id, "urgent": False,
            "status": "pending", "attempts": 0, "claimed_by": None, "sent_at": None}  # fmt: skip


def build(engine: Engine, count: int, *, seed: int = 11) -> Wave:
    """Spaces, organisations, sessions, `count` enrolled learners and their reminders."""
    rng = random.Random(seed)
    n_sessions = max(1, -(-count // PER_SESSION))
    places = town_spaces(rng, min(MAX_SPACES, n_sessions))
    _insert(engine, Space, [
        {"id": s.id, "external_id": s.external_id, "name": s.name,
         "address": f"{rng.randint(1, 40)} place de la Mairie", "postcode": s.postcode,
         "city": s.city, "latitude": s.latitude, "longitude": s.longitude,
         "accessible": s.accessible, "created_at": PLANNED_AT, "updated_at": PLANNED_AT}
        for s in places
    ])  # fmt: skip
    n_orgs = min(ORGANISATIONS, n_sessions)
    _insert(engine, Organisation, [
        {"id": o, "name": f"{rng.choice(ORG_KINDS)} {rng.choice(REGIONS)} {o:02}",
         "created_at": PLANNED_AT} for o in range(1, n_orgs + 1)
    ])  # fmt: skip
    learners = list(range(FIRST_LEARNER, FIRST_LEARNER + count))
    sizes = [count // n_sessions + (1 if i < count % n_sessions else 0) for i in range(n_sessions)]
    tomorrow = (WAVE_AT + timedelta(days=1)).astimezone(PARIS)
    sessions, starts = [], {}
    for i, title in enumerate(_titles(rng, n_sessions), 1):
        hour, minute = START_TIMES[i % len(START_TIMES)]
        starts[i] = tomorrow.replace(hour=hour, minute=minute).astimezone(UTC)
        sessions.append(
            {"id": i, "external_id": f"S{i:05}", "title": title,
             "organisation_id": rng.randint(1, n_orgs), "space_id": places[i % len(places)].id,
             "starts_at": starts[i], "ends_at": starts[i] + timedelta(hours=3),
             "seats": sizes[i - 1] + rng.randint(0, 4), "seats_taken": sizes[i - 1],
             "topics": "", "modality": "presentiel", "format": "formation", "cpf": False,
             "description": "", "status": "scheduled", "times_known": True,
             "permanent_entry": False, "open_end": False, "created_at": PLANNED_AT,
             "updated_at": PLANNED_AT}
        )  # fmt: skip
    _insert(engine, TrainingSession, sessions)
    session_of: dict[int, int] = {}
    it = iter(learners)
    for i, size in enumerate(sizes, 1):
        for _ in range(size):
            session_of[next(it)] = i
    _insert(engine, User, [
        {"id": u, "first_name": f"Apprenant {u}", "language": "en" if rng.random() < ENGLISH
         else "fr", "language_chosen": True, "is_active": True, "created_at": PLANNED_AT,
         "last_seen_at": PLANNED_AT} for u in learners
    ])  # fmt: skip
    _insert(engine, Enrolment, [
        {"session_id": s, "user_id": u, "status": EnrolmentStatus.ENROLLED,
         "created_at": PLANNED_AT, "updated_at": PLANNED_AT} for u, s in session_of.items()
    ])  # fmt: skip
    # Session 1 planned by the product, the others in bulk; then both must agree.
    planned = reminders.schedule_session_day_before(engine, session_id=1, now=PLANNED_AT)
    _insert(engine, Reminder, [
        _reminder_row(s, starts[s], u) for u, s in session_of.items() if s != 1
    ])  # fmt: skip
    _check(engine, planned, starts[1], count)
    return Wave(session_of, n_sessions, len(places), len({p.city for p in places}), n_orgs)


def _check(
    engine: Engine, planned: list[reminders.ReminderView], starts_at: datetime, count: int
) -> None:
    """The bulk rows are the product's rows, and all of them fall due at WAVE_AT."""
    columns = [getattr(Reminder, name) for name in COMPARED]
    with engine.connect() as connection:
        rows = [dict(zip(COMPARED, row, strict=True))
                for row in connection.execute(select(*columns).order_by(Reminder.id))]  # fmt: skip
    by_product = [row for row in rows if row["session_id"] == 1]
    expected = [_reminder_row(1, starts_at, view.recipient_id) for view in planned]
    if not planned or by_product != expected:
        raise SystemExit(f"bulk rows differ from the product's: {by_product[:1]} {expected[:1]}")
    due = {row["due_at"] for row in rows}
    if len(rows) != count or due != {WAVE_AT}:
        raise SystemExit(f"{len(rows)} reminders due at {sorted(due)}, not {count} at {WAVE_AT}")
