"""The best result groups of a request, found without visiting every matching session.

Results are ranked by relevance tier, then distance (to 100 m), then date, then external id
(:func:`rank_key`, the order :func:`bot.search.service.search` shows). A group (one
organisation's course, wherever and whenever it runs) is shown by its best session: seats
left first, then the nearest, then the soonest.

The walks visit sessions in ranking order — tier by tier, and within a tier in start order
(no place) or space by space outwards (with a place) — and stop once ``limit`` groups are
found that nothing further along can beat: a group first met at date *d* or distance *d*
has its best session no sooner or no nearer. Each group met is evaluated exactly
(:meth:`_Walk.evaluate`: all its passing sessions, for its count and best session). Without
``limit`` the walks run to the end and every group is returned.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.geo import haversine_km
from bot.search.departements import postcode_departement
from bot.search.docs import Filters, Hit, SpaceDoc, passes
from bot.search.scores import Scores, tier

if TYPE_CHECKING:
    from bot.search.index import SearchIndex

__all__ = ["Found", "distance", "rank_key", "retrieve"]

RankKey = tuple[int, float, float, str]


@dataclass(frozen=True, slots=True)
class Found:
    """The best groups, and how many groups were met (all of them when ``complete``)."""

    hits: list[Hit]
    total: int
    complete: bool


def distance(lat: float, lon: float, space: SpaceDoc) -> float:
    return haversine_km(lat, lon, space.latitude, space.longitude)


def rank_key(score: float, distance_km: float | None, start: float, external_id: str) -> RankKey:
    """Best first: relevance tier, distance to 100 m, start, external id."""
    return (-tier(score), round(distance_km or 0.0, 1), start, external_id)


def retrieve(
    index: SearchIndex,
    scores: Scores,
    filters: Filters,
    *,
    center: tuple[float, float] | None = None,
    radius_km: float | None = None,
    limit: int | None = None,
) -> Found:
    """The best ``limit`` groups (all without a limit) of the scored courses' sessions that
    pass ``filters``; with ``radius_km`` only spaces within it of ``center`` count."""
    walk = _Walk(index, scores, filters, center, radius_km, limit)
    if center is None:
        walk.by_date()
    else:
        walk.by_distance(center, radius_km)
    return walk.found()


class _Walk:
    def __init__(
        self,
        index: SearchIndex,
        scores: Scores,
        filters: Filters,
        center: tuple[float, float] | None,
        radius_km: float | None,
        limit: int | None,
    ) -> None:
        self.index, self.scores, self.center = index, scores, center
        self.after = filters.after.timestamp()
        self.before = filters.before.timestamp() if filters.before is not None else None
        rows = index.rows
        # Permanent-entry sessions started already but open until after ``after``: they rank
        # as if starting at ``after`` (none in most catalogues: then nothing changes).
        self.open = {r for r in rows.permanent if rows.starts[r] <= self.after < rows.ends[r]}
        self.masks = filters.masks()
        self.area = filters.departements
        self.limit = None if limit is None else max(1, limit)
        self.seen: set[int] = set()
        self.best: list[RankKey] = []  # the ``limit`` best keys so far, sorted
        self.hits: list[tuple[RankKey, Hit]] = []
        self.stopped = False
        self.distances: dict[int, float] = {}  # space → km; with a radius, only those within
        self.radius = radius_km

    def found(self) -> Found:
        self.hits.sort(key=lambda kh: kh[0])
        shown = self.hits if self.limit is None else self.hits[: self.limit]
        return Found([hit for _, hit in shown], len(self.hits), not self.stopped)

    def beaten(self, t: int, bound: float) -> bool:
        """Whether ``limit`` groups are found that no group of tier ``t`` first met at
        ``bound`` (a start, or a rounded distance) can beat."""
        if self.limit is None or len(self.best) < self.limit:
            return False
        worst = self.best[self.limit - 1]
        if -worst[0] != t:
            return -worst[0] > t  # a less relevant group met early ranks after tier t
        return (worst[2] if self.center is None else worst[1]) < bound

    def starts_at(self, rows: array[int]) -> int:
        """The position of the first session starting after ``after`` in ``rows``."""
        return bisect.bisect_right(rows, self.after, key=self.index.rows.starts.__getitem__)

    def opened(self, rows: array[int], cut: int) -> list[int]:
        """The permanent-entry rows of ``rows[:cut]`` (started already) still open at
        ``after``; an empty list at no cost when the catalogue has none open."""
        if not self.open or (self.before is not None and self.after >= self.before):
            return []
        return [r for r in rows[:cut] if r in self.open]

    # --- walks ------------------------------------------------------------------------------

    def by_date(self) -> None:
        """No place: tier by tier, every candidate profile's sessions merged in start order."""
        index = self.index
        candidates = self.scores.best.keys()
        for t, profiles in self.scores.tiers().items():
            if self.scores.everything:
                lists = [index.all_rows]
            else:
                lists = [index.profile_rows[pid] for pid in profiles]
                # A group of several courses may be shown by a less relevant one's session.
                lists += [index.profile_multi_rows[pid] for pid in candidates - set(profiles)]
            merged = heapq.merge(*(self._from_after(rows) for rows in lists if rows))
            for start, r in merged:
                if self.before is not None and start >= self.before:
                    break
                if self.beaten(t, start):
                    self.stopped = True
                    return
                self.meet(r, t)
            if self.beaten(t - 1, -1.0):
                self.stopped = True
                return

    def _from_after(self, rows: array[int]) -> Iterator[tuple[float, int]]:
        starts, cut = self.index.rows.starts, self.starts_at(rows)
        if self.open:
            for r in self.opened(rows, cut):
                yield self.after, r  # open already: as if starting now
        for r in rows[cut:]:
            yield starts[r], r

    def by_distance(self, center: tuple[float, float], radius_km: float | None) -> None:
        """With a place: tier by tier, spaces outwards, each space's candidate sessions."""
        index = self.index
        if radius_km is not None:
            within = index.spaces_within(*center, radius_km)
        else:
            within = [(sid, distance(*center, sp)) for sid, sp in index.spaces.items()]
        if self.area is not None:  # an area: its spaces only, nearest its centre first
            area = self.area
            within = [
                (sid, km)
                for sid, km in within
                if postcode_departement(index.spaces[sid].postcode) in area
            ]
        self.distances = dict(within)
        ordered = sorted(within, key=lambda sd: (sd[1], sd[0]))
        candidates = self.scores.best.keys()
        for t, profiles in self.scores.tiers().items():
            wanted = set(profiles)
            for sid, km in ordered:
                if self.beaten(t, round(km, 1)):
                    self.stopped = True
                    return
                per, multi = index.space_rows.get(sid), index.space_multi_rows.get(sid)
                for rows in per.among(wanted) if per else ():
                    self._meet_all(rows, t)
                for rows in multi.among(candidates, wanted) if multi else ():
                    self._meet_all(rows, t)
            if self.beaten(t - 1, -1.0):
                self.stopped = True
                return

    def _meet_all(self, rows: array[int], t: int) -> None:
        starts, cut = self.index.rows.starts, self.starts_at(rows)
        if self.open:
            for r in self.opened(rows, cut):
                self.meet(r, t)
        for r in rows[cut:]:
            if self.before is not None and starts[r] >= self.before:
                break
            self.meet(r, t)

    # --- groups -----------------------------------------------------------------------------

    def meet(self, r: int, t: int) -> None:
        """Session ``r`` met during the walk of tier ``t``: evaluate its group if new and
        ``r`` qualifies (a course of tier ``t``, or of any tier in a group of several)."""
        index, rows = self.index, self.index.rows
        cid = rows.courses[r]
        gid = index.course_group[cid]
        if gid in self.seen:
            return
        value = self.scores.course(cid)
        if value <= 0 or (tier(value) != t and gid not in index.group_more):
            return
        if self.masks is not None and not passes(self.masks, rows.flags[r], rows.slots[r]):
            return
        self.seen.add(gid)
        found = self.evaluate(gid)
        if found is None:
            return
        self.hits.append(found)
        if self.limit is not None:
            bisect.insort(self.best, found[0])
            del self.best[self.limit :]

    def evaluate(self, gid: int) -> tuple[RankKey, Hit] | None:
        """The group's rank key and hit: its best passing session, count and relevance."""
        index, rows = self.index, self.index.rows
        best: tuple[bool, float, float, str] | None = None
        best_row, count, top = -1, 0, 0.0
        starts, after = rows.starts, self.after
        for cid in index.group_courses(gid):
            value = self.scores.course(cid)
            if value <= 0:
                continue
            n = 0
            for r in self._passing(index.course_rows(cid)):
                km = self._km(rows.spaces[r])
                if km is None:
                    continue
                n += 1
                start = starts[r] if starts[r] > after else after  # open already: now
                key = (rows.full(r), km, start, rows.external_ids[r])
                if best is None or key < best:
                    best, best_row = key, r
            if n:
                count, top = count + n, max(top, value)
        if best is None:
            return None
        km = best[1] if self.center is not None else None
        hit = Hit(index.group_key(gid), index.doc(best_row), top, km, count)
        return rank_key(top, km, best[2], best[3]), hit

    def _passing(self, course_rows: array[int]) -> Iterator[int]:
        rows, masks, before = self.index.rows, self.masks, self.before
        cut = self.starts_at(course_rows)
        # Open rows started before ``after``, hence before ``before`` too.
        upcoming: Iterable[int] = course_rows[cut:]
        if self.open:
            upcoming = itertools.chain(self.opened(course_rows, cut), upcoming)
        for r in upcoming:
            if before is not None and rows.starts[r] >= before:
                return
            if masks is None or passes(masks, rows.flags[r], rows.slots[r]):
                yield r

    def _km(self, space_id: int) -> float | None:
        """The distance used for ranking; None when the space is outside the radius."""
        if self.center is None:
            return 0.0
        km = self.distances.get(space_id)
        if km is None and self.radius is None:
            km = self.distances[space_id] = distance(*self.center, self.index.spaces[space_id])
        return km
