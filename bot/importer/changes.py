"""What an import changes: the tables it writes, the columns a file sets, and `Changes`.

`bot.importer.plan` fills a `Changes` by comparing validated records with the database;
`bot.importer.write` writes it. Both run inside the caller's transaction, so a preview and the
real import see the same rules.

Tutors with a `telegram_user_id` are linked to that Telegram account (an `app_user` row is
created when the person never wrote to the bot) and, while active, hold the `tutor` role of
their organisation (a `role_grant`, audited as "role_granted"). An empty `telegram_user_id`
leaves an existing link as it is; deactivating a tutor keeps its link and its role.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import Table

from bot.importer.columns import ColumnMap, Kind
from bot.importer.validation import SessionRecord, SpaceRecord, TutorRecord
from bot.models import (
    AuditEntry,
    Organisation,
    Role,
    RoleGrant,
    Space,
    TrainingSession,
    Tutor,
    User,
)

ORGANISATION: Table = Organisation.__table__  # type: ignore[attr-defined]  # SQLModel sets __table__ on table classes
SPACE: Table = Space.__table__  # type: ignore[attr-defined]  # SQLModel sets __table__ on table classes
SESSION: Table = TrainingSession.__table__  # type: ignore[attr-defined]  # SQLModel sets __table__ on table classes
TUTOR: Table = Tutor.__table__  # type: ignore[attr-defined]  # SQLModel sets __table__ on table classes
USER: Table = User.__table__  # type: ignore[attr-defined]  # SQLModel sets __table__ on table classes
ROLE_GRANT: Table = RoleGrant.__table__  # type: ignore[attr-defined]  # SQLModel sets __table__ on table classes
AUDIT: Table = AuditEntry.__table__  # type: ignore[attr-defined]  # SQLModel sets __table__ on table classes
TUTOR_ROLE = Role.TUTOR.value

# Columns an import may set, by the file column that carries them.
_SPACE_OPTIONAL = {
    "latitude": ("latitude", "longitude"),
    "accessible": ("accessible",),
    "contact": ("contact",),
}
SPACE_ALWAYS = ("name", "address", "postcode", "city", "insee")
SPACE_ALL = (*SPACE_ALWAYS, "latitude", "longitude", "accessible", "contact")
# times_known always: a file with times (every CSV) makes a date-only session timed again.
SESSION_ALWAYS = (
    "title",
    "organisation_id",
    "space_id",
    "starts_at",
    "ends_at",
    "seats",
    "times_known",
)
SESSION_OPTIONAL = (
    "topics",
    "modality",
    "format",
    "price_eur",
    "cpf",
    "description",
    "url",
    "status",
    "hours",
    "permanent_entry",
    "open_end",
    "min_participants",
    "confirm_by",
)
TUTOR_ALWAYS = ("name", "organisation_id")
TUTOR_OPTIONAL = ("topics", "active")  # written only when the file has the column


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
        return (*SPACE_ALWAYS, *optional)
    if kind is Kind.TUTORS:
        return (*TUTOR_ALWAYS, *(c for c in TUTOR_OPTIONAL if has(c)))
    return (*SESSION_ALWAYS, *(c for c in SESSION_OPTIONAL if has(c)))
