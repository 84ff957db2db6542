"""Validated records: typed rows of spaces, sessions and tutors, and the table they came from
(`Source`, to point problems found later, in `plan`, at the right cell)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.importer.columns import ColumnMap
from bot.importer.problems import Problem

logger = logging.getLogger(__name__)

Element = Callable[[int, str | None], tuple[str | None, str | None]]


@dataclass(frozen=True, slots=True)
class Source:
    """The table records come from: to point problems found later at the right cell."""

    file: str
    unit: str
    columns: ColumnMap
    element: Element | None = None  # LHEO: (row, column) → (numero, element path)

    def header(self, name: str) -> str:
        return self.columns.headers.get(name, name)

    def problem(self, row: int | None, name: str | None, code: str, **params: object) -> Problem:
        if self.element is not None and row is not None:
            position, path = self.element(row, name)
            return Problem(self.file, row, path, code, params, self.unit, position)
        column = self.header(name) if name else None
        return Problem(self.file, row, column, code, params, self.unit)


@dataclass(slots=True)
class SpaceRecord:
    source: Source
    row: int
    space_id: str
    name: str
    address: str
    postcode: str
    city: str
    insee: str | None
    latitude: float
    longitude: float
    accessible: bool | None
    contact: str | None


@dataclass(slots=True)
class SessionRecord:
    source: Source
    row: int
    session_id: str
    title: str
    organisation: str
    space_id: str
    starts_at: datetime
    ends_at: datetime
    seats: int
    topics: str
    modality: str
    format: str
    price_eur: float | None
    cpf: bool
    description: str
    url: str | None
    status: str
    times_known: bool = True  # False: the file gave days only (LHEO without `horaires`)
    permanent_entry: bool = False
    open_end: bool = False  # `ends_at` is the horizon, not a date the file gave
    hours: float | None = None
    # A session to confirm (`bot.confirmation`): both set, or neither.
    min_participants: int | None = None
    confirm_by: datetime | None = None


@dataclass(slots=True)
class TutorRecord:
    source: Source
    row: int
    tutor_id: str
    name: str
    organisation: str
    topics: str
    telegram_user_id: int | None  # None: the file says nothing (an existing link is kept)
    active: bool

    @property
    def first_name(self) -> str:
        """What a Telegram account created for this tutor is called until its owner writes."""
        return self.name.split()[0]  # `name` is required: never blank


@dataclass(slots=True)
class Validated:
    spaces: list[SpaceRecord] = field(default_factory=list)
    sessions: list[SessionRecord] = field(default_factory=list)
    tutors: list[TutorRecord] = field(default_factory=list)
    # Every space id of the load, valid row or not: a session pointing at a space whose row
    # has an error gets no second, misleading "unknown space" error.
    space_ids: set[str] = field(default_factory=set)
