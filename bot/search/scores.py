"""The relevance of each course to one request, computed once per profile.

A course's relevance depends only on its profile (the concepts it names, with their field
weights) and on the weights of the request's free words in it (``"excel niveau"``: is
"niveau" in the title?). :class:`Scores` computes each (profile, free-word weights) once;
without free words, a request over 93,000 courses makes at most one score per profile.
For the walks of :mod:`bot.search.retrieval` it also tells which profiles can reach which
relevance tier (tenths of relevance: what ranking compares).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.search.matcher import MIN_SCORE, Features, TopicQuery
from bot.search.matcher import score as relevance

if TYPE_CHECKING:
    from bot.search.index import SearchIndex

__all__ = ["Scores", "tier"]

LOWEST_TIER = int(MIN_SCORE * 10)


def tier(value: float) -> int:
    """Relevance in tenths: scores this close count as equal, so distance decides."""
    return int(value * 10 + 1e-9)


class Scores:
    """Course id → relevance in [0, 1] for one request (see the module docstring)."""

    def __init__(self, index: SearchIndex, query: TopicQuery) -> None:
        self.index = index
        self.query = query
        self.everything = query.empty
        self.free = tuple(unit.key for unit in query.units if unit.kind == "free")
        self.courses: set[int] | None = None  # when free words lead: only these qualify
        self.base: dict[int, float] = {}  # profile → relevance with no free word present
        self.best: dict[int, float] = {}  # profile → relevance with every free word present
        self._memo: dict[tuple[int, tuple[float, ...]], float] = {}

    @classmethod
    def of(cls, index: SearchIndex, query: TopicQuery) -> Scores:
        """Score ``query`` on ``index``'s profiles."""
        scores = cls(index, query)
        if query.empty:
            scores.base = dict.fromkeys(range(len(index.profiles)), 1.0)
            scores.best = scores.base
            return scores
        if any(u.main and u.kind == "free" for u in query.units):
            courses: set[int] = set()
            for unit in query.units:
                if unit.main:
                    courses.update(index.word_courses.get(unit.key, ()))
            scores.courses = courses
            profiles = {index.course_profile[c] for c in courses}
        else:
            profiles = set()
            for unit in query.units:
                if unit.main:
                    for concept in unit.accepts:
                        profiles.update(index.concept_profiles.get(concept, ()))
        present = dict.fromkeys(scores.free, 1.0)
        for pid in profiles:
            concepts = index.profiles[pid]
            base = 0.0 if scores.courses is not None else relevance(query, Features(concepts))
            scores.base[pid] = base
            best = relevance(query, Features(concepts, present)) if scores.free else base
            scores.best[pid] = best
        return scores

    def course(self, cid: int) -> float:
        """The relevance of course ``cid`` (0: it does not qualify)."""
        index = self.index
        pid = index.course_profile[cid]
        if not self.free:
            return self.base.get(pid, 0.0)
        if pid not in self.best or (self.courses is not None and cid not in self.courses):
            return 0.0
        weights = index.word_weights(cid, self.free)
        key = (pid, weights)
        value = self._memo.get(key)
        if value is None:
            features = Features(index.profiles[pid], dict(zip(self.free, weights, strict=True)))
            value = self._memo[key] = relevance(self.query, features)
        return value

    def tiers(self) -> dict[int, list[int]]:
        """Tier → the profiles that may have courses of that tier, best tier first."""
        out: dict[int, list[int]] = {}
        for pid, best in self.best.items():
            top = tier(best)
            low = max(LOWEST_TIER, tier(self.base[pid])) if self.free else top
            for t in range(low, top + 1):
                out.setdefault(t, []).append(pid)
        return dict(sorted(out.items(), reverse=True))

    def __bool__(self) -> bool:
        """Whether some course qualifies."""
        if not self.free:
            return any(value > 0 for value in self.base.values())
        if self.courses is None and any(value > 0 for value in self.base.values()):
            return True
        candidates = (
            self.courses
            if self.courses is not None
            else (c for pid in self.best for c in self.index.profile_courses(pid))
        )
        return any(self.course(c) > 0 for c in candidates)
