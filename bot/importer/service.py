"""Importing spaces, sessions and tutors: preview what a load would change, then apply it
atomically.

    plan = preview_import(engine, files, gazetteer=g, actor=actor, now=clock.now())
    # show render_report(plan, lang) to the admin; on confirmation:
    result = apply_plan(engine, plan, gazetteer=g, now=clock.now())

`apply_import` reads and validates the files again and compares them with the database
inside ONE transaction (the database may have changed since the preview): every row is
written, or none. Problems are data (`Problem`), rendered by `report.py`.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.db import unit_of_work
from bot.importer.changes import Changes, SessionChange
from bot.importer.plan import plan_changes
from bot.importer.problems import FileProblem, Problem, ProblemLog
from bot.importer.reader import MAX_FILE_BYTES, read_file
from bot.importer.validation import Places, Validated, validate_tables
from bot.importer.values import shift_days
from bot.importer.words import Described, described, towns_of
from bot.importer.write import ConcurrentChange, write_changes
from bot.models import AuditEntry
from bot.observability.logs import user_ref

logger = logging.getLogger(__name__)

AUDIT = AuditEntry.__table__  # type: ignore[attr-defined]  # SQLModel sets __table__ on table classes


@dataclass(frozen=True, slots=True)
class Actor:
    """Who imports. `organisation_names` None: a super-admin or the CLI (everything allowed);
    otherwise an organisation admin, who may only touch sessions and tutors of these
    organisations."""

    user_id: int | None = None
    organisation_names: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class ImportCounts:
    spaces_created: int = 0
    spaces_updated: int = 0
    spaces_unchanged: int = 0
    sessions_created: int = 0
    sessions_updated: int = 0
    sessions_cancelled: int = 0
    sessions_unchanged: int = 0
    organisations_created: int = 0
    tutors_created: int = 0
    tutors_updated: int = 0
    tutors_deactivated: int = 0
    tutors_unchanged: int = 0
    tutor_roles_granted: int = 0


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """What a load changes (preview) or changed (result), and what is wrong with it."""

    file_names: tuple[str, ...]
    counts: ImportCounts
    problems: list[Problem]  # errors: the first ones (see problem_count)
    problem_count: int
    warnings: list[Problem]
    warning_count: int
    created_sessions: list[str]  # admin ids of new scheduled sessions (to announce)
    updated_sessions: list[str]
    cancelled_sessions: list[str]
    changed_sessions: list[SessionChange]  # moved / rescheduled / cancelled: tell learners
    created_spaces: list[str]
    updated_spaces: list[str]
    new_organisations: list[str]
    created_tutors: list[str] = field(default_factory=list)
    updated_tutors: list[str] = field(default_factory=list)
    deactivated_tutors: list[str] = field(default_factory=list)
    linked_tutors: list[str] = field(default_factory=list)  # given a Telegram account
    # The changes in words (previews only): titles, dates, towns, what changed.
    described: list[Described] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No errors: the load can be (or was) written."""
        return self.problem_count == 0


@dataclass(frozen=True, slots=True)
class ImportPlan(ImportOutcome):
    """A preview; keeps what it was computed from so that `apply_plan` can redo it."""

    files: tuple[tuple[str, bytes], ...] = field(default=(), repr=False)
    actor: Actor = field(default_factory=Actor)
    date_shift_days: int = 0
    max_bytes: int = MAX_FILE_BYTES


@dataclass(frozen=True, slots=True)
class ImportResult(ImportOutcome):
    applied: bool = False  # True when the changes were committed


def preview_import(
    engine: Engine,
    files: Sequence[tuple[str, bytes]],
    *,
    gazetteer: Places,
    actor: Actor,
    now: datetime,
    date_shift_days: int = 0,
    max_bytes: int = MAX_FILE_BYTES,
) -> ImportPlan:
    """What loading `files` (name, content) would create, update and cancel; writes nothing.
    With problems, the counts are those of the valid rows (what `skip_invalid` would load)."""
    data, log = _validate(files, gazetteer, now, date_shift_days, max_bytes)
    if not log.ok:
        _skip_orphans(data, None)
    changes, towns = _plan_read_only(engine, data, actor, log)
    plan = ImportPlan(
        **_outcome(files, changes, log),
        described=described(changes, towns),
        files=tuple(files),
        actor=actor,
        date_shift_days=date_shift_days,
        max_bytes=max_bytes,
    )
    logger.info(
        "import preview of %s: %s, %d problems", _names(files), plan.counts, plan.problem_count
    )
    return plan


def apply_import(
    engine: Engine,
    files: Sequence[tuple[str, bytes]],
    *,
    gazetteer: Places,
    actor: Actor,
    now: datetime,
    date_shift_days: int = 0,
    max_bytes: int = MAX_FILE_BYTES,
    skip_invalid: bool = False,
) -> ImportResult:
    """Validate and write `files` in one transaction: everything, or nothing when any row has
    a problem (then `result.applied` is False and `result.problems` says why).

    `skip_invalid`: write the valid rows and report the others as skipped; a row that depends
    on a skipped one (a session whose space was skipped) is skipped too, never half-applied."""
    data, log = _validate(files, gazetteer, now, date_shift_days, max_bytes)
    if skip_invalid:
        _skip_orphans(data, log)
    if not log.ok and not skip_invalid:  # the files alone are wrong: take no write lock
        changes, _towns = _plan_read_only(engine, data, actor, log)
    else:
        changes = Changes()
        try:
            with unit_of_work(engine) as session:
                conn = session.connection()
                changes = plan_changes(conn, data, organisations=actor.organisation_names, log=log)
                if log.ok or skip_invalid:
                    write_changes(conn, changes, now=now, actor_id=actor.user_id)
                    _audit(conn, files, actor, now, _counts(changes))
                else:
                    session.rollback()
        except (ConcurrentChange, IntegrityError) as exc:
            # Enrolments or another import changed the same rows meanwhile: rolled back;
            # loading the files again compares them with the new state.
            logger.warning("import of %s rolled back: %r", _names(files), exc)
            log.error(Problem("", None, None, "concurrent_change"))
            skip_invalid = False
    result = ImportResult(**_outcome(files, changes, log), applied=log.ok or skip_invalid)
    logger.info(
        "import of %s by %s: %s, %d problems, applied=%s",
        _names(files),
        user_ref(actor.user_id) if actor.user_id else "the command line",
        result.counts,
        result.problem_count,
        result.applied,
    )
    return result


def apply_plan(
    engine: Engine,
    plan: ImportPlan,
    *,
    gazetteer: Places,
    now: datetime,
    skip_invalid: bool = False,
) -> ImportResult:
    """Apply a previewed load (re-validated against the database as it is now)."""
    return apply_import(
        engine,
        plan.files,
        gazetteer=gazetteer,
        actor=plan.actor,
        now=now,
        date_shift_days=plan.date_shift_days,
        max_bytes=plan.max_bytes,
        skip_invalid=skip_invalid,
    )


def _plan_read_only(
    engine: Engine, data: Validated, actor: Actor, log: ProblemLog
) -> tuple[Changes, dict[str, str]]:
    """The comparison with the database, in a transaction that is rolled back; and the
    towns of the spaces concerned (for the preview in words)."""
    with Session(engine) as session:
        changes = plan_changes(
            session.connection(), data, organisations=actor.organisation_names, log=log
        )
        towns = towns_of(session.connection(), changes)
        session.rollback()
    return changes, towns


def valid_rows(outcome: ImportOutcome) -> int:
    """How many rows a load with `skip_invalid` would write or find unchanged."""
    c = outcome.counts
    return (
        c.spaces_created + c.spaces_updated + c.spaces_unchanged
        + c.sessions_created + c.sessions_updated + c.sessions_cancelled + c.sessions_unchanged
        + c.tutors_created + c.tutors_updated + c.tutors_deactivated + c.tutors_unchanged
    )  # fmt: skip


def _skip_orphans(data: Validated, log: ProblemLog | None) -> None:
    """Sessions whose space row of the same load is skipped are skipped too (and reported,
    given a `log`)."""
    skipped = data.space_ids - {record.space_id for record in data.spaces}
    if not skipped:
        return
    kept = []
    for record in data.sessions:
        if record.space_id not in skipped:
            kept.append(record)
        elif log is not None:
            log.error(
                record.source.problem(
                    record.row, "space_id", "space_skipped", space_id=record.space_id
                )
            )
    data.sessions = kept


def _names(files: Sequence[tuple[str, bytes]]) -> str:
    return ", ".join(name for name, _ in files)


def _validate(
    files: Sequence[tuple[str, bytes]],
    places: Places,
    now: datetime,
    date_shift_days: int,
    max_bytes: int,
) -> tuple[Validated, ProblemLog]:
    log = ProblemLog()
    if not files:
        log.error(Problem("", None, None, "no_files"))
    tables = []
    for name, raw in files:
        try:
            content = read_file(name, raw, max_bytes=max_bytes)
        except FileProblem as exc:
            log.error(Problem(name, None, None, exc.code, exc.params))
            continue
        for warning in content.warnings:
            log.warn(warning)
        tables.extend(content.tables)
    data = validate_tables(tables, places=places, log=log)
    past: Counter[str] = Counter()
    undecided: Counter[str] = Counter()
    for record in data.sessions:
        if date_shift_days:
            record.starts_at = shift_days(record.starts_at, date_shift_days)
            record.ends_at = shift_days(record.ends_at, date_shift_days)
            if record.confirm_by is not None:
                record.confirm_by = shift_days(record.confirm_by, date_shift_days)
        if record.ends_at < now and record.status == "scheduled":
            past[record.source.file] += 1
        elif record.confirm_by is not None and record.confirm_by <= now:
            undecided[record.source.file] += 1
    for file, count in past.items():
        log.warn(Problem(file, None, None, "past_sessions", {"count": count}))
    for file, count in undecided.items():
        log.warn(Problem(file, None, None, "confirm_by_past", {"count": count}))
    return data, log


def _counts(changes: Changes) -> ImportCounts:
    return ImportCounts(
        spaces_created=len(changes.space_inserts),
        spaces_updated=len(changes.space_updates),
        spaces_unchanged=changes.spaces_unchanged,
        sessions_created=len(changes.session_inserts),
        sessions_updated=len(changes.updated_sessions),
        sessions_cancelled=len(changes.cancelled_sessions),
        sessions_unchanged=changes.sessions_unchanged,
        organisations_created=len(changes.new_organisations),
        tutors_created=len(changes.tutor_inserts),
        tutors_updated=len(changes.updated_tutors),
        tutors_deactivated=len(changes.deactivated_tutors),
        tutors_unchanged=changes.tutors_unchanged,
        tutor_roles_granted=len(changes.role_grants),
    )


def _outcome(
    files: Sequence[tuple[str, bytes]], changes: Changes, log: ProblemLog
) -> dict[str, Any]:
    """ImportOutcome's fields, for ImportPlan(**...) and ImportResult(**...)."""
    return {
        "file_names": tuple(name for name, _ in files),
        "counts": _counts(changes),
        "problems": log.errors,
        "problem_count": log.error_count,
        "warnings": log.warnings,
        "warning_count": log.warning_count,
        "created_sessions": [
            r.session_id for r in changes.session_inserts if r.status == "scheduled"
        ],
        "updated_sessions": changes.updated_sessions,
        "cancelled_sessions": changes.cancelled_sessions,
        "changed_sessions": changes.session_changes,
        "created_spaces": [r.space_id for r in changes.space_inserts],
        "updated_spaces": [r.space_id for _, r, _ in changes.space_updates],
        "new_organisations": list(changes.new_organisations.values()),
        "created_tutors": [r.tutor_id for r in changes.tutor_inserts],
        "updated_tutors": changes.updated_tutors,
        "deactivated_tutors": changes.deactivated_tutors,
        "linked_tutors": changes.linked_tutors,
    }


def _audit(
    conn: Connection,
    files: Sequence[tuple[str, bytes]],
    actor: Actor,
    now: datetime,
    counts: ImportCounts,
) -> None:
    detail = {
        "files": [name for name, _ in files],
        "counts": asdict(counts),
        "as": "super-admin"
        if actor.organisation_names is None
        else sorted(actor.organisation_names),
    }
    text = json.dumps(detail, ensure_ascii=False)
    conn.execute(
        insert(AUDIT).values(at=now, actor_id=actor.user_id, action="import", detail=text[:2000])
    )
