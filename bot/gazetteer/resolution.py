"""Resolution: the commune index, and a query meant to be a place → a :class:`Resolution`.

:class:`Gazetteer` indexes the communes by name (current, former, without article, by prefix,
with typos), postal code, INSEE code and département; :meth:`Gazetteer.resolve` reads
"Ploermel", "56800", "Saint-Martin 32" or "2A004". Finding a place inside a free sentence is
:mod:`bot.gazetteer.mentions`, which builds on the name matching here.
"""

from __future__ import annotations

import bisect
import functools
import logging
import re
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from bot.gazetteer import cache
from bot.gazetteer.communes import (
    ARTICLES,
    DEFAULT_PATH,
    POSTCODE_RE,
    Commune,
    by_population,
    key_and_fold,
    normalize,
    read_communes,
    strip_article,
)
from bot.gazetteer.mentions import find_in_text
from bot.gazetteer.ranking import MAX_CANDIDATES, Resolution, rank
from bot.gazetteer.typos import Typos
from bot.geo import haversine_km
from bot.heap import long_lived

logger = logging.getLogger(__name__)

_INSEE_RE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$", re.IGNORECASE)
# "Saint-Martin 56", "Saint-Martin (56)", "Saint-Martin, 2A", "56 Saint-Martin".
_TRAILING_DEPT_RE = re.compile(r"^(?P<name>.*\S)[\s,(]+(?P<dept>\d{2,3}|2[ab])\)?\s*$", re.I)
_LEADING_DEPT_RE = re.compile(r"^\(?(?P<dept>\d{2,3}|2[ab])\)?[\s,-]+(?P<name>\D.*)$", re.I)
# Communes offered with one that was found: its namesakes, and longer names it starts
# ("Saint-Méen" → Saint-Méen-le-Grand) when they are larger. Four at most.
MAX_NAMESAKES = 4


class Gazetteer:
    """In-memory index of communes: by name (exact, former, typo), postal code, INSEE code."""

    def __init__(
        self, communes: Iterable[Commune], former: Iterable[tuple[str, str]] = ()
    ) -> None:
        """Index ``communes`` and ``former`` (former name, current INSEE code) pairs."""
        self._by_insee: dict[str, Commune] = {}
        self._by_postcode: dict[str, list[Commune]] = defaultdict(list)
        self._by_dept: dict[str, list[Commune]] = defaultdict(list)
        # Normalized name → (commune, accent-preserving form of the name). The accented form
        # breaks collisions that accent folding creates: "Vire" (former commune, now Vire
        # Normandie) versus "Viré" (Saône-et-Loire).
        self._current: dict[str, list[tuple[Commune, str]]] = defaultdict(list)
        self._former: dict[str, list[tuple[Commune, str]]] = defaultdict(list)
        # Names without their leading article ("mans" → Le Mans), current and former alike.
        self._loose: dict[str, list[Commune]] = defaultdict(list)
        # Every matchable key (current, former, article-less) → communes, for prefix and
        # typo matching.
        self._keys: dict[str, list[Commune]] = defaultdict(list)
        by_insee, by_postcode, by_dept = self._by_insee, self._by_postcode, self._by_dept
        current, loose, keys = self._current, self._loose, self._keys
        for c in communes:
            by_insee[c.insee] = c
            for pc in c.postcodes:
                by_postcode[pc].append(c)
            by_dept[c.departement].append(c)
            key, fold = key_and_fold(c.name)
            current[key].append((c, fold))
            keys[key].append(c)
            stripped = strip_article(key)
            loose[stripped].append(c)
            if stripped != key:
                keys[stripped].append(c)
        for name, current_insee in former:
            target = by_insee.get(current_insee)
            if target is None:
                continue
            key, fold = key_and_fold(name)
            self._former[key].append((target, fold))
            keys[key].append(target)
            stripped = strip_article(key)
            loose[stripped].append(target)
            if stripped != key:
                keys[stripped].append(target)
        for index in (by_postcode, by_dept):
            for k, v in index.items():
                index[k] = by_population(v)
        self._sorted_keys = sorted(self._keys)
        self._typos = Typos(self._sorted_keys, self._keys)
        self._dept_centroids: dict[str, tuple[float, float] | None] = {}
        self._grid: dict[tuple[int, int], list[Commune]] | None = None  # built on first use
        self._by_region: dict[str, list[Commune]] | None = None  # built on first use

    # --- loading ----------------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path | None = None) -> Gazetteer:
        """Read ``data/communes.csv`` (or ``path``); communes without coordinates are skipped."""
        path = path or DEFAULT_PATH
        started = time.perf_counter()
        with long_lived():  # tens of thousands of small objects, no cycles (bot/heap.py)
            gazetteer = cls(*read_communes(path))
        logger.info(
            "gazetteer: %d communes loaded from %s in %.0f ms",
            len(gazetteer),
            path,
            (time.perf_counter() - started) * 1000,
        )
        return gazetteer

    def __len__(self) -> int:
        return len(self._by_insee)

    @property
    def communes(self) -> list[Commune]:
        """All communes, by INSEE code."""
        return [self._by_insee[k] for k in sorted(self._by_insee)]

    # --- direct look-ups --------------------------------------------------------------------

    def by_insee(self, code: str) -> Commune | None:
        """Commune with this INSEE code ("56165", "2A004"), or None."""
        return self._by_insee.get(code.strip().upper())

    def by_postcode(self, code: str) -> list[Commune]:
        """Communes served by a postal code, most populous first."""
        return list(self._by_postcode.get(code.replace(" ", "").strip(), []))

    def in_departement(self, code: str) -> list[Commune]:
        """Communes of a département ("56", "2A", "974"), most populous first."""
        return list(self._by_dept.get(code.strip().upper(), []))

    def in_region(self, code: str) -> list[Commune]:
        """Communes of a region ("53" is Bretagne), most populous first."""
        if self._by_region is None:
            by_region: dict[str, list[Commune]] = defaultdict(list)
            for communes in self._by_dept.values():  # already most populous first
                for c in communes:
                    by_region[c.region].append(c)
            self._by_region = {k: by_population(v) for k, v in by_region.items()}
        return list(self._by_region.get(code.strip(), []))

    def nearest(self, latitude: float, longitude: float) -> Commune | None:
        """The commune whose point is closest to a shared location (None far from France)."""
        if self._grid is None:
            grid: dict[tuple[int, int], list[Commune]] = defaultdict(list)
            for commune in self._by_insee.values():
                grid[(int(commune.latitude * 10), int(commune.longitude * 10))].append(commune)
            self._grid = grid
        cell = (int(latitude * 10), int(longitude * 10))
        # Cells are 0.1° (about 11 km by 7 km here): three rings cover any French commune.
        nearby = [
            commune
            for dlat in range(-3, 4)
            for dlon in range(-3, 4)
            for commune in self._grid.get((cell[0] + dlat, cell[1] + dlon), ())
        ]
        if not nearby:
            return None
        return min(
            nearby, key=lambda c: haversine_km(latitude, longitude, c.latitude, c.longitude)
        )

    def is_departement(self, text: str) -> bool:
        """True for a known département code such as "56", "2A" or "974"."""
        return text.strip().upper() in self._by_dept

    def departement_centroid(self, code: str) -> tuple[float, float] | None:
        """Population-weighted centre (lat, lon) of a département, or None if unknown."""
        code = code.strip().upper()
        if code not in self._dept_centroids:
            communes = self._by_dept.get(code, [])
            # +1 so that a département of empty communes still gets a (plain) mean.
            total = sum(c.population + 1 for c in communes)
            self._dept_centroids[code] = (
                (
                    sum(c.latitude * (c.population + 1) for c in communes) / total,
                    sum(c.longitude * (c.population + 1) for c in communes) / total,
                )
                if communes
                else None
            )
        return self._dept_centroids[code]

    @staticmethod
    def distance_km(a: Commune, b: Commune) -> float:
        """Straight-line distance between two communes' points, in kilometres."""
        return haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)

    # --- name matching ----------------------------------------------------------------------
    # Each step returns the matching communes (possibly empty); ``dept`` restricts them.

    def exact_hits(self, key: str, fold: str, dept: str | None) -> list[Commune]:
        """Exact normalized name: current names first, then former names.

        A former commune only counts when no current commune bears the name, so a current
        commune always wins over a former one of the same name. Its own name wins over the
        smaller communes whose name starts with it ("Hesdin" → Hesdin-la-Forêt, not also
        Hesdin-l'Abbé); a larger one makes it a choice ("Boulogne" → Boulogne-Billancourt,
        Boulogne-sur-Mer, or Essarts-en-Bocage where the former Boulogne lies).
        """

        def pick(entries: list[tuple[Commune, str]]) -> tuple[list[Commune], bool]:
            entries = [(c, f) for c, f in entries if dept is None or c.departement == dept]
            same_accents = [c for c, f in entries if f == fold]
            return same_accents or [c for c, _ in entries], bool(same_accents)

        current, current_accented = pick(self._current.get(key, []))
        former, former_accented = pick(self._former.get(key, []))
        if former and ((former_accented and not current_accented) or not current):
            largest = max(c.population for c in former)
            prefixed = self.prefix_hits(key, dept)
            return former + prefixed if any(c.population > largest for c in prefixed) else former
        return current

    def loose_hits(self, key: str, dept: str | None) -> list[Commune]:
        """Names compared without their leading article ("mans" → Le Mans)."""
        return [
            c
            for c in self._loose.get(strip_article(key), [])
            if dept is None or c.departement == dept
        ]

    def prefix_hits(self, key: str, dept: str | None) -> list[Commune]:
        """Communes whose name starts with the whole words of ``key`` ("la baule")."""
        if len(key) < 4 or key in ARTICLES or key in ("saint", "sainte"):
            return []
        prefix = key + " "
        hits: list[Commune] = []
        i = bisect.bisect_left(self._sorted_keys, prefix)
        while i < len(self._sorted_keys) and self._sorted_keys[i].startswith(prefix):
            hits.extend(
                c
                for c in self._keys[self._sorted_keys[i]]
                if dept is None or c.departement == dept
            )
            i += 1
        return hits

    def typo_hits(self, key: str, dept: str | None) -> list[Commune]:
        """A name typed wrong (see :meth:`.typos.Typos.hits`)."""
        return self._typos.hits(key, dept)

    def warm_typos(self) -> None:
        """Build the typo indexes now rather than on the first typo (see :mod:`.typos`)."""
        self._typos.warm()

    def sound_hits(self, key: str, dept: str | None) -> list[Commune]:
        """Names that sound the same only (see :meth:`.typos.Typos.sound_hits`)."""
        return self._typos.sound_hits(key, dept)

    def fuzzy_hits(self, key: str, dept: str | None) -> list[Commune]:
        """A few wrong letters only (see :meth:`.typos.Typos.fuzzy_hits`)."""
        return self._typos.fuzzy_hits(key, dept)

    def namesakes(self, commune: Commune) -> list[Commune]:
        """``commune`` and the communes a learner may have meant instead, most populous
        first: its namesakes, and larger communes whose name starts with its name
        ("Saint-Méen" (29) → Saint-Méen-le-Grand (35)). At most :data:`MAX_NAMESAKES`."""
        key = normalize(commune.name)
        same = [c for c, _ in self._current.get(key, [])]
        longer = [c for c in self.prefix_hits(key, None) if c.population > commune.population]
        return by_population([commune, *same, *longer])[:MAX_NAMESAKES]

    def match_name(self, name: str, dept: str | None = None, *, fuzzy: bool = True) -> Resolution:
        """Resolve a place name: exact, then by prefix, then without article, then typos."""
        key, fold = key_and_fold(name)
        if not key:
            return Resolution()
        hits = self.exact_hits(key, fold, dept)
        if hits:
            return rank(hits)
        hits = self.prefix_hits(key, dept)
        if hits:
            return rank(hits, corrected=True)
        hits = self.loose_hits(key, dept)
        if hits:
            return rank(hits)
        if fuzzy:
            return rank(self.typo_hits(key, dept), corrected=True)
        return Resolution()

    # --- public resolution ------------------------------------------------------------------

    def resolve(self, query: str, *, departement: str | None = None) -> Resolution:
        """Resolve a query that is meant to be a place.

        Accepts a name (accents, case, hyphens, "St", small typos), a former commune name,
        a postal code (the most populous commune it serves wins), an INSEE code, and an
        optional département hint ("Saint-Martin 32", "Saint-Martin (32)" or the
        ``departement`` argument). A hint that matches nothing only lets an exact name
        elsewhere through.
        """
        query = query.strip()
        if not query:
            return Resolution()
        dept = departement.strip().upper() if departement else None
        by_code = self._resolve_code(query)
        if by_code is not None:
            return by_code
        name = query
        if dept is None:
            name, dept = self._split_departement(query)
        if dept is not None and self.is_departement(dept):
            found = self.match_name(name, dept)
            if found.found or found.ambiguous:
                return found
        found = self.match_name(name)
        # Elsewhere than the département named, only the exact name ("Redon 56" is Redon,
        # 35); a typo correction there is another town ("Bruis (05)" is not Le Buis, 87).
        return Resolution() if dept is not None and found.corrected else found

    def _resolve_code(self, query: str) -> Resolution | None:
        """A query holding a known postal code, or an INSEE code; None for anything else."""
        postcode = POSTCODE_RE.search(query)
        if postcode:
            communes = self._by_postcode.get(postcode.group(1) + postcode.group(2))
            if communes:
                rest = normalize(query[: postcode.start()] + " " + query[postcode.end() :])
                if rest:  # "Saint-Martin-sur-Oust 56200": the name picks among them
                    named = [c for c in communes if normalize(c.name) == rest]
                    if named:
                        return Resolution(named[0], [c for c in communes if c is not named[0]])
                return Resolution(communes[0], communes[1:MAX_CANDIDATES])
        if _INSEE_RE.match(query):
            commune = self.by_insee(query)
            return Resolution(commune) if commune else Resolution()
        return None

    def _split_departement(self, query: str) -> tuple[str, str | None]:
        """(name, département) of "Saint-Martin 32" or "32 Saint-Martin"; (query, None) else."""
        for pattern in (_TRAILING_DEPT_RE, _LEADING_DEPT_RE):
            m = pattern.match(query)
            if m and self.is_departement(m.group("dept")):
                return m.group("name"), m.group("dept").upper()
        return query, None

    def find_in_text(self, text: str) -> tuple[Commune | None, list[Commune], str]:
        """The most plausible place mention in a free French sentence (see :mod:`.mentions`)."""
        return find_in_text(self, text)


@functools.lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The gazetteer over the shipped ``data/communes.csv``, loaded once per process: from
    its saved copy when the data and code are unchanged (:mod:`.cache`), else from the CSV
    (and then saved)."""
    key = cache.cache_key(DEFAULT_PATH)
    gazetteer = cache.load_cached(key)
    if gazetteer is None:
        gazetteer = Gazetteer.load()
        cache.save(gazetteer, key)
    return gazetteer
