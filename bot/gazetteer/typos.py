"""Typo correction of commune names: the same sound, a few wrong letters, a wrong first letter.

:class:`Typos` answers :meth:`~bot.gazetteer.resolution.Gazetteer.typo_hits` over the
gazetteer's names (normalized keys → communes). In order (:meth:`Typos.hits`):

1. the same Phonex key (:mod:`.phonetic`): "Moron" → Mauron, Maron, Mâron (every one: they
   sound alike, so the offer or the population picks, see :mod:`bot.search.homonyms`);
2. the fewest edits within a budget that grows with the length, among names of the same
   first letter, each keeping 85% of the letters or the sound ("Josslin" → Josselin, never
   "Paris" → Parisot);
3. a wrong first letter, the rest typed right ("Mloermel" → Ploërmel).

The Phonex keys and the names without their first letter are built on the first typo:
keying 37,000 names takes about half a second, kept off the bot's cold start.
"""

from __future__ import annotations

import threading
from collections import defaultdict

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel, Levenshtein

from bot.gazetteer.communes import STOP_WORDS, Commune
from bot.gazetteer.phonetic import phonex

# A typo correction must keep most letters (rapidfuzz ratio, 0-100) unless it keeps the sound:
# "Paris" is never "corrected" to a "Parisot" that shares neither.
MIN_TYPO_RATIO = 85
# Shortest name corrected by its sound, or with a wrong first letter ("Mloermel").
MIN_SOUND_LETTERS = 4
MIN_FIRST_LETTER_TYPO_LETTERS = 6


def _max_typos(key: str) -> int:
    """Edits allowed for typo correction; short words get none (too many false hits)."""
    n = len(key.replace(" ", ""))
    if n < 5:
        return 0
    if n < 8:
        return 1
    if n < 13:
        return 2
    return 3


def _keeps_letters_or_sound(typed: str, name: str) -> bool:
    """Whether correcting ``typed`` to ``name`` keeps most letters or the sound."""
    if fuzz.ratio(typed, name) >= MIN_TYPO_RATIO:
        return True
    return Levenshtein.distance(phonex(typed), phonex(name)) <= 1


def _least_edited(key: str, names: list[str]) -> list[str]:
    """The ``names`` fewest edits away from ``key``. Ties on Levenshtein are broken by the
    Indel distance (no substitutions), which favours a missing letter over a wrong one:
    "plormel" → Ploërmel, not Ploemel."""
    if not names:
        return []
    distance = {k: Levenshtein.distance(key, k) for k in names}
    best = min(distance.values())
    indel = {k: Indel.distance(key, k) for k in names if distance[k] == best}
    best_indel = min(indel.values())
    return [k for k, d in indel.items() if d == best_indel]


class Typos:
    """The typo matching over the gazetteer's name keys (see the module docstring)."""

    def __init__(self, sorted_keys: list[str], keys: dict[str, list[Commune]]) -> None:
        self._sorted_keys = sorted_keys
        self._keys = keys
        # Edit-distance correction works per first letter: typos rarely hit the first letter,
        # and it divides the work by ~20 (a query takes well under a millisecond).
        self._buckets: dict[str, list[str]] = defaultdict(list)
        for k in sorted_keys:
            self._buckets[k[0]].append(k)
        self._sounds: dict[str, list[str]] | None = None  # Phonex key → names
        self._tails: dict[str, list[str]] | None = None  # name without its first letter
        self._dept_keys: dict[str, list[str]] = {}  # filled on demand
        self._building = threading.Lock()  # the bot warms them in a thread (warm)

    def __getstate__(self) -> dict[str, object]:
        # Saved with the gazetteer's cache (bot/gazetteer/cache.py): all but the lock.
        return {k: v for k, v in self.__dict__.items() if k != "_building"}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._building = threading.Lock()

    def warm(self) -> None:
        """Build the sound and first-letter indexes now (the bot does it in a thread at
        start-up, so that the first learner with a typo does not wait for them)."""
        self._sound_index()
        self._tail_index()

    def _sound_index(self) -> dict[str, list[str]]:
        with self._building:
            if self._sounds is None:
                sounds: dict[str, list[str]] = defaultdict(list)
                for k in self._sorted_keys:
                    sounds[phonex(k)].append(k)
                self._sounds = sounds
            return self._sounds

    def _tail_index(self) -> dict[str, list[str]]:
        with self._building:
            if self._tails is None:
                tails: dict[str, list[str]] = defaultdict(list)
                for k in self._sorted_keys:
                    if len(k) >= MIN_FIRST_LETTER_TYPO_LETTERS:
                        tails[k[1:]].append(k)
                self._tails = tails
            return self._tails

    def hits(self, key: str, dept: str | None) -> list[Commune]:
        """A name typed wrong: the same sound first ("Moron" → Mauron), then a few wrong
        letters that keep most of them ("Josslin"), then a wrong first letter ("Mloermel")."""
        if key in STOP_WORDS:
            return []
        return (
            self.sound_hits(key, dept)
            or self.fuzzy_hits(key, dept)
            or self.first_letter_hits(key, dept)
        )

    def fuzzy_hits(self, key: str, dept: str | None) -> list[Commune]:
        """Communes at the smallest edit distance within the typo budget of ``key``."""
        budget = _max_typos(key)
        if not budget or key in STOP_WORDS:
            return []
        matches = process.extract(
            key,
            self._choices(key, dept),
            scorer=Levenshtein.distance,
            score_cutoff=budget,
            limit=None,
        )
        # A correction keeps most letters or the sound: never "Paris" → Parisot.
        names = [k for k, _, _ in matches if _keeps_letters_or_sound(key, k)]
        return [
            c for k in _least_edited(key, names) for c in self._keys[k]
            if dept is None or c.departement == dept
        ]  # fmt: skip

    def sound_hits(self, key: str, dept: str | None) -> list[Commune]:
        """Names with the same Phonex key (:mod:`.phonetic`): all of them, since they sound
        alike ("Moron": Mauron, Maron, Mâron); the offer or the population picks one."""
        if len(key.replace(" ", "")) < MIN_SOUND_LETTERS or key in STOP_WORDS:
            return []
        return [
            c
            for k in self._sound_index().get(phonex(key), [])
            for c in self._keys[k]
            if dept is None or c.departement == dept
        ]

    def first_letter_hits(self, key: str, dept: str | None) -> list[Commune]:
        """A wrong first letter, the rest typed right: "Mloermel" → Ploërmel."""
        if len(key) < MIN_FIRST_LETTER_TYPO_LETTERS or key in STOP_WORDS:
            return []
        return self._closest(key, self._tail_index().get(key[1:], []), dept)

    def _closest(self, key: str, names: list[str], dept: str | None) -> list[Commune]:
        """The communes of the ``names`` at the smallest edit distance from ``key``."""
        hits = [(Levenshtein.distance(key, k), c) for k in names for c in self._keys[k]]
        hits = [(d, c) for d, c in hits if dept is None or c.departement == dept]
        best = min((d for d, _ in hits), default=0)
        return [c for d, c in hits if d == best]

    def _choices(self, key: str, dept: str | None) -> list[str]:
        """The keys typo correction compares ``key`` with."""
        if dept is None:
            return self._buckets.get(key[0], [])
        # A département is small enough to scan whole.
        if dept not in self._dept_keys:
            self._dept_keys[dept] = [
                k for k in self._sorted_keys if any(c.departement == dept for c in self._keys[k])
            ]
        return self._dept_keys[dept]
