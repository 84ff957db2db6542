"""Topic relevance: how well a session's title, topics and description fit a request.

Two steps, both pure:

1. :func:`compile_query` turns the request's topic words into :class:`Unit`\\ s: the concepts
   of the topic table they name ("compta" → comptabilité, expanded to narrower concepts),
   after correcting typos against known words ("exel" → excel, only for words of 4 letters
   or more and a close match), and the leftover "free" words.
2. :func:`score` rates one session's :class:`Features` against those units, in [0, 1].

Precision rules, because a wrong result costs a learner a trip:

* a request must have its *main* units matched in the title or the topics — its subjects
  (Excel, SST…) if it names any, else its qualifiers (débutant, restaurant…), else its free
  words; a description alone never qualifies a session, it only adds to the score;
* words are compared whole ("word" never matches "wordpress"), typos are corrected towards
  whole known words with a high cut-off;
* when the request names no known concept, at least two thirds of its words must be found
  ("cuisine japonaise" does not match a session that only mentions "cuisine").
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import fuzz, process

from bot.search.topics import STOP_WORDS, TopicTable, stem, words

__all__ = [
    "MIN_SCORE",
    "Features",
    "TopicQuery",
    "Unit",
    "Vocabulary",
    "compile_query",
    "features",
    "score",
]

logger = logging.getLogger(__name__)

# Where a word or concept was found. The title says what the session is; the topics are the
# organisation's keywords; the description often mentions neighbouring subjects.
TITLE, TOPICS, DESCRIPTION = 1.0, 0.9, 0.45
EXPANSION = 0.85  # found through a narrower concept ("bureautique" → an Excel session)
CORRECTED = 0.9  # a free word found only after typo correction
SECONDARY_WEIGHT = 0.35  # qualifiers and free words next to a subject refine, not decide
MIN_SCORE = 0.3
FREE_COVERAGE = 2 / 3
FUZZY_MIN_LENGTH = 4
FUZZY_CUTOFF = 85.0  # rapidfuzz ratio: "exel"/"excel" 88.9, "wird"/"word" 75

UnitKind = Literal["subject", "qualifier", "free"]


@dataclass(frozen=True, slots=True)
class Unit:
    """One thing the request asks for: a concept (with what it accepts) or a free word."""

    kind: UnitKind
    key: str  # concept id, or the (stemmed) free word
    accepts: frozenset[str]  # concept ids (the concept and its narrower ones) or {word}
    weight: float = 1.0
    main: bool = True
    corrected: bool = False


@dataclass(frozen=True, slots=True)
class TopicQuery:
    """The compiled topic of a request."""

    units: tuple[Unit, ...] = ()
    corrections: tuple[tuple[str, str], ...] = ()  # (typed, understood)
    concept_ids: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """True when the request names no topic at all (then every session qualifies)."""
        return not self.units


@dataclass(frozen=True, slots=True)
class Features:
    """What a session is about: best field weight per concept id and per word."""

    concepts: dict[str, float] = field(default_factory=dict)
    words: dict[str, float] = field(default_factory=dict)


def features(title: str, topics: str, description: str, table: TopicTable) -> Features:
    """Extract concepts and words from a session's texts (topics are ";"-separated)."""
    concepts: dict[str, float] = {}
    found_words: dict[str, float] = {}
    fields = [(title, TITLE), (description, DESCRIPTION)]
    fields += [(keyword, TOPICS) for keyword in topics.split(";")]
    for text, weight in fields:
        tokens = words(text)
        for w in tokens:
            if found_words.get(w, 0.0) < weight:
                found_words[w] = weight
        for cid in table.concepts_in(tokens):
            if concepts.get(cid, 0.0) < weight:
                concepts[cid] = weight
    return Features(concepts, found_words)


class Vocabulary:
    """Known words, and typo correction towards the words worth correcting to.

    Targets are the topic table's words, the words of session titles and topics, and a few
    generic words ("formation") so that "formaton" is recognised as filler. Words seen only
    in descriptions are known (never "corrected" into something else) but are not targets.
    """

    _GENERIC = ("formation", "formations", "cours", "atelier", "ateliers", "stage", "session")

    def __init__(self, table: TopicTable) -> None:
        self._table = table
        self._targets: Counter[str] = Counter()
        self._known: Counter[str] = Counter()
        self._buckets: dict[str, list[str]] | None = None
        self._cache: dict[str, str | None] = {}
        for w in table.vocabulary:
            self._targets[w] += 1
        for w in self._GENERIC:
            self._targets[stem(w)] += 1

    def add(self, strong: Iterable[str], weak: Iterable[str] = ()) -> None:
        """Count the words of one session (strong: title/topics; weak: description)."""
        for w in strong:
            if self._targets[w] == 0:
                self._invalidate()
            self._targets[w] += 1
        for w in weak:
            self._known[w] += 1

    def add_counts(self, strong: Counter[str], weak: Counter[str]) -> None:
        """Count many sessions' words at once (word → number of courses having it)."""
        self._targets.update(strong)
        self._known.update(weak)
        self._invalidate()

    def _invalidate(self) -> None:
        self._buckets = None
        self._cache.clear()

    def knows(self, word: str) -> bool:
        """Whether ``word`` (stemmed) is a word of the table or of some session."""
        return self._targets[word] > 0 or self._known[word] > 0 or word in STOP_WORDS

    def correct(self, word: str) -> str | None:
        """The known word ``word`` (stemmed) is a typo of, or None."""
        if word in self._cache:
            return self._cache[word]
        result: str | None = None
        if len(word) >= FUZZY_MIN_LENGTH and word.isalpha():
            if self._buckets is None:
                buckets: dict[str, list[str]] = {}
                for w in self._targets:
                    buckets.setdefault(w[0], []).append(w)
                self._buckets = buckets
            # Typos rarely hit the first letter; one bucket per letter keeps this fast.
            matches = process.extract(
                word,
                self._buckets.get(word[0], []),
                scorer=fuzz.ratio,
                score_cutoff=FUZZY_CUTOFF,
                limit=5,
            )
            if matches:
                best = max(
                    matches,
                    key=lambda m: (m[1], m[0] in self._table.vocabulary, self._targets[m[0]]),
                )
                result = best[0]
        if len(self._cache) < 10_000:
            self._cache[word] = result
        return result


_GENERIC_STEMS = frozenset(stem(g) for g in Vocabulary._GENERIC)


def compile_query(
    topic_words: Sequence[str], table: TopicTable, vocabulary: Vocabulary
) -> TopicQuery:
    """Turn a request's topic words into units (see the module docstring)."""
    tokens, corrected, corrections = _corrected_tokens(topic_words, vocabulary)
    concept_units, free = _segment(tokens, corrected, table)
    kinds = {u.kind for u in concept_units.values()}
    main_kind = "subject" if "subject" in kinds else "qualifier" if kinds else "free"
    units: list[Unit] = []
    for unit in concept_units.values():
        is_main = unit.kind == main_kind
        units.append(
            Unit(unit.kind, unit.key, unit.accepts, 1.0 if is_main else SECONDARY_WEIGHT, is_main)
        )
    for w, was_corrected in free.items():
        is_main = main_kind == "free"
        units.append(
            Unit(
                "free",
                w,
                frozenset({w}),
                1.0 if is_main else SECONDARY_WEIGHT,
                is_main,
                was_corrected,
            )
        )
    return TopicQuery(tuple(units), tuple(corrections), tuple(concept_units))


def _corrected_tokens(
    topic_words: Sequence[str], vocabulary: Vocabulary
) -> tuple[list[str], set[int], list[tuple[str, str]]]:
    """(stemmed tokens with typos fixed, positions of the fixed ones, (typo, fix) pairs)."""
    tokens: list[str] = []
    corrected: set[int] = set()
    corrections: list[tuple[str, str]] = []
    for raw in topic_words:
        for w in words(raw):
            if not vocabulary.knows(w) and not w.isdigit():
                fixed = vocabulary.correct(w)
                if fixed is not None:
                    corrections.append((w, fixed))
                    if fixed in _GENERIC_STEMS:
                        continue  # "formaton": filler after all
                    corrected.add(len(tokens))
                    w = fixed
            tokens.append(w)
    return tokens, corrected, corrections


def _segment(
    tokens: list[str], corrected: set[int], table: TopicTable
) -> tuple[dict[str, Unit], dict[str, bool]]:
    """(concept id → its unit, free word → whether it was corrected), in order of appearance."""
    concept_units: dict[str, Unit] = {}
    free: dict[str, bool] = {}
    for seg in table.segment(tokens):
        if seg.concept is not None:
            concept = table.concepts[seg.concept]
            concept_units.setdefault(
                concept.id, Unit(concept.kind, concept.id, table.closure(concept.id))
            )
            continue
        w = tokens[seg.start]
        if w.isdigit() or len(w) < 2:
            continue  # "14 h", "niveau 2": numbers only count inside a term ("psc 1")
        free[w] = free.get(w, False) or seg.start in corrected
    return concept_units, free


def _unit_match(unit: Unit, feats: Features) -> tuple[float, float]:
    """(score contribution in [0, 1], raw field weight) of one unit on one session."""
    if unit.kind == "free":
        raw = feats.words.get(unit.key, 0.0)
        return (raw * CORRECTED if unit.corrected else raw), raw
    best = raw_best = 0.0
    for cid, raw in feats.concepts.items():
        if cid in unit.accepts:
            value = raw if cid == unit.key else raw * EXPANSION
            if value > best:
                best = value
            if raw > raw_best:
                raw_best = raw
    return best, raw_best


def score(query: TopicQuery, feats: Features) -> float:
    """Relevance of a session in [0, 1]; 0 when it does not qualify (see module docstring)."""
    if not query.units:
        return 1.0
    total = matched = 0.0
    strong_main = False
    free_main = free_found = 0
    for unit in query.units:
        value, raw = _unit_match(unit, feats)
        total += unit.weight
        matched += unit.weight * value
        if unit.main:
            strong_main = strong_main or raw >= TOPICS
            if unit.kind == "free":
                free_main += 1
                free_found += raw > 0
    if not strong_main:
        return 0.0
    if free_main and free_found < math.ceil(FREE_COVERAGE * free_main - 1e-9):
        return 0.0
    result = matched / total
    return round(result, 4) if result >= MIN_SCORE else 0.0
