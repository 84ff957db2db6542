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
from bot.search.homonyms import settle_place
from bot.search.index import SearchIndex
from bot.search.query import Place, SearchRequest
from bot.search.service import IndexSource, SearchOutcome, search
from bot.search.topics import words
from bot.search.when import When

logger = logging.getLogger(__name__)

PAGE_SIZE = 5
# The list holds the best 50 (10 pages): found without ranking every match of a broad request
# ("informatique" anywhere); the outcome's total_exact says whether there are more.
MAX_RESULTS = 50
RADII = (10, 30, 50, 100)  # the radius choices (km)
MAX_RADIUS_KM = RADII[-1]  # nothing within it: no wider search is offered
MONTHS_AHEAD = 4  # the month choices: this month and the next three
MODALITIES = (None, "presentiel", "distanciel")
SUGGESTED_TOPICS = 4  # other topics offered when nothing is found within the largest radius
ASKED, ALL_DATES = "asked", "all"  # the month choices besides the months themselves


@dataclass(frozen=True, slots=True)
class Choice:
    """One choice of a refinement ([10 km], [mars], [tous]...) and whether it is in use."""

    value: str  # what its button carries: km, a month offset, "asked" or "all"
    current: bool
    month_start: datetime | None = None  # a month choice: the first day of the month (UTC)


@dataclass(frozen=True)
class Browse:
    """What the learner asked, and how they refined it."""

    request: SearchRequest
    radius_km: float | None = None  # None: the search's default, widened automatically
    month_offset: int | None = None  # None: what the request said, or any date (any_date)
    modality: str | None = None  # None: what the request said
    page: int = 0
    any_date: bool = False  # "tous": every date, even when the request named a time

    @property
    def asked_when(self) -> bool:
        """Whether the request itself named a time ("en mars", "le samedi")."""
        when = self.request.when
        return when.start is not None or when.end is not None or bool(when.weekdays)

    def with_radius(self, km: int) -> Browse:
        """The radius the learner chose (one of RADII; anything else is the nearest one)."""
        chosen = min(RADII, key=lambda r: abs(r - km))
        return dataclasses.replace(self, radius_km=chosen, page=0)

    def with_month(self, value: str) -> Browse:
        """A month offset, "asked" (the request's own time) or "all" (every date)."""
        if value in (ASKED, ALL_DATES):
            return dataclasses.replace(
                self, month_offset=None, any_date=value == ALL_DATES, page=0
            )
        offset = min(max(int(value), 0), MONTHS_AHEAD - 1)
        return dataclasses.replace(self, month_offset=offset, any_date=False, page=0)

    def month_in_use(self) -> str:
        """The month choice in use: an offset, "asked" or "all"."""
        if self.month_offset is not None:
            return str(self.month_offset)
        return ASKED if self.asked_when and not self.any_date else ALL_DATES

    def next_modality(self) -> Browse:
        current = MODALITIES.index(self.modality) if self.modality in MODALITIES else 0
        return dataclasses.replace(
            self, modality=MODALITIES[(current + 1) % len(MODALITIES)], page=0
        )

    def at(self, place: Place) -> Browse:
        return dataclasses.replace(self, request=self.request.with_place(place), page=0)

    def placed_as(self, answer: SearchRequest) -> Browse:
        """The waiting request at the place another message named, homonyms and all."""
        request = dataclasses.replace(
            self.request,
            place=answer.place,
            place_text=answer.place_text,
            place_candidates=answer.place_candidates,
            namesakes=answer.namesakes,
            unknown_place=None,
        )
        return dataclasses.replace(self, request=request, page=0)

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


def radius_choices(used: float | None) -> list[Choice]:
    """[10 km] [30 km] [50 km] [100 km], the radius in use marked."""
    shown = int(used) if used else None
    return [Choice(str(km), km == shown) for km in RADII]


def month_choices(browse: Browse, *, now: datetime, tz: ZoneInfo) -> list[Choice]:
    """ "comme demandé" (when the request named a time), "tous", then this month and the next
    ones, the choice in use marked."""
    current = browse.month_in_use()
    values = ([ASKED] if browse.asked_when else []) + [ALL_DATES]
    choices = [Choice(value, value == current) for value in values]
    for offset in range(MONTHS_AHEAD):
        start, _ = month_window(now, tz, offset)
        choices.append(Choice(str(offset), str(offset) == current, month_start=start))
    return choices


def nothing_within_reach(outcome: SearchOutcome) -> bool:
    """Nothing found within the largest radius: widening further is not offered."""
    return (
        not outcome.results
        and outcome.place is not None
        and (outcome.radius_km or 0) >= MAX_RADIUS_KM
    )


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
    if browse.any_date:
        request = dataclasses.replace(request, when=When())
    elif browse.month_offset is not None:
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


@dataclass(frozen=True, slots=True)
class Answer:
    """A search with the refinements, and other topics taught nearby when nothing is."""

    outcome: SearchOutcome
    other_topics: tuple[tuple[str, str], ...] = ()  # (French, English) concept labels
    browse: Browse | None = None  # the list to remember: its place settled among homonyms


def answer(
    index: SearchIndex | IndexSource, browse: Browse, *, now: datetime, tz: ZoneInfo
) -> Answer:
    """`run` at the place the offer picks among homonyms, and when nothing is found within
    the largest radius, what else is taught there."""
    settled = settle_place(index, browse.request, now=now)
    if settled is not browse.request:
        browse = dataclasses.replace(browse, request=settled)
    outcome = run(index, browse, now=now, tz=tz)
    restricted = browse.month_in_use() != ALL_DATES  # nothing in that month: not the topic
    if not nothing_within_reach(outcome) or outcome.no_topic_match or restricted:
        return Answer(outcome, browse=browse)
    return Answer(outcome, other_topics(index, browse, now=now, tz=tz), browse)


def other_topics(
    index: SearchIndex | IndexSource, browse: Browse, *, now: datetime, tz: ZoneInfo
) -> tuple[tuple[str, str], ...]:
    """What is taught within the largest radius of the place, to offer when the topic asked
    for is not: the concept of the first topic of the nearest courses (French and English
    labels), at most SUGGESTED_TOPICS."""
    request = dataclasses.replace(
        effective_request(browse, now=now, tz=tz), topic_words=(), when=When()
    )
    if not isinstance(index, SearchIndex):  # the index is still building: the request's own
        index = index.index_for(request, now=now, radius_km=MAX_RADIUS_KM)
    outcome = search(index, request, now=now, radius_km=MAX_RADIUS_KM, widen=False)
    found: dict[tuple[str, str], None] = {}
    for result in sorted(outcome.results, key=lambda r: r.distance_km or 0.0):
        if (labels := _topic_labels(index, result.session.topics)) is not None:
            found.setdefault(labels)
        if len(found) == SUGGESTED_TOPICS:
            break
    return tuple(found)


def _topic_labels(index: SearchIndex, topics: str) -> tuple[str, str] | None:
    """The labels of the concept of a course's first topic ("sst" → "SST", "First aid")."""
    first = topics.split(";")[0].strip()
    if not first:
        return None
    for segment in index.topics.segment(words(first)):
        if segment.concept is not None:
            concept = index.topics.concepts[segment.concept]
            return concept.label, concept.label_en
    return first, first


def page_of(outcome: SearchOutcome, page: int) -> tuple[list[int], bool, bool]:
    """Indexes of the results on `page`, and whether there are pages before and after."""
    start = page * PAGE_SIZE
    indexes = list(range(start, min(start + PAGE_SIZE, len(outcome.results))))
    return indexes, page > 0, start + PAGE_SIZE < len(outcome.results)


__all__ = [
    "MAX_RESULTS",
    "PAGE_SIZE",
    "Answer",
    "Browse",
    "Choice",
    "When",
    "answer",
    "effective_request",
    "month_choices",
    "month_window",
    "nothing_within_reach",
    "other_topics",
    "page_of",
    "radius_choices",
    "run",
]
