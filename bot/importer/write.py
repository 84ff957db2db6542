"""Writing planned changes in bulk, in the caller's transaction.

Core executemany statements, `BATCH` rows at a time: 150,000 sessions take seconds. An
UPDATE that finds fewer rows than planned (enrolments taken since the plan, a row deleted by
another import) raises `ConcurrentChange`, and the caller's transaction writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.engine import Connection

from bot.importer.changes import (
    AUDIT,
    ORGANISATION,
    ROLE_GRANT,
    SESSION,
    SESSION_ALWAYS,
    SESSION_OPTIONAL,
    SPACE,
    SPACE_ALL,
    TUTOR,
    TUTOR_ALWAYS,
    TUTOR_OPTIONAL,
    TUTOR_ROLE,
    USER,
    Changes,
    org_key,
)

BATCH = 5_000  # rows per executemany: bounded memory for the parameter dictionaries


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
                    **_space_values(r, SPACE_ALL),
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

    session_values = _values_of(
        organisation_id=lambda record: orgs[org_key(record.organisation)],
        space_id=lambda record: spaces[record.space_id],
    )
    every = (*SESSION_ALWAYS, *SESSION_OPTIONAL)
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
    _insert_users(conn, changes, now)  # first: Tutor.user_id refers to app_user.id

    tutor_values = _values_of(
        organisation_id=lambda record: orgs[org_key(record.organisation)],
        user_id=lambda record: record.telegram_user_id,
    )
    every = (*TUTOR_ALWAYS, *TUTOR_OPTIONAL, "user_id")
    for batch in _batches(changes.tutor_inserts):
        conn.execute(
            insert(TUTOR),
            [{**tutor_values(r, every), "external_id": r.tutor_id} for r in batch],
        )
    _update(conn, TUTOR, changes.tutor_updates, tutor_values, now)
    _grant_roles(conn, changes, orgs, now=now, actor_id=actor_id)


def _insert_users(conn: Connection, changes: Changes, now: datetime) -> None:
    """The `app_user` rows of linked Telegram accounts that never wrote to the bot."""
    if changes.new_users:
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


def _grant_roles(
    conn: Connection,
    changes: Changes,
    orgs: dict[str, int],
    *,
    now: datetime,
    actor_id: int | None,
) -> None:
    """The `tutor` roles of linked accounts, each audited as "role_granted"."""
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


def _values_of(
    **derived: Callable[[Any], Any],
) -> Callable[[Any, Iterable[str]], dict[str, Any]]:
    """A record's values for some columns: those in `derived` computed from the record (ids
    of rows the load may have just created), the others read from it as they are."""

    def values(record: Any, columns: Iterable[str]) -> dict[str, Any]:
        return {c: derived[c](record) if c in derived else getattr(record, c) for c in columns}

    return values


_space_values = _values_of()  # every space column is stored as read


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
