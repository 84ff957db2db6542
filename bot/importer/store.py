"""What an import changes in the database, and writing it in bulk.

`plan_changes` compares validated records with the rows already stored (loaded once, by
external id: never one SELECT per row) and records the problems only the database can reveal:
unknown spaces, sessions or tutors of another organisation, fewer seats than learners enrolled,
a Telegram account already linked to another tutor. `write_changes` then writes with Core
executemany statements: 150,000 sessions take seconds. Both run inside the caller's
transaction, so a preview and the real import see the same rules.

Tutors with a `telegram_user_id` are linked to that Telegram account (an `app_user` row is
created when the person never wrote to the bot) and, while active, hold the `tutor` role of
their organisation (a `role_grant`, audited as "role_granted"). An empty `telegram_user_id`
leaves an existing link as it is; deactivating a tutor keeps its link and its role.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from itertools import islice
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.engine import Connection

from bot.importer.columns import ColumnMap, Kind
from bot.importer.problems import ProblemLog
from bot.importer.validation import SessionRecord, SpaceRecord, TutorRecord, Validated
from bot.models import (
    AuditEntry,
    Organisation,
    Role,
    RoleGrant,
    SessionStatus,
    Space,
    TrainingSession,
    Tutor,
    User,
)

logger = logging.getLogger(__name__)

ORGANISATION: Table = Organisation.__table__  # type: ignore[attr-defined, assignment]
SPACE: Table = Space.__table__  # type: ignore[attr-defined, assignment]
SESSION: Table = TrainingSession.__table__  # type: ignore[attr-defined, assignment]
TUTOR: Table = Tutor.__table__  # type: ignore[attr-defined, assignment]
USER: Table = User.__table__  # type: ignore[attr-defined, assignment]
ROLE_GRANT: Table = RoleGrant.__table__  # type: ignore[attr-defined, assignment]
AUDIT: Table = AuditEntry.__table__  # type: ignore[attr-defined, assignment]
TUTOR_ROLE = Role.TUTOR.value

BATCH = 5_000  # rows per executemany: bounded memory for the parameter dictionaries
# Up to this many sessions in a load, existing rows are fetched by id (IN lists); above it,
# one pass over the whole table is cheaper.
FETCH_BY_ID_MAX = 5_000
CANCELLED = SessionStatus.CANCELLED.value
SCHEDULED = SessionStatus.SCHEDULED.value

# Columns an import may set, by the file column that carries them.
_SPACE_OPTIONAL = {
    "latitude": ("latitude", "longitude"),
    "accessible": ("accessible",),
    "contact": ("contact",),
}
_SPACE_ALWAYS = ("name", "address", "postcode", "city", "insee")
_SPACE_ALL = (*_SPACE_ALWAYS, "latitude", "longitude", "accessible", "contact")
_SESSION_ALWAYS = ("title", "organisation_id", "space_id", "starts_at", "ends_at", "seats")
_SESSION_OPTIONAL = (
    "topics",
    "modality",
    "format",
    "price_eur",
    "cpf",
    "description",
    "url",
    "status",
)
_TUTOR_ALWAYS = ("name", "organisation_id")
_TUTOR_OPTIONAL = ("topics", "active")  # written only when the file has the column
_NEW_ORGANISATION = object()  # an organisation id that the load has yet to create


def org_key(name: str) -> str:
    """Organisation names match whatever the case, spacing and apostrophe."""
    return " ".join(name.replace("’", "'").casefold().split())


@dataclass(frozen=True, slots=True)
class SessionChange:
    """A stored session whose learners may need to be told: it moved, changed time, or was
    cancelled. `session_id` is the admin's id; `db_id` the row's primary key."""

    session_id: str
    kind: str  # "moved" | "rescheduled" | "cancelled"
    db_id: int


@dataclass(slots=True)
class Changes:
    new_organisations: dict[str, str] = field(default_factory=dict)  # key → name as written
    space_inserts: list[SpaceRecord] = field(default_factory=list)
    # (row id, record, the columns that changed): only those are written
    space_updates: list[tuple[int, SpaceRecord, tuple[str, ...]]] = field(default_factory=list)
    spaces_unchanged: int = 0
    session_inserts: list[SessionRecord] = field(default_factory=list)
    session_updates: list[tuple[int, SessionRecord, tuple[str, ...]]] = field(default_factory=list)
    sessions_unchanged: int = 0
    updated_sessions: list[str] = field(default_factory=list)
    cancelled_sessions: list[str] = field(default_factory=list)
    session_changes: list[SessionChange] = field(default_factory=list)
    tutor_inserts: list[TutorRecord] = field(default_factory=list)
    tutor_updates: list[tuple[int, TutorRecord, tuple[str, ...]]] = field(default_factory=list)
    tutors_unchanged: int = 0
    updated_tutors: list[str] = field(default_factory=list)
    deactivated_tutors: list[str] = field(default_factory=list)
    linked_tutors: list[str] = field(default_factory=list)  # a Telegram account (re)linked
    new_users: dict[int, str] = field(default_factory=dict)  # Telegram id → first name
    role_grants: list[TutorGrant] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TutorGrant:
    """The `tutor` role of an organisation, to grant to a linked Telegram account."""

    user_id: int
    organisation: str  # as written in the file (the id may not exist before the write)
    tutor_id: str


def space_columns(record: SpaceRecord) -> tuple[str, ...]:
    """The stored columns a spaces file sets (optional columns only when the file has them)."""
    return _columns_of(record.source.columns, Kind.SPACES)


def session_columns(record: SessionRecord) -> tuple[str, ...]:
    """The stored columns a sessions file sets: a file without `price_eur` keeps prices."""
    return _columns_of(record.source.columns, Kind.SESSIONS)


def tutor_columns(record: TutorRecord) -> tuple[str, ...]:
    """The stored columns a tutors row sets: `topics` and `active` when the file has them,
    `user_id` when the row gives a Telegram id (an empty cell keeps the link)."""
    columns = _columns_of(record.source.columns, Kind.TUTORS)
    return columns if record.telegram_user_id is None else (*columns, "user_id")


@lru_cache(maxsize=64)
def _columns_of(columns: ColumnMap, kind: Kind) -> tuple[str, ...]:
    has = columns.has
    if kind is Kind.SPACES:
        optional = [c for name, cols in _SPACE_OPTIONAL.items() if has(name) for c in cols]
        return (*_SPACE_ALWAYS, *optional)
    if kind is Kind.TUTORS:
        return (*_TUTOR_ALWAYS, *(c for c in _TUTOR_OPTIONAL if has(c)))
    return (*_SESSION_ALWAYS, *(c for c in _SESSION_OPTIONAL if has(c)))


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
    spaces = {row.external_id: row for row in conn.execute(select(SPACE))}
    for record in data.spaces:
        _plan_space(record, spaces.get(record.space_id), allowed is not None, changes, log)
    space_ids = {external: row.id for external, row in spaces.items()}
    known_spaces = set(space_ids) | data.space_ids
    suggestions: dict[str, str | None] = {}
    todo: dict[str, SessionRecord] = {}
    for record in data.sessions:
        ok = True
        if record.space_id not in known_spaces:
            if record.space_id not in suggestions:
                suggestions[record.space_id] = _closest(record.space_id, known_spaces)
            suggestion = suggestions[record.space_id]
            code = "unknown_space_suggest" if suggestion else "unknown_space"
            log.error(
                record.source.problem(
                    record.row, "space_id", code, space_id=record.space_id, suggestion=suggestion
                )
            )
            ok = False
        key = org_key(record.organisation)
        if allowed is not None and key not in allowed:
            log.error(
                record.source.problem(
                    record.row,
                    "organisation",
                    "other_organisation",
                    organisation=record.organisation,
                )
            )
            ok = False
        if not ok:
            continue
        if key not in orgs:
            changes.new_organisations.setdefault(key, record.organisation)
        todo[record.session_id] = record
    for row in _existing_sessions(conn, todo):
        record = todo.pop(row.external_id)
        _plan_session(record, row, orgs, space_ids, allowed_ids, changes, log)
    changes.session_inserts.extend(todo.values())
    if data.tutors:
        _plan_tutors(conn, data.tutors, orgs, allowed, allowed_ids, changes, log)
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


# What the comparison needs of a stored session (not its timestamps: less to decode).
_STORED = select(
    *(SESSION.c[name] for name in ("id", "external_id", "seats_taken", *_SESSION_ALWAYS,
                                   *_SESSION_OPTIONAL))
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
    orgs: dict[str, int],
    allowed: set[str] | None,
    allowed_ids: set[int] | None,
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
        ok = True
        if allowed is not None and key not in allowed:
            problem = record.source.problem(
                record.row,
                "organisation",
                "tutor_other_organisation",
                organisation=record.organisation,
            )
            log.error(problem)
            ok = False
        elif row is not None and not _may_change(row, allowed_ids):
            log.error(
                record.source.problem(record.row, "tutor_id", "not_your_tutor", id=record.tutor_id)
            )
            ok = False
        uid = record.telegram_user_id
        holder = by_user.get(uid) if uid is not None else None
        if holder is not None and (row is None or holder.id != row.id):
            # Tutor.user_id is unique: the account must first be unlinked from the other tutor.
            if _may_change(holder, allowed_ids):
                problem = record.source.problem(
                    record.row,
                    "telegram_user_id",
                    "telegram_id_taken",
                    id=uid,
                    tutor=holder.external_id or holder.name,
                )
            else:  # an organisation admin does not learn the tutors of other organisations
                problem = record.source.problem(
                    record.row, "telegram_user_id", "telegram_id_taken_elsewhere", id=uid
                )
            log.error(problem)
            ok = False
        if not ok:
            continue
        if key not in orgs:
            changes.new_organisations.setdefault(key, record.organisation)
        if row is None:
            changes.tutor_inserts.append(record)
            if uid is not None:
                changes.linked_tutors.append(record.tutor_id)
            linked, active = uid, record.active
        else:
            new = {"organisation_id": orgs.get(key, _NEW_ORGANISATION), "user_id": uid}
            columns = tutor_columns(record)
            changed = tuple(
                c for c in columns if getattr(row, c) != new.get(c, getattr(record, c, None))
            )
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
        if linked is not None and active:
            grant = TutorGrant(linked, record.organisation, record.tutor_id)
            grants_wanted.setdefault((linked, key), grant)
    _plan_accounts(conn, records, grants_wanted, orgs, changes)


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


# --- writing -------------------------------------------------------------------------------


class ConcurrentChange(Exception):
    """The database changed under the import (enrolments, another import): nothing written."""


def write_changes(
    conn: Connection, changes: Changes, *, now: datetime, actor_id: int | None = None
) -> None:
    """Write everything planned, in the caller's transaction; `actor_id` signs the audit
    entries of the roles granted (None: the command line)."""
    if changes.new_organisations:
        conn.execute(
            insert(ORGANISATION),
            [{"name": name, "created_at": now} for name in changes.new_organisations.values()],
        )
    orgs = {
        org_key(name): oid
        for oid, name in conn.execute(select(ORGANISATION.c.id, ORGANISATION.c.name))
    }
    for batch in _batches(changes.space_inserts):
        conn.execute(
            insert(SPACE),
            [
                {
                    **_space_values(r, _SPACE_ALL),
                    "external_id": r.space_id,
                    "created_at": now,
                    "updated_at": now,
                }
                for r in batch
            ],
        )
    _update(conn, SPACE, changes.space_updates, _space_values, now)
    spaces = {
        external: sid for external, sid in conn.execute(select(SPACE.c.external_id, SPACE.c.id))
    }

    def session_values(record: SessionRecord, columns: Iterable[str]) -> dict[str, Any]:
        values = {}
        for c in columns:
            if c == "organisation_id":
                values[c] = orgs[org_key(record.organisation)]
            elif c == "space_id":
                values[c] = spaces[record.space_id]
            else:
                values[c] = getattr(record, c)
        return values

    every = (*_SESSION_ALWAYS, *_SESSION_OPTIONAL)
    for batch in _batches(changes.session_inserts):
        conn.execute(
            insert(SESSION),
            [
                {
                    **session_values(r, every),
                    "external_id": r.session_id,
                    "seats_taken": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for r in batch
            ],
        )
    _update(conn, SESSION, changes.session_updates, session_values, now)
    _write_tutors(conn, changes, orgs, now=now, actor_id=actor_id)


def _write_tutors(
    conn: Connection,
    changes: Changes,
    orgs: dict[str, int],
    *,
    now: datetime,
    actor_id: int | None,
) -> None:
    if changes.new_users:  # before the tutors: Tutor.user_id refers to app_user.id
        conn.execute(
            insert(USER),
            [
                {
                    "id": uid,
                    "first_name": first_name,
                    # Unknown until they write: their Telegram language is taken then.
                    "language": "",
                    "is_active": True,
                    "created_at": now,
                    "last_seen_at": now,
                }
                for uid, first_name in changes.new_users.items()
            ],
        )

    def tutor_values(record: TutorRecord, columns: Iterable[str]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for c in columns:
            if c == "organisation_id":
                values[c] = orgs[org_key(record.organisation)]
            elif c == "user_id":
                values[c] = record.telegram_user_id
            else:
                values[c] = getattr(record, c)
        return values

    every = (*_TUTOR_ALWAYS, *_TUTOR_OPTIONAL, "user_id")
    for batch in _batches(changes.tutor_inserts):
        conn.execute(
            insert(TUTOR),
            [{**tutor_values(r, every), "external_id": r.tutor_id} for r in batch],
        )
    _update(conn, TUTOR, changes.tutor_updates, tutor_values, now)
    if changes.role_grants:
        conn.execute(
            insert(ROLE_GRANT),
            [
                {
                    "user_id": grant.user_id,
                    "role": TUTOR_ROLE,
                    "organisation_id": orgs[org_key(grant.organisation)],
                    "granted_by": actor_id,
                    "created_at": now,
                }
                for grant in changes.role_grants
            ],
        )
        conn.execute(
            insert(AUDIT),
            [
                {
                    "at": now,
                    "actor_id": actor_id,
                    "action": "role_granted",
                    "detail": f"role={TUTOR_ROLE} organisation={grant.organisation} "
                    f"user={grant.user_id} tutor={grant.tutor_id} by=import"[:2000],
                }
                for grant in changes.role_grants
            ],
        )


def _space_values(record: SpaceRecord, columns: Iterable[str]) -> dict[str, Any]:
    return {c: getattr(record, c) for c in columns}


def _update(
    conn: Connection,
    table: Table,
    updates: list[tuple[int, Any, tuple[str, ...]]],
    values_of: Callable[[Any, tuple[str, ...]], dict[str, Any]],
    now: datetime,
) -> None:
    """UPDATE ... SET <changed columns> WHERE id = :row_id, executemany, one statement per
    set of changed columns (moving every session by a day writes two columns, not fifteen)."""
    groups: dict[tuple[str, ...], list[tuple[int, Any]]] = {}
    for row_id, record, columns in updates:
        groups.setdefault(columns, []).append((row_id, record))
    for columns, rows in groups.items():
        stamped = (*columns, "updated_at") if "updated_at" in table.c else columns
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values({c: bindparam(f"new_{c}") for c in stamped})
        )
        if table is SESSION and "seats" in columns:
            # Enrolments may have been taken since the plan: never go below them.
            statement = statement.where(table.c.seats_taken <= bindparam("new_seats"))
        for batch in _batches(rows):
            params = [
                {
                    "row_id": row_id,
                    **({"new_updated_at": now} if "updated_at" in stamped else {}),
                    **{f"new_{c}": value for c, value in values_of(record, columns).items()},
                }
                for row_id, record in batch
            ]
            result = conn.execute(statement, params)
            if result.rowcount not in (-1, len(params)):
                raise ConcurrentChange  # a row went below its enrolments, or disappeared


def _batches(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]
