"""Every query a tap runs is served by an index that fits it, on SQLite and PostgreSQL.

Each hot service call runs for real while its SQL is recorded; each recorded statement is
then explained (``EXPLAIN QUERY PLAN`` on SQLite; ``EXPLAIN`` on PostgreSQL, with
``enable_seqscan`` off so that on these few rows the planner says which index it would use
on many). A call passes when some statement's plan uses the intended index and no statement
scans a whole table that grows with the offer or with the users.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot import catalogue
from bot.mentoring import finder, lookup
from bot.models import Appointment, AvailabilitySlot, Enrolment, Reminder, Tutor
from bot.reminders.claims import due_page
from bot.reminders.rows import cancel_for
from bot.search.docs import load_docs
from tests.conftest import recreate_postgres_schema
from tests.factories import add_session, add_user

BIG = ("training_session", "enrolment", "reminder", "appointment", "availability_slot")


@contextmanager
def recorded(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The (SQL, parameters) of every statement run on ``engine`` inside the block."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "WITH")):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def plans(engine: Engine, statements: list[tuple[str, Any]]) -> list[str]:
    """The plan of each statement, as one lower-case text each."""
    out = []
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("SET enable_seqscan = off")
        for statement, parameters in statements:
            prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
            rows = connection.exec_driver_sql(prefix + statement, parameters).all()
            out.append("\n".join(str(r[-1]) for r in rows).lower())
        connection.rollback()
    return out


def full_scans(plan: str) -> list[str]:
    """Lines of ``plan`` that read a whole growing table (not through an index)."""
    found = []
    for line in plan.splitlines():
        words = line.replace("(", " ").split()
        for table in BIG:
            sqlite_scan = f"scan {table}" in line and "index" not in line
            pg_scan = "seq scan on" in line and table in words
            if sqlite_scan or pg_scan:
                found.append(line)
    return found


_fresh_statistics = False


@pytest.fixture
def rows(engine: Engine, clock) -> dict[str, int]:
    """One of everything the hot queries touch: a course at two dates, a learner waiting,
    a tutor's slot with a pending appointment, their reminders."""
    global _fresh_statistics
    if engine.dialect.name == "postgresql" and not _fresh_statistics:
        # Plans on PostgreSQL follow the statistics earlier tests left (autovacuum): once per
        # run, tables without any, so each plan is the one the indexes give.
        recreate_postgres_schema(engine)
        _fresh_statistics = True
    now = clock.now()
    learner, tutor_user = add_user(engine, 42), add_user(engine, 43, name="Tutor")
    first = add_session(engine, now=now)
    add_session(engine, now=now, starts_in=timedelta(days=14))
    with Session(engine) as session:
        tutor = Tutor(name="Claire", topics="excel", user_id=tutor_user)
        session.add(tutor)
        session.flush()
        slot = AvailabilitySlot(
            tutor_id=tutor.id,
            starts_at=now + timedelta(days=2),
            ends_at=now + timedelta(days=2, hours=1),
        )
        session.add(slot)
        session.flush()
        appointment = Appointment(
            slot_id=slot.id, learner_id=learner, tutor_id=tutor.id, status="pending", ics_uid="u1"
        )
        enrolment = Enrolment(session_id=first, user_id=learner, status="waiting")
        session.add_all([appointment, enrolment])
        session.flush()
        session.add(Reminder(kind="k", dedupe_key="k1", recipient_id=learner, due_at=now,
                             session_id=first, appointment_id=appointment.id))  # fmt: skip
        session.commit()
        ids = {"session": first, "learner": learner, "slot": slot.id, "enrolment": enrolment.id}
        return ids | {"appointment": appointment.id}  # type: ignore[operator, return-value]


def _calls(r: dict[str, int], now: Any) -> dict[str, tuple[Callable[[Engine], object], str]]:
    """Hot call → (the call, the index its plan must use: a name, names
    separated by '|' when several fit, or 'pk' for the primary key)."""
    return {
        "session_card": (lambda e: catalogue.session_card(
            e, session_id=r["session"], now=now), "pk"),
        "other_dates": (lambda e: catalogue.other_dates(e, session_id=r["session"], now=now),
                        "ix_training_session_course"),
        "my_enrolments": (lambda e: catalogue.my_enrolments(e, user_id=r["learner"], now=now),
                          "ix_enrolment_user_id"),
        "enrolment_of": (lambda e: catalogue.enrolment_of(
            e, enrolment_id=r["enrolment"], user_id=r["learner"]), "pk"),
        "appointment": (lambda e: lookup.appointment(e, appointment_id=r["appointment"]), "pk"),
        "holding_on_slot": (lambda e: lookup.holding_on_slot(e, slot_id=r["slot"]),
                            "ix_appointment_slot_id|uq_appointment_active_learner_slot"),
        "open_slots": (lambda e: finder.open_slots(e, now=now), "ix_slot_start"),
        "due_page": (lambda e: due_page(e, now=now, limit=50), "ix_reminder_status_due"),
        "cancel_for_session": (lambda e: cancel_for(e, session_id=r["session"]),
                               "ix_reminder_session"),
        "cancel_for_appointment": (lambda e: cancel_for(e, appointment_id=r["appointment"]),
                                   "ix_reminder_appointment"),
        "search_docs": (lambda e: load_docs(e, now=now), "ix_training_session_status_start"),
    }  # fmt: skip


def _uses(plan: str, index: str) -> bool:
    """Whether ``plan`` uses ``index`` (names separated by "|": any of them)."""
    if index == "pk":
        return "integer primary key" in plan or "_pkey" in plan
    return any(name in plan for name in index.split("|"))


@pytest.mark.parametrize(
    "name",
    ["session_card", "other_dates", "my_enrolments", "enrolment_of", "appointment",
     "holding_on_slot", "open_slots", "due_page", "cancel_for_session",
     "cancel_for_appointment", "search_docs"],
)  # fmt: skip
def test_hot_query_uses_its_index(engine: Engine, rows: dict[str, int], clock, name: str) -> None:
    call, index = _calls(rows, clock.now())[name]
    with recorded(engine) as statements:
        call(engine)
    assert statements, f"{name} ran no query"
    explained = plans(engine, statements)
    assert any(_uses(p, index) for p in explained), f"{name}: {index} unused in {explained}"
    scans = [line for p in explained for line in full_scans(p)]
    assert scans == [], f"{name} scans a whole table: {scans}"
