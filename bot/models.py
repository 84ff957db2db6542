"""The database schema: SQLModel tables (a few beside their feature, imported at the end).
Times are `UTCDateTime` (stored in UTC, returned timezone-aware); Telegram ids are BIGINT (they
exceed 2**31); status columns hold the values of the `StrEnum`s below."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, DateTime, Index, LargeBinary, Text, UniqueConstraint, text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC; SQLite keeps no zone, so it is re-attached on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous: pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Role(StrEnum):
    ADMIN = "admin"  # super-admin (also implied by ADMIN_IDS)
    ORG_ADMIN = "org_admin"
    TUTOR = "tutor"


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class EnrolmentStatus(StrEnum):
    ENROLLED = "enrolled"
    WAITING = "waiting"
    OFFERED = "offered"  # a freed seat is held for this learner until offer_expires_at
    CANCELLED = "cancelled"


class AppointmentStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    PROPOSED = "proposed"  # the tutor proposed another slot; the learner decides
    DECLINED = "declined"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    DONE = "done"


class ReminderStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by one process; nobody else may send it
    SENT = "sent"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


def _ts(**kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kwargs)


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    created_at: datetime = _ts(default_factory=utcnow)


class User(SQLModel, table=True):
    """A Telegram user who talked to the bot; the id is the Telegram user id."""

    __tablename__ = "app_user"
    id: int = Field(
        sa_type=BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    first_name: str = Field(default="", max_length=200)
    last_name: str | None = Field(default=None, max_length=200)
    username: str | None = Field(default=None, max_length=64)
    language: str = Field(default="fr", max_length=8)
    # Chosen with /langue: never replaced by a guess from what they write.
    language_chosen: bool = Field(
        default=False, sa_column_kwargs={"server_default": text("false")}
    )
    home_insee: str | None = Field(default=None, max_length=5)
    is_active: bool = True  # False once the user blocked the bot
    created_at: datetime = _ts(default_factory=utcnow)
    last_seen_at: datetime = _ts(default_factory=utcnow)


class RoleGrant(SQLModel, table=True):
    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("user_id", "role", "organisation_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_type=BigInteger, foreign_key="app_user.id", index=True, ondelete="CASCADE"
    )
    role: str = Field(max_length=20)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    granted_by: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = _ts(default_factory=utcnow)


class Invite(SQLModel, table=True):
    """A one-time deep-link token that grants a role."""

    token: str = Field(primary_key=True, max_length=64)
    role: str = Field(max_length=20)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    created_by: int = Field(sa_type=BigInteger)
    expires_at: datetime = _ts()
    used_by: int | None = Field(default=None, sa_type=BigInteger)
    used_at: datetime | None = _ts(default=None)


class AuditEntry(SQLModel, table=True):
    """Role changes and other administrative actions, for accountability."""

    __tablename__ = "audit_entry"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts(default_factory=utcnow)
    actor_id: int | None = Field(default=None, sa_type=BigInteger)
    action: str = Field(max_length=50)
    detail: str = Field(default="", max_length=2000)


class Space(SQLModel, table=True):
    """A coworking space (proxitravail) where sessions and appointments take place."""

    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(max_length=100, unique=True)
    name: str = Field(max_length=200)
    address: str = Field(default="", max_length=300)
    postcode: str = Field(default="", max_length=10)
    city: str = Field(default="", max_length=200)
    insee: str | None = Field(default=None, max_length=5)
    latitude: float
    longitude: float
    accessible: bool | None = None
    contact: str | None = Field(default=None, max_length=200)
    created_at: datetime = _ts(default_factory=utcnow)
    updated_at: datetime = _ts(default_factory=utcnow)


class TrainingSession(SQLModel, table=True):
    """One dated occurrence of a training course or workshop in a space."""

    __tablename__ = "training_session"
    __table_args__ = (
        Index("ix_training_session_status_start", "status", "starts_at"),
        # A course's other dates (catalogue.other_dates): equality on all but the order.
        Index("ix_training_session_course", "organisation_id", "title", "status", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(max_length=100, unique=True)
    title: str = Field(max_length=300)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    starts_at: datetime = _ts()
    ends_at: datetime = _ts()
    seats: int
    seats_taken: int = 0
    topics: str = Field(default="", max_length=1000)
    modality: str = Field(default="presentiel", max_length=20)
    format: str = Field(default="formation", max_length=50)
    price_eur: float | None = None
    cpf: bool = False
    description: str = Field(default="", max_length=5000)
    url: str | None = Field(default=None, max_length=500)
    status: str = Field(default=SessionStatus.SCHEDULED, max_length=20)
    # Dates as LHEO gives them (0005): a feed without times gives days only; the stored
    # 09:00/17:00 then only order and anchor reminders and are never shown.
    times_known: bool = Field(default=True, sa_column_kwargs={"server_default": text("true")})
    # Permanent entry (`modalites-entrees-sorties` = 1): join any day until `ends_at`;
    # `open_end`: the feed gave no end (99999999), `ends_at` is the import's horizon.
    permanent_entry: bool = Field(
        default=False, sa_column_kwargs={"server_default": text("false")}
    )
    open_end: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})
    hours: float | None = None  # total hours of the course (`nombre-heures-total`)
    # A session "to confirm" (0006, `bot.confirmation`): it takes place only if
    # `min_participants` enrol by `confirm_by`. Its status stays `scheduled` (bookable, searched
    # like any other); `confirmed_at` is set once, by the enrolment that reaches the minimum.
    min_participants: int | None = None
    confirm_by: datetime | None = _ts(default=None)
    confirmed_at: datetime | None = _ts(default=None)
    created_at: datetime = _ts(default_factory=utcnow)
    updated_at: datetime = _ts(default_factory=utcnow)

    @property
    def to_confirm(self) -> bool:
        """Waiting for its minimum: not confirmed yet, and not cancelled."""
        return (
            self.min_participants is not None
            and self.confirmed_at is None
            and self.status == SessionStatus.SCHEDULED
        )


class Enrolment(SQLModel, table=True):
    """A learner's seat, or place on the waitlist, for a session."""

    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="training_session.id", index=True)
    user_id: int = Field(
        sa_type=BigInteger, foreign_key="app_user.id", index=True, ondelete="CASCADE"
    )
    status: str = Field(max_length=20)
    offer_expires_at: datetime | None = _ts(default=None)
    created_at: datetime = _ts(default_factory=utcnow)
    updated_at: datetime = _ts(default_factory=utcnow)


class Alert(SQLModel, table=True):
    """A saved search: the learner is told when a matching session is added."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_type=BigInteger, foreign_key="app_user.id", index=True, ondelete="CASCADE"
    )
    query: str = Field(max_length=300)
    # What the confirmation named ("Excel"), shown in /alertes and in its notices; "" for
    # alerts saved before 0011 (their query is shown).
    topic: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    latitude: float
    longitude: float
    place_label: str = Field(default="", max_length=200)
    radius_km: int = 30
    created_at: datetime = _ts(default_factory=utcnow)


class Tutor(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    external_id: str | None = Field(default=None, max_length=100, unique=True)
    name: str = Field(max_length=200)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    topics: str = Field(default="", max_length=1000)
    user_id: int | None = Field(
        default=None,
        sa_type=BigInteger,
        foreign_key="app_user.id",
        unique=True,
        ondelete="SET NULL",
    )
    active: bool = True


class AvailabilitySlot(SQLModel, table=True):
    """A time a tutor offers for appointments, in a space or online, for one or N learners."""

    __tablename__ = "availability_slot"
    __table_args__ = (
        Index("ix_slot_tutor_start", "tutor_id", "starts_at"),
        Index("ix_slot_start", "starts_at"),  # the finder: every tutor's slots in a window
    )

    id: int | None = Field(default=None, primary_key=True)
    tutor_id: int = Field(foreign_key="tutor.id")
    starts_at: datetime = _ts()
    ends_at: datetime = _ts()
    space_id: int | None = Field(default=None, foreign_key="space.id")
    online_url: str | None = Field(default=None, max_length=500)
    seats: int = 1
    seats_taken: int = 0
    series_id: str | None = Field(default=None, max_length=40, index=True)
    cancelled: bool = False


class Appointment(SQLModel, table=True):
    """A learner's mentoring request on a tutor's slot, through to attendance and rating."""

    # One active appointment per learner and slot, even with a double tap on a group slot
    # (the seat guard alone would let both through while seats remain).
    __table_args__ = (
        Index(
            "uq_appointment_active_learner_slot",
            "slot_id",
            "learner_id",
            unique=True,
            sqlite_where=text("status IN ('pending', 'confirmed', 'proposed')"),
            postgresql_where=text("status IN ('pending', 'confirmed', 'proposed')"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    slot_id: int = Field(foreign_key="availability_slot.id", index=True)
    learner_id: int = Field(sa_type=BigInteger, foreign_key="app_user.id", index=True)
    tutor_id: int = Field(foreign_key="tutor.id", index=True)
    status: str = Field(max_length=20)
    message: str = Field(default="", max_length=1000)
    ics_uid: str = Field(max_length=100)
    ics_sequence: int = 0
    attended: bool | None = None
    rating: int | None = None
    created_at: datetime = _ts(default_factory=utcnow)
    decided_at: datetime | None = _ts(default=None)
    # Why the tutor declined, or why either side cancelled (shown to the other side).
    reason: str | None = Field(default=None, max_length=500)
    # When the tutor was nudged about this unanswered request (nudge once, then expire).
    nudged_at: datetime | None = _ts(default=None)
    # A reschedule is a new pending request that keeps the old one's ics_uid (sequence + 1).
    rescheduled_from_id: int | None = Field(default=None, foreign_key="appointment.id")
    # Who answered "did it take place?": "tutor" or "learner"; the tutor's answer wins.
    attendance_by: str | None = Field(default=None, max_length=10)
    rating_comment: str | None = Field(default=None, max_length=300)


class Reminder(SQLModel, table=True):
    """A message due at a time: the source of truth the JobQueue is re-armed from."""

    __table_args__ = (
        Index("ix_reminder_status_due", "status", "due_at"),
        # Cancelling the reminders of an appointment or a session, and forgetting a user.
        Index("ix_reminder_appointment", "appointment_id"),
        Index("ix_reminder_session", "session_id"),
        Index("ix_reminder_recipient", "recipient_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    # Makes re-planning idempotent: one row per (kind, recipient, subject).
    dedupe_key: str = Field(max_length=200, unique=True)
    recipient_id: int = Field(sa_type=BigInteger, foreign_key="app_user.id", ondelete="CASCADE")
    due_at: datetime = _ts()
    deadline_at: datetime | None = _ts(default=None)
    appointment_id: int | None = Field(default=None, foreign_key="appointment.id")
    session_id: int | None = Field(default=None, foreign_key="training_session.id")
    urgent: bool = False
    status: str = Field(default=ReminderStatus.PENDING, max_length=20)
    attempts: int = 0
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_at: datetime | None = _ts(default=None)
    sent_at: datetime | None = _ts(default=None)
    last_error: str | None = Field(default=None, max_length=500)


class ChatState(SQLModel, table=True):
    """What a chat remembers between updates, as JSON (`bot.chat_state`): a person's or chat's
    data, or one named conversation's state; written after each update, so restarts resume."""

    __tablename__ = "chat_state"
    kind: str = Field(primary_key=True, max_length=20)  # "user", "chat" or "conversation"
    name: str = Field(default="", primary_key=True, max_length=64)  # the conversation's name
    key: str = Field(primary_key=True, max_length=100)  # the user or chat id, or "[chat, user]"
    data: str = Field(sa_type=Text)
    updated_at: datetime = _ts(default_factory=utcnow)


class ImportUpload(SQLModel, table=True):
    """A data file an admin sent, kept while its preview waits for [Importer] or [Annuler]."""

    __tablename__ = "import_upload"
    token: str = Field(primary_key=True, max_length=32)  # the preview buttons' token
    user_id: int = Field(sa_type=BigInteger, index=True)
    file_name: str = Field(max_length=300)
    data: bytes = Field(sa_type=LargeBinary)
    created_at: datetime = _ts(default_factory=utcnow)


class UpdateInbox(SQLModel, table=True):
    """An update received by the active process (`bot.inbox`), recorded before Telegram is
    told and marked done once handled: a takeover handles what is undone, and only that."""

    __tablename__ = "update_inbox"
    update_id: int = Field(
        sa_type=BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    payload: str = Field(sa_type=Text)  # as Telegram sent it (JSON)
    worker: str = Field(max_length=100)  # the process handling it (`host:pid:token`)
    received_at: datetime = _ts(default_factory=utcnow)
    done_at: datetime | None = _ts(default=None, index=True)
    # Its first answer reached Telegram: a process taking over does not handle it again.
    answered_at: datetime | None = _ts(default=None)


# Tables kept beside their feature refer to those above: imported last, so that importing
# either module first works. Company requests; search records for demand statistics.
import bot.companies.tables  # noqa: E402
import bot.demand.tables  # noqa: E402, F401
