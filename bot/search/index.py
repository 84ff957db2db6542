"""In-memory search index over the upcoming sessions, stored as columns (:mod:`.store`).

Sessions repeat: one organisation runs the same course (title, topics, description) at many
dates and places, and courses written from templates share a few hundred *profiles* (the
concepts they name, with the field each is found in). The index keeps:

* courses: text once, their result group (organisation, normalised title) and profile;
* topic: concept id → profiles and word → courses, only for title and topic matches, since
  a description alone never qualifies a session (:mod:`bot.search.matcher`); relevance is
  computed once per profile (:class:`Scores`);
* date: each profile's and each course's sessions in start order, each space's sessions per
  profile; place: spaces on a 0.5° grid, so a radius search measures a few dozen spaces.

:mod:`bot.search.retrieval` walks these in ranking order and stops once the best results
can no longer be beaten, so a broad request ("informatique", no place) costs about as much
as a precise one. Keeping it current: build a new index after a whole import and swap it in
(:class:`bot.search.live.LiveIndex`); :meth:`SearchIndex.set_seats_taken` after an enrolment.
"""

from __future__ import annotations

import bisect
import logging
import math
import time
from array import array
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement
from sqlalchemy.engine import Engine

from bot.models import SessionStatus
from bot.search import retrieval
from bot.search.docs import (
    Filters,
    Hit,
    SessionDoc,
    SpaceDoc,
    session_statement,
    space_of,
    stream_rows,
)
from bot.search.matcher import TOPICS, Features, TopicQuery, Vocabulary, compile_query, features
from bot.search.scores import Scores
from bot.search.store import CourseText, ProfileRows, Rows, RowValues
from bot.search.topics import TopicTable, default_topics, normalized, words

__all__ = ["Filters", "Hit", "SearchIndex", "SessionDoc", "SpaceDoc"]

logger = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
CELL_DEGREES = 0.5  # about 55 km north-south, 37 km east-west in France
KM_PER_DEGREE_LAT = 111.2

Group = tuple[str, str]  # organisation, normalised title: what results collapse on


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
        self._setup(topics, tz)
        for doc in docs:
            if doc.status == SessionStatus.SCHEDULED:
                text = CourseText(doc.organisation, doc.title, doc.topics, doc.description)
                self._add(text, RowValues.of(doc))
        self._finish()

    def _setup(
        self, topics: TopicTable | None, tz: ZoneInfo, vocabulary: Vocabulary | None = None
    ) -> None:
        self.topics = topics or default_topics()
        self.tz = tz
        self.vocabulary = vocabulary or Vocabulary(self.topics)
        self.rows = Rows(tz)
        self.texts: list[CourseText] = []  # by course id
        self.group_first = array("l")  # by group id: its first course
        self.group_more: dict[int, list[int]] = {}  # groups of several courses: all of them
        self.course_group = array("l")
        self.course_profile = array("l")
        self.course_text_features = array("l")  # index into self.text_features
        self.text_features: list[Features] = []  # of (topics, description)
        self.profiles: list[dict[str, float]] = []  # concept → weight, by profile id
        self.concept_profiles: dict[str, set[int]] = {}
        self.word_courses: dict[str, array[int]] = {}
        self.spaces: dict[int, SpaceDoc] = {}
        self.grid: dict[tuple[int, int], list[int]] = {}
        self.space_rows: dict[int, ProfileRows] = {}  # space → its sessions by profile
        self.space_multi_rows: dict[int, ProfileRows] = {}
        self._course_ids: dict[CourseText, int] = {}
        self._group_ids: dict[Group, int] = {}
        self._profile_ids: dict[frozenset[tuple[str, float]], int] = {}
        self._text_ids: dict[tuple[str, str], int] = {}
        self._title_features: dict[str, Features] = {}
        self._course_profiles: dict[tuple[frozenset[tuple[str, float]], int], int] = {}
        self._text_words: dict[int, tuple[frozenset[str], frozenset[str]]] = {}
        self._strong: Counter[str] = Counter()
        self._weak: Counter[str] = Counter()
        self._word_lists: dict[str, list[int]] = {}
        self._strings: dict[str, str] = {}

    @classmethod
    def from_engine(
        cls,
        engine: Engine,
        *,
        now: datetime,
        topics: TopicTable | None = None,
        vocabulary: Vocabulary | None = None,
        conditions: ColumnElement[bool] | None = None,
    ) -> SearchIndex:
        """Load the scheduled sessions starting after ``now`` (and meeting ``conditions``),
        with spaces and organisations."""
        started = time.perf_counter()
        index = cls.__new__(cls)
        index._setup(topics, PARIS, vocabulary)
        spaces: dict[int, SpaceDoc] = {}
        stmt = session_statement(now, *(() if conditions is None else (conditions,)))
        for r in stream_rows(engine, stmt):
            text = CourseText(r.organisation, r.title, r.topics or "", r.description or "")
            row = RowValues(
                r.id, r.external_id, r.starts_at.timestamp(), r.ends_at.timestamp(), r.seats,
                r.seats_taken, r.modality, r.format, r.price_eur, bool(r.cpf),
                space_of(r, spaces), r.url,
                (bool(r.times_known), bool(r.permanent_entry), bool(r.open_end)),
            )  # fmt: skip
            index._add(text, row)
        index._finish()
        logger.info(
            "search index: %d sessions, %d courses, %d profiles, %d spaces in %.0f ms",
            len(index),
            len(index.texts),
            len(index.profiles),
            len(index.spaces),
            (time.perf_counter() - started) * 1000,
        )
        return index

    def __len__(self) -> int:
        return len(self.rows)

    def get(self, session_id: int) -> SessionDoc | None:
        """The indexed session with this database id, or None."""
        r = self.rows.find(session_id)
        return None if r is None else self.doc(r)

    def doc(self, r: int) -> SessionDoc:
        """Row ``r`` as a SessionDoc."""
        rows = self.rows
        return rows.doc(r, self.texts[rows.courses[r]], self.spaces[rows.spaces[r]])

    def set_seats_taken(self, session_id: int, seats_taken: int) -> None:
        """Refresh a seat count (after an enrolment or a cancellation)."""
        r = self.rows.find(session_id)
        if r is not None:
            self.rows.taken[r] = seats_taken

    # --- building ---------------------------------------------------------------------------

    def _add(self, text: CourseText, row: RowValues) -> None:
        cid = self._course_ids.get(text)
        if cid is None:
            cid = self._new_course(text)
        self.rows.add(row, cid)
        if row.space.id not in self.spaces:
            self.spaces[row.space.id] = row.space
            self.grid.setdefault(self._cell(row.space.latitude, row.space.longitude), []).append(
                row.space.id
            )

    def _new_course(self, text: CourseText) -> int:
        # Each database row brings its own copy of the organisation, topics and description,
        # which a few thousand courses share: keep one (35 MB less at the 2030 scale).
        strings = self._strings
        text = CourseText(*(strings.setdefault(s, s) for s in (
            text.organisation, text.title, text.topics, text.description
        )))  # fmt: skip
        cid = self._course_ids[text] = len(self.texts)
        self.texts.append(text)
        group = (text.organisation, normalized(text.title))
        gid = self._group_ids.get(group)
        if gid is None:
            gid = self._group_ids[group] = len(self.group_first)
            self.group_first.append(cid)
        elif gid in self.group_more:
            self.group_more[gid].append(cid)
        else:
            self.group_more[gid] = [self.group_first[gid], cid]
        self.course_group.append(gid)
        title = self._title_features.get(text.title)
        if title is None:
            title = self._title_features[text.title] = features(text.title, "", "", self.topics)
        tid = self._text_ids.get((text.topics, text.description))
        if tid is None:
            tid = self._text_ids[text.topics, text.description] = len(self.text_features)
            self.text_features.append(features("", text.topics, text.description, self.topics))
        self.course_text_features.append(tid)
        title_words = frozenset(title.words)
        key = (frozenset(title.concepts.items()), tid)  # a few title concepts: levels, certs
        pid = self._course_profiles.get(key)
        if pid is None:
            pid = self._course_profiles[key] = self._profile(title, self.text_features[tid])
        self.course_profile.append(pid)
        self._count_words(cid, title_words, tid)
        return cid

    def _profile(self, title: Features, rest: Features) -> int:
        concepts = dict(rest.concepts)
        for concept, weight in title.concepts.items():
            concepts[concept] = max(weight, concepts.get(concept, 0.0))
        key = frozenset(concepts.items())
        pid = self._profile_ids.get(key)
        if pid is None:
            pid = self._profile_ids[key] = len(self.profiles)
            self.profiles.append(concepts)
            # Only title and topic matches lead to a course: a description never qualifies one.
            for concept, weight in concepts.items():
                if weight >= TOPICS:
                    self.concept_profiles.setdefault(concept, set()).add(pid)
        return pid

    def _count_words(self, cid: int, title_words: frozenset[str], tid: int) -> None:
        split = self._text_words.get(tid)
        if split is None:
            words = self.text_features[tid].words
            strong_words = frozenset(w for w, weight in words.items() if weight >= TOPICS)
            split = self._text_words[tid] = (strong_words, frozenset(words) - strong_words)
        strong = title_words | split[0]
        self._strong.update(strong)
        self._weak.update(split[1] - strong)
        for w in strong:
            self._word_lists.setdefault(w, []).append(cid)

    def _finish(self) -> None:
        """Order every list by start and turn the build's lists into arrays."""
        self.vocabulary.add_counts(self._strong, self._weak)
        self.word_courses = {w: array("l", cids) for w, cids in self._word_lists.items()}
        self._word_lists, self._strong, self._weak = {}, Counter(), Counter()
        self._title_features, self._course_profiles, self._text_words = {}, {}, {}
        self._course_ids, self._group_ids, self._strings = {}, {}, {}
        self.rows.finish()
        rows = self.rows
        order = rows.sorted_by_start(list(range(len(rows))))
        self.all_rows = order  # every session in start order: requests with no topic
        by_course: list[list[int]] = [[] for _ in self.texts]
        by_profile: list[list[int]] = [[] for _ in self.profiles]
        by_space: dict[int, dict[int, list[int]]] = {}
        for r in order:
            cid = rows.courses[r]
            pid = self.course_profile[cid]
            by_course[cid].append(r)
            by_profile[pid].append(r)
            by_space.setdefault(rows.spaces[r], {}).setdefault(pid, []).append(r)
        # The sessions of each course, course after course: course_rows() slices it.
        self.course_offsets = array("l", [0])
        self.course_order = array("l")
        for rs in by_course:
            self.course_order.extend(rs)
            self.course_offsets.append(len(self.course_order))
        self.profile_rows = [array("l", rs) for rs in by_profile]
        self.space_rows = {sid: ProfileRows(per) for sid, per in by_space.items()}
        # Sessions of groups of several courses (see bot.search.retrieval).
        multi = set(self.group_more)
        self.profile_multi_rows = [self._multi(rs, multi) for rs in self.profile_rows]
        for sid, per in by_space.items():
            kept = {pid: m for pid, rs in per.items() if (m := self._multi(rs, multi))}
            if kept:
                self.space_multi_rows[sid] = ProfileRows(kept)

    def _multi(self, rows: Iterable[int], multi: set[int]) -> array[int]:
        courses, group = self.rows.courses, self.course_group
        return array("l", (r for r in rows if group[courses[r]] in multi))

    def course_rows(self, cid: int) -> array[int]:
        """The sessions of course ``cid``, in start order."""
        return self.course_order[self.course_offsets[cid] : self.course_offsets[cid + 1]]

    def group_courses(self, gid: int) -> list[int]:
        """The courses of group ``gid``."""
        return self.group_more.get(gid) or [self.group_first[gid]]

    def group_key(self, gid: int) -> Group:
        """(organisation, normalised title): what results collapse on."""
        text = self.texts[self.group_first[gid]]
        return text.organisation, normalized(text.title)

    def profile_courses(self, pid: int) -> set[int]:
        """The courses of a profile."""
        return {self.rows.courses[r] for r in self.profile_rows[pid]}

    @staticmethod
    def _cell(lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lat / CELL_DEGREES), math.floor(lon / CELL_DEGREES)

    # --- queries ----------------------------------------------------------------------------

    def compile(self, topic_words: Iterable[str]) -> TopicQuery:
        """The request's topic, with typos corrected against this index's words."""
        return self.compile_with(self.vocabulary, self.topics, topic_words)

    @staticmethod
    def compile_with(
        vocabulary: Vocabulary, table: TopicTable, topic_words: Iterable[str]
    ) -> TopicQuery:
        """A request's topic against ``vocabulary`` (the prefiltered search's, before its
        index exists)."""
        return compile_query(list(topic_words), table, vocabulary)

    def match(self, query: TopicQuery) -> Scores:
        """The relevance of each course to ``query`` (computed once per profile)."""
        return Scores.of(self, query)

    def word_weights(self, cid: int, free: tuple[str, ...]) -> tuple[float, ...]:
        """The best field weight of each word of ``free`` in course ``cid`` (0 when absent)."""
        rest = self.text_features[self.course_text_features[cid]].words
        if not any(self._has_strong(w, cid) for w in free):
            # Not in the title (nor the topics): no need to read it. Most courses a walk
            # meets for a request with a free word ("… Romorantin") lack it.
            return tuple(rest.get(w, 0.0) for w in free)
        title = words(self.texts[cid].title)
        return tuple(1.0 if w in title else rest.get(w, 0.0) for w in free)

    def _has_strong(self, word: str, cid: int) -> bool:
        """Whether ``word`` is in course ``cid``'s title or topics (word_courses is in course
        order: built course after course)."""
        cids = self.word_courses.get(word)
        if not cids:
            return False
        i = bisect.bisect_left(cids, cid)
        return i < len(cids) and cids[i] == cid

    def spaces_within(self, lat: float, lon: float, radius_km: float) -> list[tuple[int, float]]:
        """(space id, distance) of the spaces within ``radius_km`` of a point."""
        dlat = radius_km / KM_PER_DEGREE_LAT
        # The widest longitude span is at the bounding box's edge nearest to a pole.
        cos_lat = max(0.05, math.cos(math.radians(min(89.0, abs(lat) + dlat))))
        dlon = radius_km / (KM_PER_DEGREE_LAT * cos_lat)
        (i0, j0), (i1, j1) = self._cell(lat - dlat, lon - dlon), self._cell(lat + dlat, lon + dlon)
        found = []
        for i in range(i0, i1 + 1):
            for j in range(j0, j1 + 1):
                for sid in self.grid.get((i, j), ()):
                    space = self.spaces[sid]
                    d = retrieval.distance(lat, lon, space)
                    if d <= radius_km:
                        found.append((sid, d))
        return found

    def retrieve(
        self,
        scores: Scores,
        filters: Filters,
        *,
        center: tuple[float, float] | None = None,
        radius_km: float | None = None,
        limit: int | None = None,
    ) -> retrieval.Found:
        """The best groups of sessions that pass ``filters`` (see :mod:`.retrieval`)."""
        return retrieval.retrieve(
            self, scores, filters, center=center, radius_km=radius_km, limit=limit
        )
