"""A learner's result list as it is refined with buttons: radius, month, modality, page.

Pure: the state is a small dataclass kept in the chat's user data (as `to_dict`'s plain data,
so it survives a restart); `run` searches again with the refinements applied, so every button
press shows fresh seats and never a stale list.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.plain import from_plain, to_plain
from bot.search.index import SearchIndex
from bot.search.query import Place, SearchRequest
from bot.search.service import IndexSource, SearchOutcome, search
from bot.search.when import When

logger = logging.getLogger(__name__)

PAGE_SIZE = 5
# The list holds the best 50 (10 pages): found without ranking every match of a broad request
# ("informatique" anywhere); the outcome's total_exact says whether there are more.
MAX_RESULTS = 50
RADII = (30, 50, 100)  # the radius button cycles through these (km)
MONTHS_AHEAD = 4  # the month button cycles: any date, this month, ... 3 months ahead
MODALITIES = (None, "presentiel", "distanciel")


@dataclass(frozen=True)
class Browse:
    """What the learner asked, and how they refined it."""

    request: SearchRequest
    radius_km: float | None = None  # None: the search's default, widened automatically
    month_offset: int | None = None  # None: any date (or what the request said)
    modality: str | None = None  # None: what the request said
    page: int = 0

    def next_radius(self, current: float | None) -> Browse:
        """The next radius after the one in use (30 → 50 → 100 → 30)."""
        shown = int(current or RADII[0])
        larger = [r for r in RADII if r > shown]
        return dataclasses.replace(self, radius_km=larger[0] if larger else RADII[0], page=0)

    def next_month(self) -> Browse:
        """Any date → this month → next month → ... → any date."""
        if self.month_offset is None:
            offset: int | None = 0
        elif self.month_offset + 1 < MONTHS_AHEAD:
            offset = self.month_offset + 1
        else:
            offset = None
        return dataclasses.replace(self, month_offset=offset, page=0)

    def next_modality(self) -> Browse:
        current = MODALITIES.index(self.modality) if self.modality in MODALITIES else 0
        return dataclasses.replace(
            self, modality=MODALITIES[(current + 1) % len(MODALITIES)], page=0
        )

    def at(self, place: Place) -> Browse:
        return dataclasses.replace(self, request=self.request.with_place(place), page=0)

    def on_page(self, page: int) -> Browse:
        return dataclasses.replace(self, page=max(page, 0))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data: what the chat stores (it survives a restart)."""
        data: dict[str, Any] = to_plain(self)
        return data

    @classmethod
    def from_dict(cls, data: Any) -> Browse | None:
        """The stored state back, or None when there is none or it no longer fits (a list
        stored before a deploy that changed its shape is dropped, never half-read)."""
        if data is None:
            return None
        try:
            browse: Browse = from_plain(cls, data)
        except (TypeError, ValueError, KeyError):
            logger.warning("a stored result list no longer fits Browse: dropped")
            return None
        return browse


def month_window(now: datetime, tz: ZoneInfo, offset: int) -> tuple[datetime, datetime]:
    """The calendar month `offset` months after the current one, as aware UTC bounds."""
    local = now.astimezone(tz)
    year, month = local.year, local.month + offset
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))


def effective_request(browse: Browse, *, now: datetime, tz: ZoneInfo) -> SearchRequest:
    """The request with the learner's refinements applied."""
    request = browse.request
    if browse.month_offset is not None:
        start, end = month_window(now, tz, browse.month_offset)
        when = dataclasses.replace(request.when, start=start, end=end, phrases=())
        request = dataclasses.replace(request, when=when)
    if browse.modality is not None:
        request = dataclasses.replace(request, modality=browse.modality)  # type: ignore[arg-type]  # a browse modality is one of the request's values
    return request


def run(
    index: SearchIndex | IndexSource, browse: Browse, *, now: datetime, tz: ZoneInfo
) -> SearchOutcome:
    """Search with the refinements; an explicit radius is kept, the default one widens."""
    return search(
        index,
        effective_request(browse, now=now, tz=tz),
        now=now,
        radius_km=browse.radius_km,
        widen=browse.radius_km is None,
        limit=MAX_RESULTS,
    )


def page_of(outcome: SearchOutcome, page: int) -> tuple[list[int], bool, bool]:
    """Indexes of the results on `page`, and whether there are pages before and after."""
    start = page * PAGE_SIZE
    indexes = list(range(start, min(start + PAGE_SIZE, len(outcome.results))))
    return indexes, page > 0, start + PAGE_SIZE < len(outcome.results)


__all__ = [
    "MAX_RESULTS",
    "PAGE_SIZE",
    "Browse",
    "When",
    "effective_request",
    "month_window",
    "page_of",
    "run",
]
