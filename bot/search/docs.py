"""The plain rows search works on, read from the database in one query, and their filters.

:class:`SessionDoc` and :class:`SpaceDoc` are frozen dataclasses: the service, the result
lists and the tests handle them without a database session. :func:`session_statement` is
the only code that reads the schema (:func:`load_docs` for whole lists, the index and the
prefiltered search for rows). What the filters need is kept as small integers (local
weekday and minute, modality and price flags, :func:`passes`), so that "le samedi soir" or
"gratuit" never converts a datetime per session.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from bot.db import reading
from bot.joining import still_open
from bot.models import Organisation, SessionStatus, Space, TrainingSession
from bot.search.when import When

__all__ = [
    "Filters",
    "Hit",
    "SessionDoc",
    "SpaceDoc",
    "load_docs",
    "local_slot",
    "passes",
    "read_rows",
    "session_flags",
    "session_statement",
    "space_of",
    "stream_rows",
]

logger = logging.getLogger(__name__)

MINUTES_PER_DAY = 24 * 60
# Session flags, one bit each.
PRESENTIEL, BLENDED, DISTANCIEL, CPF, FREE, ACCESSIBLE = 1, 2, 4, 8, 16, 32
_MODALITY_BITS = {"presentiel": PRESENTIEL, "blended": BLENDED, "distanciel": DISTANCIEL}
# (any-of modality bits, all-of bits, weekdays, local day parts): see Filters.masks.
Masks = tuple[int, int, frozenset[int], tuple[tuple[int, int], ...]]


@dataclass(frozen=True, slots=True)
class SpaceDoc:
    """Where a session takes place."""

    id: int
    name: str
    city: str
    postcode: str
    latitude: float
    longitude: float
    accessible: bool | None = None
    external_id: str = ""


@dataclass(frozen=True, slots=True)
class SessionDoc:
    """One upcoming session with what search and the result list need."""

    id: int
    external_id: str
    title: str
    organisation: str
    topics: str
    description: str
    starts_at: datetime  # aware UTC
    ends_at: datetime
    seats: int
    seats_taken: int
    modality: str
    format: str
    price_eur: float | None
    cpf: bool
    status: str
    space: SpaceDoc
    url: str | None = None
    times_known: bool = True  # the result line shows the day only when False
    permanent_entry: bool = False
    open_end: bool = False

    @property
    def seats_left(self) -> int:
        return max(0, self.seats - self.seats_taken)

    @property
    def full(self) -> bool:
        return self.seats_taken >= self.seats

    def flags(self) -> int:
        """The filter bits of this session."""
        return session_flags(self.modality, self.cpf, self.price_eur, self.space)


def session_flags(modality: str, cpf: bool, price_eur: float | None, space: SpaceDoc) -> int:
    """The filter bits of a session: modality, CPF, free, accessible."""
    return (
        _MODALITY_BITS.get(modality, 0)
        | (CPF if cpf else 0)
        | (FREE if not price_eur else 0)
        | (ACCESSIBLE if space.accessible else 0)
    )


@dataclass(frozen=True, slots=True)
class Filters:
    """Per-session conditions besides topic and distance."""

    after: datetime  # sessions must start strictly after (now, or a later window start)
    before: datetime | None = None
    when: When = field(default_factory=When)
    modalities: frozenset[str] | None = None
    cpf_only: bool = False
    free_only: bool = False
    accessible_only: bool = False
    # "dans le Morbihan", "en Bretagne": only spaces of these départements (None: anywhere).
    departements: frozenset[str] | None = None

    def masks(self) -> Masks | None:
        """(any-of modality bits, all-of bits, weekdays, day parts), or None to accept all."""
        any_of = 0
        for modality in self.modalities or ():
            any_of |= _MODALITY_BITS[modality]
        all_of = (
            (CPF if self.cpf_only else 0)
            | (FREE if self.free_only else 0)
            | (ACCESSIBLE if self.accessible_only else 0)
        )
        if not (any_of or all_of or self.when.weekdays or self.when.day_parts):
            return None
        return any_of, all_of, self.when.weekdays, self.when.day_parts


def local_slot(moment: datetime, tz: ZoneInfo) -> int:
    """Local weekday * 1440 + minute of the day: what weekday and time-of-day filters read."""
    local = moment.astimezone(tz)
    return local.weekday() * MINUTES_PER_DAY + local.hour * 60 + local.minute


@dataclass(slots=True)
class Hit:
    """The best session of one group (same organisation, same title) and the group's size."""

    group: tuple[str, str]
    doc: SessionDoc
    score: float
    distance_km: float | None
    count: int


def passes(masks: Masks, flags: int, slot: int) -> bool:
    """Whether a session's flags and local slot pass ``masks`` (see Filters.masks)."""
    any_of, all_of, weekdays, parts = masks
    if (any_of and not flags & any_of) or (flags & all_of) != all_of:
        return False
    if weekdays or parts:
        day, minute = divmod(slot, MINUTES_PER_DAY)
        if weekdays and day not in weekdays:
            return False
        if parts and not any(lo <= minute < hi for lo, hi in parts):
            return False
    return True


def session_statement(now: datetime, *conditions: Any) -> Select[*tuple[Any, ...]]:
    """The scheduled sessions still open at ``now`` (starting after it, or with permanent
    entry until their end; meeting ``conditions``), with their space and organisation: what
    search reads."""
    ts, sp, org = TrainingSession, Space, Organisation
    return (
        select(
            col(ts.id), col(ts.external_id), col(ts.title), col(org.name).label("organisation"),
            col(ts.topics), col(ts.description), col(ts.starts_at), col(ts.ends_at),
            col(ts.seats), col(ts.seats_taken), col(ts.modality), col(ts.format),
            col(ts.price_eur), col(ts.cpf), col(ts.status), col(ts.url),
            col(ts.times_known), col(ts.permanent_entry), col(ts.open_end),
            col(sp.id).label("space_id"), col(sp.name).label("space_name"), col(sp.city),
            col(sp.postcode), col(sp.latitude), col(sp.longitude), col(sp.accessible),
            col(sp.external_id).label("space_external_id"),
        )
        .join(sp, col(sp.id) == ts.space_id)
        .join(org, col(org.id) == ts.organisation_id)
        .where(col(ts.status) == SessionStatus.SCHEDULED, still_open(now), *conditions)
    )  # fmt: skip


def read_rows(engine: Engine, stmt: Select[*tuple[Any, ...]]) -> list[Any]:
    """The rows of :func:`session_statement` (one short read)."""
    with reading(engine) as session:
        return list(session.execute(stmt).all())


def stream_rows(engine: Engine, stmt: Select[*tuple[Any, ...]]) -> Iterator[Any]:
    """The rows of :func:`session_statement`, a few thousand at a time (building the index
    never holds 150,000 database rows at once)."""
    with reading(engine) as session:
        yield from session.execute(stmt.execution_options(yield_per=2_000))


def space_of(r: Any, spaces: dict[int, SpaceDoc]) -> SpaceDoc:
    """The (shared) SpaceDoc of a row of :func:`session_statement`."""
    space = spaces.get(r.space_id)
    if space is None:
        space = spaces[r.space_id] = SpaceDoc(
            id=r.space_id,
            name=r.space_name,
            city=r.city,
            postcode=r.postcode,
            latitude=r.latitude,
            longitude=r.longitude,
            accessible=r.accessible,
            external_id=r.space_external_id,
        )
    return space


def load_docs(engine: Engine, *, now: datetime) -> list[SessionDoc]:
    """The scheduled sessions starting after ``now``, with spaces and organisations (1 query)."""
    spaces: dict[int, SpaceDoc] = {}
    return [
        SessionDoc(
            id=r.id,
            external_id=r.external_id,
            title=r.title,
            organisation=r.organisation,
            topics=r.topics or "",
            description=r.description or "",
            starts_at=r.starts_at,
            ends_at=r.ends_at,
            seats=r.seats,
            seats_taken=r.seats_taken,
            modality=r.modality,
            format=r.format,
            price_eur=r.price_eur,
            cpf=bool(r.cpf),
            status=r.status,
            space=space_of(r, spaces),
            url=r.url,
            times_known=bool(r.times_known),
            permanent_entry=bool(r.permanent_entry),
            open_end=bool(r.open_end),
        )
        for r in read_rows(engine, session_statement(now))
    ]
