"""Rows → typed, validated records, and every problem with its row and column.

Pure: no database. What needs the database (does this `space_id` exist already? may this
admin change that session? are there fewer seats than learners enrolled? is this Telegram
account already another tutor's?) is checked by `plan.py` inside the import transaction.
Spaces tables are validated before sessions tables, so that sessions may refer to spaces of the
same load, and tutors last.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TypedDict, TypeVar

from bot.gazetteer import Commune, normalize
from bot.importer import values as v
from bot.importer.columns import ColumnMap, Kind, map_columns
from bot.importer.locate import Located, Places, clean_town, locate
from bot.importer.problems import PLACE, BadValue, FileProblem, Problem, ProblemLog
from bot.importer.reader import Row, Table
from bot.importer.records import (
    SessionRecord,
    Source,
    SpaceRecord,
    TutorRecord,
    Validated,
)

__all__ = [
    "SessionRecord",
    "Source",
    "SpaceRecord",
    "TutorRecord",
    "Validated",
    "validate_tables",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")
# The column a locating warning points at (else the city).
_WARNED_COLUMN = {"postcode_not_serving": "postcode", "commune_former_insee": "insee"}


def validate_tables(tables: list[Table], *, places: Places, log: ProblemLog) -> Validated:
    """Validate every table (spaces, sessions, then tutors); problems go to `log`, valid rows
    are returned."""
    mapped: list[tuple[Table, ColumnMap]] = []
    for table in tables:
        try:
            columns = map_columns(table.headers)
        except FileProblem as exc:
            log.error(Problem(table.file, None, None, exc.code, exc.params, table.unit))
            continue
        for header in columns.unknown:
            code, params = (
                ("unknown_column", {"column": header}) if header else ("unnamed_column", {})
            )
            log.warn(Problem(table.file, None, None, code, params, table.unit))
        mapped.append((table, columns))
    validator = _Validator(places, log)
    for kind in (Kind.SPACES, Kind.SESSIONS, Kind.TUTORS):
        for table, columns in mapped:
            if columns.kind is kind:
                validator.table(table, Source(table.file, table.unit, columns, table.element))
    return validator.result


class _Cells:
    """Reads the cells of one row, recording a problem for each bad one."""

    __slots__ = ("headers", "log", "ok", "row", "source", "values")

    def __init__(self, source: Source, row: Row, log: ProblemLog) -> None:
        self.source, self.row, self.log, self.ok = source, row, log, True
        self.headers, self.values = source.columns.headers, row.values

    def raw(self, name: str) -> v.Cell:
        header = self.headers.get(name)
        return None if header is None else self.values.get(header)

    def get(
        self, name: str, parse: Callable[..., T], *args: object, required: bool = False
    ) -> T | None:
        # Called for every cell of every row (2 million times for 150,000 sessions): kept lean.
        header = self.headers.get(name)
        value = None if header is None else self.values.get(header)
        if value.__class__ is str:
            if not value or value.isspace():
                value = None
        elif value is v.FORMULA_WITHOUT_VALUE:
            self.fail(name, "formula_without_value")
            return None
        elif isinstance(value, dict) or (isinstance(value, list) and name != "topics"):
            self.fail(name, "not_a_value")
            return None
        if value is None:
            if required:
                self.fail(name, "required")
            return None
        try:
            return parse(value, *args)
        except BadValue as exc:
            self.fail(name, exc.code, **exc.params)
            return None

    def fail(self, name: str, code: str, **params: object) -> None:
        self.ok = False
        self.log.error(self.source.problem(self.row.number, name, code, **params))


class _Validator:
    def __init__(self, places: Places, log: ProblemLog) -> None:
        self.places, self.log = places, log
        self.result = Validated()
        self._first_space: dict[str, tuple[str, int, str]] = {}
        self._first_session: dict[str, tuple[str, int, str]] = {}
        self._first_tutor: dict[str, tuple[str, int, str]] = {}
        self._first_telegram: dict[int, tuple[str, int, str]] = {}
        self._communes: dict[tuple[object, ...], Located | None] = {}
        self._shared: dict[str, str] = {}  # one copy of repeated strings (150,000 rows...)

    def table(self, table: Table, source: Source) -> None:
        check = {
            Kind.SPACES: self._space,
            Kind.SESSIONS: self._session,
            Kind.TUTORS: self._tutor,
        }[source.columns.kind]
        count = 0
        try:
            for row in table.rows():
                count += 1
                check(_Cells(source, row, self.log))
        except FileProblem as exc:
            self.log.error(source.problem(None, None, exc.code, **exc.params))
            return
        if count == 0:
            self.log.error(source.problem(None, None, "no_rows"))

    def _share(self, text: str) -> str:
        return self._shared.setdefault(text, text)

    def _duplicate(
        self, cells: _Cells, name: str, key: object, seen: dict, code: str = "duplicate_id"
    ) -> bool:
        """Whether `key` was seen on an earlier row (then a problem names that row)."""
        here = (cells.source.file, cells.row.number, cells.source.unit)
        first = seen.setdefault(key, here)
        if first != here:
            cells.fail(
                name,
                code,
                id=key,
                first_file=first[0],
                first_row=first[1],
                first_unit=first[2],
            )
            return True
        return False

    def _space(self, c: _Cells) -> None:
        space_id = c.get("space_id", v.text, 100, required=True)
        name = c.get("name", v.text, 200, required=True)
        address = c.get("address", v.text, 300, required=True)
        postcode = c.get("postcode", v.postcode, required=True)
        city = c.get("city", v.text, 200, required=True)
        insee = c.get("insee", v.text, 5)
        latitude = c.get("latitude", v.coordinate, 90)
        longitude = c.get("longitude", v.coordinate, 180)
        accessible = c.get("accessible", v.yes_no)
        contact = c.get("contact", v.text, 200)
        if space_id:
            if space_id in self.result.space_ids and c.source.unit == PLACE:
                return  # the same LHEO place (an id derived from its address) in two files
            self.result.space_ids.add(space_id)
            self._duplicate(c, "space_id", space_id, self._first_space)
        point = _point(c, latitude, longitude)
        commune = self._commune(c, postcode, city, insee, point) if postcode and city else None
        if not c.ok or commune is None:
            return
        # c.ok: every required cell was read (a missing one failed the row).
        assert space_id is not None and name is not None and address is not None
        assert postcode is not None and city is not None
        if latitude is None or longitude is None:
            latitude, longitude = commune.latitude, commune.longitude
        self.result.spaces.append(
            SpaceRecord(
                source=c.source,
                row=c.row.number,
                space_id=space_id,
                name=name,
                address=address,
                postcode=postcode,
                city=commune.name if city.isupper() or city != clean_town(city) else city,
                insee=commune.insee,
                latitude=latitude,
                longitude=longitude,
                accessible=accessible,
                contact=contact,
            )
        )

    def _commune(
        self,
        c: _Cells,
        postcode: str,
        city: str,
        insee: str | None,
        point: tuple[float, float] | None,
    ) -> Commune | None:
        """The commune of the place (see `locate`), or a problem on the postcode or the city."""
        key = (postcode, normalize(city), insee, point)
        if key not in self._communes:
            self._communes[key] = locate(
                self.places, postcode=postcode, city=city, insee=insee, point=point
            )
        found = self._communes[key]
        if found is not None:
            if found.warning:
                self.log.warn(
                    c.source.problem(
                        c.row.number,
                        _WARNED_COLUMN.get(found.warning, "city"),
                        found.warning,
                        **found.params,
                    )
                )
            return found.commune
        served = self.places.by_postcode(postcode)
        if not served:
            c.fail("postcode", "postcode_unknown", postcode=postcode, city=city)
        else:
            names = ", ".join(x.name for x in served[:5])
            c.fail("city", "city_not_in_postcode", postcode=postcode, city=city, communes=names)
        return None

    def _session(self, c: _Cells) -> None:
        session_id = c.get("session_id", v.text, 100, required=True)
        title = c.get("title", v.text, 300, required=True)
        organisation = c.get("organisation", v.text, 200, required=True)
        space_id = c.get("space_id", v.text, 100, required=True)
        starts_at = c.get("start", v.moment, required=True)
        ends_at = c.get("end", v.moment, required=True)
        seats = c.get("seats", v.seats, required=True)
        topics = c.get("topics", v.topics, 1000) or ""
        modality = c.get("modality", v.modality) or "presentiel"
        format_ = c.get("format", v.text, 50) or "formation"
        price = c.get("price_eur", v.price)
        cpf = c.get("cpf", v.yes_no) or False
        description = c.get("description", v.text, 5000) or ""
        url = c.get("url", v.url, 500)
        status = c.get("status", v.status) or "scheduled"
        extra = _session_extra(c)
        if session_id:
            self._duplicate(c, "session_id", session_id, self._first_session)
        if starts_at and ends_at and ends_at <= starts_at:
            c.fail(
                "end", "end_before_start", start=v.shown(c.raw("start")), end=v.shown(c.raw("end"))
            )
        _check_to_confirm(c, extra, seats, starts_at)
        if not c.ok:
            return
        # c.ok: every required cell was read (a missing one failed the row).
        assert session_id is not None and title is not None and organisation is not None
        assert space_id is not None and starts_at is not None and ends_at is not None
        assert seats is not None
        share = self._share
        self.result.sessions.append(
            SessionRecord(
                source=c.source,
                row=c.row.number,
                session_id=session_id,
                title=share(title),
                organisation=share(organisation),
                space_id=share(space_id),
                starts_at=starts_at,
                ends_at=ends_at,
                seats=seats,
                topics=share(topics),
                modality=modality,
                format=share(format_.lower()),
                price_eur=price,
                cpf=cpf,
                description=share(description),
                url=url,
                status=status,
                **extra,
            )
        )

    def _tutor(self, c: _Cells) -> None:
        tutor_id = c.get("tutor_id", v.text, 100, required=True)
        name = c.get("name", v.text, 200, required=True)
        organisation = c.get("organisation", v.text, 200, required=True)
        topics = c.get("topics", v.topics, 1000) or ""
        telegram_user_id = c.get("telegram_user_id", v.telegram_user_id)
        active = c.get("active", v.yes_no)
        repeated = False
        if tutor_id:
            repeated = self._duplicate(c, "tutor_id", tutor_id, self._first_tutor)
        if telegram_user_id is not None and not repeated:
            # Tutor.user_id is unique: one Telegram account is one tutor.
            self._duplicate(
                c,
                "telegram_user_id",
                telegram_user_id,
                self._first_telegram,
                code="duplicate_telegram_id",
            )
        if not c.ok:
            return
        # c.ok: every required cell was read (a missing one failed the row).
        assert tutor_id is not None and name is not None and organisation is not None
        share = self._share
        self.result.tutors.append(
            TutorRecord(
                source=c.source,
                row=c.row.number,
                tutor_id=tutor_id,
                name=name,
                organisation=share(organisation),
                topics=share(topics),
                telegram_user_id=telegram_user_id,
                active=True if active is None else active,
            )
        )


class _Extra(TypedDict):
    times_known: bool
    permanent_entry: bool
    open_end: bool
    hours: float | None
    min_participants: int | None
    confirm_by: datetime | None


def _session_extra(c: _Cells) -> _Extra:
    """What LHEO says beyond the contract: days only, permanent entry, open end, hours."""
    times_known = c.get("times_known", v.yes_no)
    return {
        "times_known": True if times_known is None else times_known,
        "permanent_entry": c.get("permanent_entry", v.yes_no) or False,
        "open_end": c.get("open_end", v.yes_no) or False,
        "hours": c.get("hours", v.hours),
        "min_participants": c.get("min_participants", v.min_participants),
        "confirm_by": c.get("confirm_by", v.moment),
    }


def _check_to_confirm(
    c: _Cells, extra: _Extra, seats: int | None, starts_at: datetime | None
) -> None:
    """A session to confirm needs both its minimum (1 to `seats`) and its decision date
    (before the start); whether that date is still ahead is checked at load time."""
    minimum, confirm_by = extra["min_participants"], extra["confirm_by"]
    if minimum is None and confirm_by is None:
        return
    if minimum is None and c.raw("min_participants") in (None, ""):
        c.fail("min_participants", "min_participants_missing")
    if confirm_by is None and c.raw("confirm_by") in (None, ""):
        c.fail("confirm_by", "confirm_by_missing")
    if minimum is not None and seats is not None and minimum > seats:
        c.fail("min_participants", "min_participants_above_seats", value=minimum, seats=seats)
    if confirm_by is not None and starts_at is not None and confirm_by >= starts_at:
        c.fail(
            "confirm_by",
            "confirm_by_after_start",
            value=v.shown(c.raw("confirm_by")),
            start=v.shown(c.raw("start")),
        )


def _point(
    c: _Cells, latitude: float | None, longitude: float | None
) -> tuple[float, float] | None:
    """The file's coordinates of a place; one without the other fails the row."""
    if latitude is not None and longitude is not None:
        return latitude, longitude
    if (latitude is None) != (longitude is None) and c.ok:
        c.fail("longitude" if longitude is None else "latitude", "coordinates_incomplete")
    return None
