"""Search one request without the whole index: the database narrows, the index ranks.

``python -m bot search`` and the bot while its index builds (:class:`bot.search.live.
LiveIndex`) answer one request from a small :class:`~bot.search.index.SearchIndex` over the
sessions that request can reach, chosen in SQL:

* time: scheduled sessions starting after ``now`` and before the request's window end;
* place: spaces in the bounding box of the widest radius the search may use (the request's,
  else the place's, widened up to 100 km); none for online sessions or without a place;
* topic: the title or the topics contain a word of one of the terms the request must find
  there (:func:`topic_patterns`), as ``LIKE`` patterns with ``_`` for every letter an
  accent may hide ("comptabilite" → ``__mpt_b_l_t_``): a superset of what qualifies.

Typo correction and "is this word known?" read the same counts as the full index: the words
of every upcoming course, loaded only when the request has a word outside the topic table
(:class:`LazyVocabulary`). Ranking is then the full index's, session for session
(``tests/unit/test_search_prefilter.py`` compares both on the evaluation set).
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.engine import Engine
from sqlmodel import col

from bot.joining import still_open
from bot.models import Organisation, SessionStatus, Space, TrainingSession
from bot.search.docs import read_rows
from bot.search.index import KM_PER_DEGREE_LAT, SearchIndex
from bot.search.matcher import TopicQuery, Vocabulary
from bot.search.query import SearchRequest
from bot.search.service import WIDENING_STEPS_KM
from bot.search.topics import STOP_WORDS, TopicTable, default_topics, words

__all__ = [
    "DatabaseSource",
    "LazyVocabulary",
    "prefiltered_index",
    "topic_narrows",
    "topic_patterns",
]

logger = logging.getLogger(__name__)

_ACCENTABLE = frozenset("aceinouy")  # letters an accent, a cedilla or a tilde may hide
_UNSAFE = ("oe", "ae", "saint")  # "œ", "æ" and "St" are one character or an abbreviation


class LazyVocabulary(Vocabulary):
    """The full index's vocabulary, read from the database when first needed."""

    def __init__(self, table: TopicTable, load: Callable[[], Iterable[tuple[str, str, str]]]):
        super().__init__(table)
        self._load: Callable[[], Iterable[tuple[str, str, str]]] | None = load
        self._base = frozenset(self._targets)

    def add_counts(self, strong: Counter[str], weak: Counter[str]) -> None:
        """Ignored: the counts are those of every upcoming course, not of the prefiltered."""

    def _ensure(self) -> None:
        if self._load is None:
            return
        strong_counts: Counter[str] = Counter()
        weak_counts: Counter[str] = Counter()
        for title, topics, description in self._load():
            strong = set(words(title))
            for keyword in topics.split(";"):
                strong.update(words(keyword))
            strong_counts.update(strong)
            weak_counts.update(w for w in words(description) if w not in strong)
        self._load = None
        super().add_counts(strong_counts, weak_counts)

    def knows(self, word: str) -> bool:
        if word in self._base or word in STOP_WORDS:
            return True
        self._ensure()
        return super().knows(word)

    def correct(self, word: str) -> str | None:
        self._ensure()
        return super().correct(word)


def topic_patterns(query: TopicQuery, table: TopicTable) -> list[str] | None:
    """``LIKE`` patterns one of which a qualifying course's title or topics must contain;
    None when the topic cannot be narrowed safely (no topic, short or unsafe words)."""
    if query.empty:
        return None
    patterns: set[str] = set()
    for unit in query.units:
        if not unit.main:
            continue
        if unit.kind == "free":
            terms: list[tuple[str, ...]] = [(unit.key,)]
        else:
            terms = [t for c in unit.accepts for t in table.concepts[c].terms]
        for term in terms:
            word = max(term, key=len)
            if len(word) < 3 or not word.isalnum() or any(u in word for u in _UNSAFE):
                return None
            patterns.add("".join("_" if ch in _ACCENTABLE else ch for ch in word))
    return sorted(patterns)


def topic_narrows(request: SearchRequest, table: TopicTable | None = None) -> bool:
    """Whether SQL can narrow this request's topic (an estimate, without the corpus's typo
    corrections): when not, a place's 100 km hold a large share of the offer."""
    table = table or default_topics()
    query = SearchIndex.compile_with(Vocabulary(table), table, request.topic_words)
    return topic_patterns(query, table) is not None


def _reach_km(request: SearchRequest, radius_km: float | None) -> float | None:
    """The widest radius the search may use; None: anywhere."""
    place = request.place
    if place is None or request.modality == "distanciel":
        return None
    first = radius_km or request.radius_km or place.default_radius_km
    return max(first, *WIDENING_STEPS_KM)


def _narrowing(request: SearchRequest, radius_km: float | None) -> list[ColumnElement[bool]]:
    """Time and place conditions."""
    ts, sp = TrainingSession, Space
    conditions: list[ColumnElement[bool]] = []
    if request.when.end is not None:
        conditions.append(col(ts.starts_at) < request.when.end)
    reach, place = _reach_km(request, radius_km), request.place
    if reach is not None and place is not None:
        dlat = reach / KM_PER_DEGREE_LAT
        cos_lat = max(0.05, math.cos(math.radians(min(89.0, abs(place.latitude) + dlat))))
        dlon = reach / (KM_PER_DEGREE_LAT * cos_lat)
        # As a list of spaces: the database then reads only their sessions (by space index)
        # instead of testing the topic's patterns on every upcoming session (6 s → 0.1 s).
        box = select(col(sp.id)).where(
            col(sp.latitude).between(place.latitude - dlat, place.latitude + dlat),
            col(sp.longitude).between(place.longitude - dlon, place.longitude + dlon),
        )
        conditions.append(col(ts.space_id).in_(box.scalar_subquery()))
    return conditions


def _topic(query: TopicQuery, table: TopicTable) -> list[ColumnElement[bool]]:
    """The topic condition (none when it cannot be narrowed safely)."""
    ts = TrainingSession
    patterns = topic_patterns(query, table)
    if patterns is None:
        return []
    found = [or_(col(ts.title).ilike(f"%{p}%"), col(ts.topics).ilike(f"%{p}%")) for p in patterns]
    return [or_(false(), *found)]


def _course_texts(engine: Engine, now: datetime) -> Callable[[], list[tuple[str, str, str]]]:
    def load() -> list[tuple[str, str, str]]:
        ts, org = TrainingSession, Organisation
        stmt = (
            select(col(ts.title), col(ts.topics), col(ts.description))
            .join(org, col(org.id) == ts.organisation_id)
            .where(col(ts.status) == SessionStatus.SCHEDULED, still_open(now))
            .group_by(col(org.id), col(ts.title), col(ts.topics), col(ts.description))
        )
        return [(t, tp or "", d or "") for t, tp, d in read_rows(engine, stmt)]

    return load


def prefiltered_index(
    engine: Engine,
    request: SearchRequest,
    *,
    now: datetime,
    radius_km: float | None = None,
    topics: TopicTable | None = None,
) -> SearchIndex:
    """A small index that ranks ``request`` as the full one would (module docstring)."""
    table = topics or default_topics()
    vocabulary = LazyVocabulary(table, _course_texts(engine, now))
    query = SearchIndex.compile_with(vocabulary, table, request.topic_words)
    topic, narrowing = _topic(query, table), _narrowing(request, radius_km)
    index = SearchIndex.from_engine(
        engine,
        now=now,
        topics=table,
        vocabulary=vocabulary,
        conditions=and_(true(), *topic, *narrowing),
    )
    if narrowing and not index.match(query):
        # Nothing near or then: whether the topic exists at all decides what the bot says.
        index = SearchIndex.from_engine(
            engine, now=now, topics=table, vocabulary=vocabulary, conditions=and_(true(), *topic)
        )
    logger.debug("prefiltered search index: %d sessions", len(index))
    return index


class DatabaseSource:
    """Searches straight from the database (while the full index builds)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def index_for(
        self, request: SearchRequest, *, now: datetime, radius_km: float | None = None
    ) -> SearchIndex:
        return prefiltered_index(self.engine, request, now=now, radius_km=radius_km)
