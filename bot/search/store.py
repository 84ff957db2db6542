"""The indexed sessions as columns: one row per session, arrays of numbers and shared strings.

150,000 :class:`~bot.search.docs.SessionDoc` objects (two datetimes and a dozen fields each)
took 137 MB; as columns they take about 15. A row holds what ranking and filtering read as
numbers (start, seats, local slot, filter flags, space, course) and what a result line shows
as indexes into small tables (formats, modalities) or shared strings (external id). The
course's title, organisation, topics and description live once per course
(:class:`~bot.search.index.SearchIndex`), and :meth:`Rows.doc` rebuilds a ``SessionDoc``
only for the few sessions a search returns.
"""

from __future__ import annotations

import bisect
import math
from array import array
from collections.abc import Callable, Container, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.search.docs import CPF, SessionDoc, SpaceDoc, local_slot, session_flags

__all__ = ["CourseText", "ProfileRows", "RowValues", "Rows"]


@dataclass(frozen=True, slots=True)
class CourseText:
    """What sessions of one course share."""

    organisation: str
    title: str
    topics: str
    description: str


@dataclass(frozen=True, slots=True)
class RowValues:
    """One session as the index receives it (from a SessionDoc or a database row)."""

    id: int
    external_id: str
    starts_at: float  # epoch seconds
    ends_at: float
    seats: int
    seats_taken: int
    modality: str
    format: str
    price_eur: float | None
    cpf: bool
    space: SpaceDoc
    url: str | None
    # How the dates read (LHEO): (times_known, permanent_entry, open_end); rare otherwise.
    dating: tuple[bool, bool, bool] = (True, False, False)

    @classmethod
    def of(cls, doc: SessionDoc) -> RowValues:
        return cls(
            doc.id, doc.external_id, doc.starts_at.timestamp(), doc.ends_at.timestamp(),
            doc.seats, doc.seats_taken, doc.modality, doc.format, doc.price_eur, doc.cpf,
            doc.space, doc.url, (doc.times_known, doc.permanent_entry, doc.open_end),
        )  # fmt: skip


class Rows:
    """Columns of the indexed sessions; row numbers are positions in every column."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.ids = array("q")
        self.external_ids: list[str] = []
        self.courses = array("l")
        self.spaces = array("l")
        self.starts = array("d")
        self.ends = array("d")
        self.seats = array("l")
        self.taken = array("l")
        self.slots = array("H")  # local weekday * 1440 + minute of the day
        self.flags = array("B")  # see bot.search.docs: modality, CPF, free, accessible
        self.prices = array("d")  # NaN: no price given
        self.kinds = array("H")  # index into self._kinds: (modality, format)
        self.urls: dict[int, str] = {}
        self.datings: dict[int, tuple[bool, bool, bool]] = {}  # only rows off the default
        self._id_sorted = array("q")  # ids in order, and their rows: see find()
        self._id_rows = array("l")
        self._kinds: list[tuple[str, str]] = []
        self._kind_ids: dict[tuple[str, str], int] = {}
        self._slots: dict[float, int] = {}
        # Rows with permanent entry (rare): open from their start to their end, so a search
        # after their start still finds them (bot.search.retrieval, bot.joining).
        self.permanent = array("l")

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, row: RowValues, course: int) -> int:
        """Append a session of ``course``; returns its row number."""
        r = len(self.ids)
        self.ids.append(row.id)
        self.external_ids.append(row.external_id)
        self.courses.append(course)
        self.spaces.append(row.space.id)
        self.starts.append(row.starts_at)
        self.ends.append(row.ends_at)
        self.seats.append(row.seats)
        self.taken.append(row.seats_taken)
        slot = self._slots.get(row.starts_at)
        if slot is None:
            moment = datetime.fromtimestamp(row.starts_at, UTC)
            slot = self._slots[row.starts_at] = local_slot(moment, self.tz)
        self.slots.append(slot)
        self.flags.append(session_flags(row.modality, row.cpf, row.price_eur, row.space))
        self.prices.append(math.nan if row.price_eur is None else row.price_eur)
        kind = (row.modality, row.format)
        k = self._kind_ids.get(kind)
        if k is None:
            k = self._kind_ids[kind] = len(self._kinds)
            self._kinds.append(kind)
        self.kinds.append(k)
        if row.url:
            self.urls[r] = row.url
        if row.dating != (True, False, False):
            self.datings[r] = row.dating
        return r

    def finish(self) -> None:
        """Index the rows by id (two arrays: a tenth of a dict's memory)."""
        self.permanent = array("l", sorted(r for r, d in self.datings.items() if d[1]))
        order = sorted(range(len(self.ids)), key=self.ids.__getitem__)
        self._id_sorted = array("q", (self.ids[r] for r in order))
        self._id_rows = array("l", order)

    def find(self, session_id: int) -> int | None:
        """The row of a session id, or None."""
        i = bisect.bisect_left(self._id_sorted, session_id)
        if i < len(self._id_sorted) and self._id_sorted[i] == session_id:
            return self._id_rows[i]
        return None

    def full(self, r: int) -> bool:
        return self.taken[r] >= self.seats[r]

    def doc(self, r: int, course: CourseText, space: SpaceDoc) -> SessionDoc:
        """Row ``r`` as the SessionDoc result lists and cards read."""
        modality, fmt = self._kinds[self.kinds[r]]
        price = self.prices[r]
        times_known, permanent_entry, open_end = self.datings.get(r, (True, False, False))
        return SessionDoc(
            id=self.ids[r], external_id=self.external_ids[r], title=course.title,
            organisation=course.organisation, topics=course.topics,
            description=course.description,
            starts_at=datetime.fromtimestamp(self.starts[r], UTC),
            ends_at=datetime.fromtimestamp(self.ends[r], UTC), seats=self.seats[r],
            seats_taken=self.taken[r], modality=modality, format=fmt,
            price_eur=None if math.isnan(price) else price, cpf=bool(self.flags[r] & CPF),
            status="scheduled", space=space, url=self.urls.get(r), times_known=times_known,
            permanent_entry=permanent_entry, open_end=open_end,
        )  # fmt: skip

    def sorted_by_start(self, rows: list[int]) -> array[int]:
        """``rows`` ordered by start, then external id (a total order: ties never depend on
        the order sessions were loaded in)."""
        key: Callable[[int], tuple[float, str]] = lambda r: (  # noqa: E731
            self.starts[r],
            self.external_ids[r],
        )
        return array("l", sorted(rows, key=key))


class ProfileRows:
    """One space's sessions by profile, in start order: three arrays rather than a dict of
    arrays (at the 2030 scale 1,500 spaces × 80 profiles took 21 MB that way, 2 MB so)."""

    __slots__ = ("offsets", "pids", "rows")

    def __init__(self, per: Mapping[int, Sequence[int]]) -> None:
        self.pids = array("l", sorted(per))
        self.offsets = array("l", [0])
        self.rows = array("l")
        for pid in self.pids:
            self.rows.extend(per[pid])
            self.offsets.append(len(self.rows))

    def __bool__(self) -> bool:
        return bool(self.pids)

    def among(self, wanted: Container[int], unwanted: Container[int] = ()) -> Iterator[array[int]]:
        """The sessions of each profile in ``wanted`` and not in ``unwanted``."""
        rows, offsets = self.rows, self.offsets
        for i, pid in enumerate(self.pids):
            if pid in wanted and pid not in unwanted:
                yield rows[offsets[i] : offsets[i + 1]]
