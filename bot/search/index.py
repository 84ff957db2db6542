"""In-memory search index over the upcoming sessions, built from plain :class:`SessionDoc` rows.

Sessions repeat: one organisation runs the same course (title, topics, description) at many
dates and places. The index scores each distinct *course* once, then reaches its sessions
through :class:`~bot.search.docs.Bucket`\\ s sorted by start time, one per (course, space)
and one per course overall:

* topic: an inverted index concept id / word → courses, only for title and topic matches,
  since a description alone never qualifies a session (:mod:`bot.search.matcher`);
* place: spaces on a 0.5° grid, so a radius search measures a few dozen spaces, not all;
* time: ``bisect`` on each bucket's sorted start times (``array('d')`` of epoch seconds);
  weekday, time of day, modality, CPF, price and access are small integers next to them.

Keeping it current: after a whole import, build a new index with
:meth:`SearchIndex.from_engine` (about a second for 150,000 sessions) and swap it in
(:class:`bot.search.live.LiveIndex`); :meth:`SearchIndex.set_seats_taken` after an enrolment.
Updates take an internal lock, so a search never sees a half-applied one.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import math
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from bot.geo import haversine_km
from bot.models import SessionStatus
from bot.search.docs import (
    Bucket,
    Filters,
    Hit,
    Masks,
    SessionDoc,
    SpaceDoc,
    load_docs,
    local_slot,
)
from bot.search.matcher import TOPICS, Features, TopicQuery, Vocabulary, compile_query, features
from bot.search.matcher import score as relevance
from bot.search.topics import TopicTable, default_topics, normalize

__all__ = ["Filters", "Hit", "SearchIndex", "SessionDoc", "SpaceDoc"]

logger = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
CELL_DEGREES = 0.5  # about 55 km north-south, 37 km east-west in France
KM_PER_DEGREE_LAT = 111.2

CourseKey = tuple[str, str, str, str]  # organisation, title, topics, description
Group = tuple[str, str]  # organisation, normalised title: what results collapse on


@dataclass(slots=True)
class _Course:
    group: Group
    feats: Features
    profile: int  # courses with the same concepts share a profile: see SearchIndex.match


class _Groups:
    """One :class:`Hit` per group: the best session (seats left, nearest, soonest) and a count."""

    def __init__(self, docs: dict[int, SessionDoc]) -> None:
        self.docs = docs
        self.hits: dict[Group, Hit] = {}
        self.keys: dict[Group, tuple[bool, float, float]] = {}

    def add(
        self, group: Group, sid: int, distance: float | None, score: float, n: int = 1
    ) -> None:
        doc = self.docs[sid]
        key = (doc.full, distance or 0.0, doc.starts_at.timestamp())
        hit = self.hits.get(group)
        if hit is None:
            self.hits[group] = Hit(group, doc, score, distance, n)
            self.keys[group] = key
            return
        hit.count += n
        hit.score = max(hit.score, score)
        if key < self.keys[group]:
            self.keys[group] = key
            hit.doc, hit.distance_km = doc, distance


class SearchIndex:
    """Upcoming sessions, searchable by topic, place and time (see the module docstring)."""

    def __init__(
        self,
        docs: Iterable[SessionDoc] = (),
        *,
        topics: TopicTable | None = None,
        tz: ZoneInfo = PARIS,
    ) -> None:
        """Index ``docs`` (sessions that are not scheduled are skipped)."""
        self.topics = topics or default_topics()
        self.tz = tz
        self.vocabulary = Vocabulary(self.topics)
        self._lock = threading.RLock()
        self._docs: dict[int, SessionDoc] = {}
        self._courses: dict[int, _Course] = {}
        self._course_ids: dict[CourseKey, int] = {}
        self._next_course = itertools.count(1)
        self._feats_cache: dict[tuple[str, str, str], Features] = {}
        self._profiles: dict[frozenset[tuple[str, float]], int] = {}
        self._concept_post: dict[str, set[int]] = {}
        self._word_post: dict[str, set[int]] = {}
        self._all: dict[int, Bucket] = {}
        self._by_space: dict[int, dict[int, Bucket]] = {}
        self._spaces: dict[int, SpaceDoc] = {}
        self._grid: dict[tuple[int, int], set[int]] = {}
        for doc in docs:
            if doc.status == SessionStatus.SCHEDULED:
                self._add(doc)

    @classmethod
    def from_engine(
        cls, engine: Engine, *, now: datetime, topics: TopicTable | None = None
    ) -> SearchIndex:
        """Load the scheduled sessions starting after ``now``, with spaces and organisations."""
        started = time.perf_counter()
        index = cls(load_docs(engine, now=now), topics=topics)
        logger.info(
            "search index: %d sessions, %d courses, %d spaces in %.0f ms",
            len(index),
            len(index._courses),
            len(index._spaces),
            (time.perf_counter() - started) * 1000,
        )
        return index

    def __len__(self) -> int:
        return len(self._docs)

    def get(self, session_id: int) -> SessionDoc | None:
        """The indexed session with this database id, or None."""
        return self._docs.get(session_id)

    # --- updates ----------------------------------------------------------------------------

    def set_seats_taken(self, session_id: int, seats_taken: int) -> None:
        """Refresh a seat count (after an enrolment or a cancellation)."""
        with self._lock:
            doc = self._docs.get(session_id)
            if doc is not None:
                self._docs[session_id] = dataclasses.replace(doc, seats_taken=seats_taken)

    def _add(self, doc: SessionDoc) -> None:
        key = (doc.organisation, doc.title, doc.topics, doc.description)
        cid = self._course_ids.get(key) or self._new_course(key)
        self._docs[doc.id] = doc
        slot, flags = local_slot(doc.starts_at, self.tz), doc.flags()
        self._all.setdefault(cid, Bucket()).add(doc, slot, flags)
        self._by_space.setdefault(doc.space.id, {}).setdefault(cid, Bucket()).add(doc, slot, flags)
        self._place_space(doc.space)

    def _new_course(self, key: CourseKey) -> int:
        organisation, title, topics, description = key
        fkey = (title, topics, description)
        feats = self._feats_cache.get(fkey)
        if feats is None:
            feats = self._feats_cache[fkey] = features(title, topics, description, self.topics)
        cid = next(self._next_course)
        strong = frozenset(w for w, weight in feats.words.items() if weight >= TOPICS)
        weak = frozenset(feats.words) - strong
        concepts = frozenset(feats.concepts.items())
        profile = self._profiles.setdefault(concepts, len(self._profiles))
        self._courses[cid] = _Course((organisation, normalize(title)), feats, profile)
        self._course_ids[key] = cid
        # Only title and topic matches lead to a course: a description never qualifies one.
        for concept, weight in feats.concepts.items():
            if weight >= TOPICS:
                self._concept_post.setdefault(concept, set()).add(cid)
        for w in strong:
            self._word_post.setdefault(w, set()).add(cid)
        self.vocabulary.add(strong, weak)
        return cid

    def _place_space(self, space: SpaceDoc) -> None:
        old = self._spaces.get(space.id)
        if old == space:
            return
        if old is not None:
            self._grid.get(self._cell(old.latitude, old.longitude), set()).discard(space.id)
        self._spaces[space.id] = space
        self._grid.setdefault(self._cell(space.latitude, space.longitude), set()).add(space.id)

    @staticmethod
    def _cell(lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lat / CELL_DEGREES), math.floor(lon / CELL_DEGREES)

    # --- queries ----------------------------------------------------------------------------

    def compile(self, topic_words: Iterable[str]) -> TopicQuery:
        """The request's topic, with typos corrected against this index's words."""
        with self._lock:
            return compile_query(list(topic_words), self.topics, self.vocabulary)

    def match(self, query: TopicQuery) -> dict[int, float]:
        """Course id → relevance in (0, 1], for the courses that qualify."""
        with self._lock:
            if query.empty:
                return dict.fromkeys(self._courses, 1.0)
            candidates: set[int] = set()
            for unit in query.units:
                if not unit.main:
                    continue
                if unit.kind == "free":
                    candidates.update(self._word_post.get(unit.key, ()))
                else:
                    for concept in unit.accepts:
                        candidates.update(self._concept_post.get(concept, ()))
            return self._scored(query, candidates)

    def _scored(self, query: TopicQuery, candidates: set[int]) -> dict[int, float]:
        """Relevance depends only on a course's concepts and on the weights of the request's
        free words in it: tens of thousands of courses share a few hundred such keys, so
        each key is scored once."""
        free = [unit.key for unit in query.units if unit.kind == "free"]
        memo: dict[tuple[int, tuple[float, ...]], float] = {}
        scores = {}
        for cid in candidates:
            course = self._courses[cid]
            words = course.feats.words
            key = (course.profile, tuple(words.get(w, 0.0) for w in free))
            value = memo.get(key)
            if value is None:
                value = memo[key] = relevance(query, course.feats)
            if value > 0:
                scores[cid] = value
        return scores

    def spaces_within(self, lat: float, lon: float, radius_km: float) -> list[tuple[int, float]]:
        """(space id, distance) of the spaces within ``radius_km`` of a point."""
        dlat = radius_km / KM_PER_DEGREE_LAT
        # The widest longitude span is at the bounding box's edge nearest to a pole.
        cos_lat = max(0.05, math.cos(math.radians(min(89.0, abs(lat) + dlat))))
        dlon = radius_km / (KM_PER_DEGREE_LAT * cos_lat)
        (i0, j0), (i1, j1) = self._cell(lat - dlat, lon - dlon), self._cell(lat + dlat, lon + dlon)
        found = []
        with self._lock:
            for i in range(i0, i1 + 1):
                for j in range(j0, j1 + 1):
                    for sid in self._grid.get((i, j), ()):
                        space = self._spaces[sid]
                        d = haversine_km(lat, lon, space.latitude, space.longitude)
                        if d <= radius_km:
                            found.append((sid, d))
        return found

    def retrieve(
        self,
        scores: dict[int, float],
        filters: Filters,
        *,
        center: tuple[float, float] | None = None,
        radius_km: float | None = None,
    ) -> list[Hit]:
        """The sessions of the scored courses that pass ``filters``, one :class:`Hit` per group.

        With ``radius_km`` (and ``center``), only spaces within the radius count and a
        group's best session is the nearest, then the soonest; otherwise the soonest, with
        distances from ``center`` when given. A session with seats left beats a full one.
        """
        after = filters.after.timestamp()
        before = filters.before.timestamp() if filters.before is not None else None
        masks = filters.masks()
        with self._lock:
            groups = _Groups(self._docs)
            if radius_km is not None and center is not None:
                for space_id, distance in self.spaces_within(*center, radius_km):
                    by_course = self._by_space.get(space_id)
                    if not by_course:
                        continue
                    for cid in by_course.keys() & scores.keys():
                        bucket, group = by_course[cid], self._courses[cid].group
                        for k in bucket.matching(bucket.span(after, before), masks):
                            groups.add(group, bucket.ids[k], distance, scores[cid])
            elif center is not None:
                distances: dict[int, float] = {}
                for cid, score in scores.items():
                    bucket, group = self._all[cid], self._courses[cid].group
                    for k in bucket.matching(bucket.span(after, before), masks):
                        space = self._docs[bucket.ids[k]].space
                        km = distances.get(space.id)
                        if km is None:
                            km = distances[space.id] = haversine_km(
                                *center, space.latitude, space.longitude
                            )
                        groups.add(group, bucket.ids[k], km, score)
            else:
                for cid, score in scores.items():
                    self._soonest(groups, cid, score, after, before, masks)
            return list(groups.hits.values())

    def _soonest(
        self,
        groups: _Groups,
        cid: int,
        score: float,
        after: float,
        before: float | None,
        masks: Masks | None,
    ) -> None:
        """Without a place the bucket's order is the ranking: the first session with seats."""
        bucket = self._all[cid]
        span = bucket.span(after, before)
        docs, ids = self._docs, bucket.ids
        if masks is None:
            count = len(span)
            best = next((ids[k] for k in span if not docs[ids[k]].full), None)
            if best is None and count:
                best = ids[span[0]]
        else:
            count, best, first = 0, None, None
            for k in bucket.matching(span, masks):
                count += 1
                first = ids[k] if first is None else first
                if best is None and not docs[ids[k]].full:
                    best = ids[k]
            best = best if best is not None else first
        if best is not None:
            groups.add(self._courses[cid].group, best, None, score, count)
