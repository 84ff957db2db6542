"""What an import would change: validated records compared with the rows already stored.

Stored rows are loaded once, by external id (never one SELECT per row). The problems only the
database can reveal go to the problem log: unknown spaces, sessions or tutors of another
organisation, fewer seats than learners enrolled, a Telegram account already linked to another
tutor.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.engine import Connection

from bot.importer.changes import (
    ORGANISATION,
    ROLE_GRANT,
    SESSION,
    SESSION_ALWAYS,
    SESSION_OPTIONAL,
    SPACE,
    TUTOR,
    TUTOR_ROLE,
    USER,
    Changes,
    SessionChange,
    TutorGrant,
    org_key,
    session_columns,
    space_columns,
    tutor_columns,
)
from bot.importer.problems import Problem, ProblemLog
from bot.importer.validation import SessionRecord, SpaceRecord, TutorRecord, Validated
from bot.models import SessionStatus

# Up to this many sessions in a load, existing rows are fetched by id (IN lists); above it,
# one pass over the whole table is cheaper.
FETCH_BY_ID_MAX = 5_000
CANCELLED = SessionStatus.CANCELLED.value
SCHEDULED = SessionStatus.SCHEDULED.value
_NEW_ORGANISATION = object()  # an organisation id that the load has yet to create


@dataclass(frozen=True, slots=True)
class _Scope:
    """The organisations as stored, and those the importing admin may change (None: all)."""

    orgs: dict[str, int]  # org_key → id
    allowed: set[str] | None  # org_key
    allowed_ids: set[int] | None


def plan_changes(
    conn: Connection, data: Validated, *, organisations: frozenset[str] | None, log: ProblemLog
) -> Changes:
    """Compare the records with the database; DB-only problems go to `log`."""
    changes = Changes()
    allowed = None if organisations is None else {org_key(n) for n in organisations}
    orgs = {
        org_key(name): oid
        for oid, name in conn.execute(select(ORGANISATION.c.id, ORGANISATION.c.name))
    }
    allowed_ids = None if allowed is None else {orgs[k] for k in allowed if k in orgs}
    scope = _Scope(orgs, allowed, allowed_ids)
    spaces = {row.external_id: row for row in conn.execute(select(SPACE))}
    for record in data.spaces:
        _plan_space(record, spaces.get(record.space_id), allowed is not None, changes, log)
    space_ids = {external: row.id for external, row in spaces.items()}
    _plan_sessions(conn, data, scope, space_ids, changes, log)
    if data.tutors:
        _plan_tutors(conn, data.tutors, scope, changes, log)
    return changes


def _closest(space_id: str, known: set[str]) -> str | None:
    """The known id the admin probably meant ("esp-ploermell" → "esp-ploermel")."""
    found = process.extractOne(space_id, known, scorer=fuzz.ratio, score_cutoff=80)
    return found[0] if found else None


def _plan_space(
    record: SpaceRecord, row: Any, org_admin: bool, changes: Changes, log: ProblemLog
) -> None:
    if row is None:
        changes.space_inserts.append(record)
        return
    changed = tuple(c for c in space_columns(record) if getattr(row, c) != getattr(record, c))
    if not changed:
        changes.spaces_unchanged += 1
    elif org_admin:
        # Spaces are shared by every organisation: only a super-admin may change one.
        log.error(
            record.source.problem(
                record.row, "space_id", "space_change_forbidden", space_id=record.space_id
            )
        )
    else:
        changes.space_updates.append((row.id, record, changed))


# --- sessions ------------------------------------------------------------------------------


def _plan_sessions(
    conn: Connection,
    data: Validated,
    scope: _Scope,
    space_ids: dict[str, int],
    changes: Changes,
    log: ProblemLog,
) -> None:
    """Sessions to insert or update; those with an unknown space or of an organisation the
    admin may not change are refused."""
    known_spaces = set(space_ids) | data.space_ids
    suggestions: dict[str, str | None] = {}
    todo: dict[str, SessionRecord] = {}
    for record in data.sessions:
        problems = _session_problems(record, known_spaces, suggestions, scope.allowed)
        for problem in problems:
            log.error(problem)
        if problems:
            continue
        key = org_key(record.organisation)
        if key not in scope.orgs:
            changes.new_organisations.setdefault(key, record.organisation)
        todo[record.session_id] = record
    for row in _existing_sessions(conn, todo):
        record = todo.pop(row.external_id)
        _plan_session(record, row, scope.orgs, space_ids, scope.allowed_ids, changes, log)
    changes.session_inserts.extend(todo.values())


def _session_problems(
    record: SessionRecord,
    known_spaces: set[str],
    suggestions: dict[str, str | None],
    allowed: set[str] | None,
) -> list[Problem]:
    """An unknown space (with the closest known id, cached in `suggestions`), an organisation
    the admin may not load sessions for."""
    problems = []
    if record.space_id not in known_spaces:
        if record.space_id not in suggestions:
            suggestions[record.space_id] = _closest(record.space_id, known_spaces)
        suggestion = suggestions[record.space_id]
        code = "unknown_space_suggest" if suggestion else "unknown_space"
        problems.append(
            record.source.problem(
                record.row, "space_id", code, space_id=record.space_id, suggestion=suggestion
            )
        )
    if allowed is not None and org_key(record.organisation) not in allowed:
        problems.append(
            record.source.problem(
                record.row, "organisation", "other_organisation", organisation=record.organisation
            )
        )
    return problems


# What the comparison needs of a stored session (not its timestamps: less to decode).
_STORED = select(
    *(SESSION.c[name] for name in ("id", "external_id", "seats_taken", *SESSION_ALWAYS,
                                   *SESSION_OPTIONAL))
)  # fmt: skip


def _existing_sessions(conn: Connection, todo: dict[str, SessionRecord]) -> Iterator[Any]:
    """Stored sessions whose external id is in the load, streamed (never all in memory)."""
    if not todo:
        return
    if len(todo) <= FETCH_BY_ID_MAX:
        ids = iter(list(todo))
        while chunk := list(islice(ids, 900)):  # below SQLite's 999 bound parameters
            yield from conn.execute(_STORED.where(SESSION.c.external_id.in_(chunk)))
        return
    # Statement-level option: Connection.execution_options() would change the connection
    # itself, and every later statement would go through a server-side cursor.
    rows = conn.execute(_STORED, execution_options={"yield_per": 2_000})
    for row in rows:
        if row.external_id in todo:
            yield row


def _plan_session(
    record: SessionRecord,
    row: Any,
    orgs: dict[str, int],
    space_ids: dict[str, int],
    allowed_ids: set[int] | None,
    changes: Changes,
    log: ProblemLog,
) -> None:
    if allowed_ids is not None and row.organisation_id not in allowed_ids:
        log.error(
            record.source.problem(
                record.row, "session_id", "not_your_session", id=record.session_id
            )
        )
        return
    if record.seats < row.seats_taken:
        log.error(
            record.source.problem(
                record.row, "seats", "seats_below_taken", seats=record.seats, taken=row.seats_taken
            )
        )
        return
    new = {
        "organisation_id": orgs.get(org_key(record.organisation)),
        "space_id": space_ids.get(record.space_id),
    }
    changed = tuple(
        c
        for c in session_columns(record)
        if getattr(row, c) != new.get(c, getattr(record, c, None))
    )
    if not changed:
        changes.sessions_unchanged += 1
        return
    changes.session_updates.append((row.id, record, changed))
    if "status" in changed and record.status == CANCELLED:
        changes.cancelled_sessions.append(record.session_id)
        changes.session_changes.append(SessionChange(record.session_id, "cancelled", row.id))
        return
    changes.updated_sessions.append(record.session_id)
    if row.status == SCHEDULED and record.status == SCHEDULED:
        if "space_id" in changed:
            changes.session_changes.append(SessionChange(record.session_id, "moved", row.id))
        elif "starts_at" in changed or "ends_at" in changed:
            changes.session_changes.append(SessionChange(record.session_id, "rescheduled", row.id))


# --- tutors --------------------------------------------------------------------------------


def _plan_tutors(
    conn: Connection,
    records: list[TutorRecord],
    scope: _Scope,
    changes: Changes,
    log: ProblemLog,
) -> None:
    """Tutors to create, update, deactivate and link; the Telegram accounts and roles the
    links need. Tutors are few (hundreds): every stored one is read in one query."""
    stored = conn.execute(select(TUTOR)).all()
    by_external = {row.external_id: row for row in stored if row.external_id is not None}
    by_user = {row.user_id: row for row in stored if row.user_id is not None}
    grants_wanted: dict[tuple[int, str], TutorGrant] = {}
    for record in records:
        key = org_key(record.organisation)
        row = by_external.get(record.tutor_id)
        problems = [
            problem
            for problem in (
                _tutor_refused(record, row, scope),
                _account_taken(record, row, by_user, scope.allowed_ids),
            )
            if problem is not None
        ]
        for problem in problems:
            log.error(problem)
        if problems:
            continue
        if key not in scope.orgs:
            changes.new_organisations.setdefault(key, record.organisation)
        if row is None:
            linked, active = _plan_new_tutor(record, changes)
        else:
            linked, active = _plan_stored_tutor(record, row, scope.orgs, changes)
        if linked is not None and active:
            grant = TutorGrant(linked, record.organisation, record.tutor_id)
            grants_wanted.setdefault((linked, key), grant)
    _plan_accounts(conn, records, grants_wanted, scope.orgs, changes)


def _tutor_refused(record: TutorRecord, row: Any, scope: _Scope) -> Problem | None:
    """A tutor of an organisation the admin may not load, or a stored tutor of another one."""
    if scope.allowed is not None and org_key(record.organisation) not in scope.allowed:
        return record.source.problem(
            record.row,
            "organisation",
            "tutor_other_organisation",
            organisation=record.organisation,
        )
    if row is not None and not _may_change(row, scope.allowed_ids):
        return record.source.problem(record.row, "tutor_id", "not_your_tutor", id=record.tutor_id)
    return None


def _account_taken(
    record: TutorRecord, row: Any, by_user: dict[int, Any], allowed_ids: set[int] | None
) -> Problem | None:
    """The row's Telegram account is already linked to another tutor."""
    uid = record.telegram_user_id
    holder = by_user.get(uid) if uid is not None else None
    if holder is None or (row is not None and holder.id == row.id):
        return None
    # Tutor.user_id is unique: the account must first be unlinked from the other tutor.
    if _may_change(holder, allowed_ids):
        return record.source.problem(
            record.row,
            "telegram_user_id",
            "telegram_id_taken",
            id=uid,
            tutor=holder.external_id or holder.name,
        )
    # An organisation admin does not learn the tutors of other organisations.
    return record.source.problem(
        record.row, "telegram_user_id", "telegram_id_taken_elsewhere", id=uid
    )


def _plan_new_tutor(record: TutorRecord, changes: Changes) -> tuple[int | None, bool]:
    """Insert it; (the Telegram account it links, whether it is active)."""
    changes.tutor_inserts.append(record)
    if record.telegram_user_id is not None:
        changes.linked_tutors.append(record.tutor_id)
    return record.telegram_user_id, record.active


def _plan_stored_tutor(
    record: TutorRecord, row: Any, orgs: dict[str, int], changes: Changes
) -> tuple[int | None, bool]:
    """Update the columns that changed; (the Telegram account it will be linked to, whether
    it will be active): an empty Telegram id keeps the link, a file without `active` the
    state."""
    uid = record.telegram_user_id
    new = {
        "organisation_id": orgs.get(org_key(record.organisation), _NEW_ORGANISATION),
        "user_id": uid,
    }
    columns = tutor_columns(record)
    changed = tuple(c for c in columns if getattr(row, c) != new.get(c, getattr(record, c, None)))
    if not changed:
        changes.tutors_unchanged += 1
    else:
        changes.tutor_updates.append((row.id, record, changed))
        if "active" in changed and not record.active:
            changes.deactivated_tutors.append(record.tutor_id)
        else:
            changes.updated_tutors.append(record.tutor_id)
        if "user_id" in changed:
            changes.linked_tutors.append(record.tutor_id)
    linked = row.user_id if uid is None else uid
    active = record.active if "active" in columns else row.active
    return linked, active


def _may_change(row: Any, allowed_ids: set[int] | None) -> bool:
    """Whether the importing admin may change (or see) this stored tutor."""
    return allowed_ids is None or row.organisation_id in allowed_ids


def _plan_accounts(
    conn: Connection,
    records: list[TutorRecord],
    grants_wanted: dict[tuple[int, str], TutorGrant],
    orgs: dict[str, int],
    changes: Changes,
) -> None:
    """The Telegram accounts to create and the `tutor` roles to grant (those missing)."""
    planned = {r.tutor_id for r in changes.tutor_inserts}
    planned.update(r.tutor_id for _, r, _ in changes.tutor_updates)
    wanted_users = {
        r.telegram_user_id: r
        for r in records
        if r.telegram_user_id is not None and r.tutor_id in planned
    }
    user_ids = sorted({*wanted_users, *(uid for uid, _ in grants_wanted)})
    existing: set[int] = set()
    granted: set[tuple[int, int | None]] = set()
    for start in range(0, len(user_ids), 900):  # below SQLite's 999 bound parameters
        chunk = user_ids[start : start + 900]
        existing.update(conn.scalars(select(USER.c.id).where(USER.c.id.in_(chunk))))
        granted.update(
            (uid, oid)
            for uid, oid in conn.execute(
                select(ROLE_GRANT.c.user_id, ROLE_GRANT.c.organisation_id).where(
                    ROLE_GRANT.c.role == TUTOR_ROLE, ROLE_GRANT.c.user_id.in_(chunk)
                )
            )
        )
    for uid, record in wanted_users.items():
        if uid not in existing:
            changes.new_users[uid] = record.first_name
    for (uid, key), grant in grants_wanted.items():
        oid = orgs.get(key)
        if oid is None or (uid, oid) not in granted:
            changes.role_grants.append(grant)
