"""The topic table: the concepts learners search for, their synonyms and broader terms.

The table itself is data, hand-kept in ``data/topics.toml`` (its header explains the format
and how to edit it). This module turns text into matching words and finds concepts in them:

* :func:`words` – the matching form of a text: normalised like the gazetteer (lower case, no
  accents or punctuation), without stop words (French and English function words, request
  filler such as "je cherche une formation"), plural "s" dropped;
* :class:`TopicTable` – the concepts, found in a word sequence by :meth:`TopicTable.segment`
  (longest term first, from the left), and expanded to narrower concepts by
  :meth:`TopicTable.closure`.

Pure and synchronous; the table is loaded once per process by :func:`default_topics`.
"""

from __future__ import annotations

import functools
import logging
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bot.gazetteer import normalize

__all__ = [
    "STOP_WORDS",
    "Concept",
    "Segment",
    "TopicTable",
    "default_topics",
    "normalize",
    "stem",
    "words",
]

logger = logging.getLogger(__name__)

DEFAULT_PATH = Path(__file__).resolve().parent.parent.parent / "data" / "topics.toml"

Kind = Literal["subject", "qualifier"]

# Words that never carry the topic of a request, in the normalised form. Function words (so
# that "prise de parole" and "prise parole" are one phrase), request filler ("je cherche une
# formation", "svp", "bonjour"), and generic training words ("cours", "stage", "atelier"):
# a request that says "formation" says nothing about *what*. Topic words must never be here
# (a test checks that no term of the table is reduced to nothing).
_STOP_WORDS_TEXT = """
    a ai as au aux avec c ca ce ceci cela ces cet cette chez ci d dans de des du elle elles en
    es est et etc eu il ils j je l la le les leur leurs lui m ma mais me mes moi mon n ne ni
    nos notre nous on ou par pas peu peux peut plus pour qu que quel quelle quelles quels qui
    quoi s sa sans se ses si son sont sur t ta te tes toi ton tous tout toute toutes tu un une
    vos votre vous y
    bonjour bonsoir salut coucou hello hi hey merci svp stp plait please thanks thank
    cherche cherches chercher recherche recherches rechercher trouver trouve voudrais
    voudrait veux veut voulais voulait vouloir aimerais aimerait aime souhaite souhaiterais
    souhaitons besoin faut falloir interesse interessee interesses interessant connaitre
    existe existent avez aviez auriez aurais aurait pourriez pourrais pourrait pouvez
    connaissez savez organisez organisent proposent
    ya propose proposez proposer possible possibles quelque chose qqch truc
    serait suis sommes avoir fait faire suivre passer obtenir prendre aller venir
    apprendre apprends appris former forme formez
    formation formations cours stage stages atelier ateliers session sessions module modules
    seance seances programme programmes cursus enseignement apprentissage lecon lecons
    conference conferences reunion reunions info infos information informations
    place places dispo disponible disponibles inscription inscriptions inscrire
    organisme organismes sujet theme comment boulot taf taff
    loin pres proche autour cote proximite alentours environs coin secteur vers km
    tres super bon bonne vraiment aussi encore deja rapidement trop plutot beaucoup
    idealement retrouver demandeur demandeuse
    urgent urgence prochainement bientot possible svp
    i im me my we you your the an of to for in on at near around with about some any
    is are am be do can could would like want wanna need looking look find get learn
    learning course courses class classes training trainings workshop workshops lesson
    lessons session program programme
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


def stem(word: str) -> str:
    """Fold plurals so that "tableaux", "chariots" and "caces" compare equal to their singular.

    Deliberately crude and applied to both sides (table, sessions, requests): it only has to
    be consistent, not linguistic ("anglais" becomes "anglai" everywhere).
    """
    if len(word) > 4 and word.endswith(("aux", "eux")):
        return word[:-1]
    if len(word) > 3 and word[-1] == "s" and word[-2] not in "su":
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """The matching words of ``text``: normalised, stop words removed, stemmed.

    Normalising is local to each whitespace-separated chunk (case, accents and punctuation
    never cross a space), and catalogues repeat their chunks ("Excel", "niveau", "(14"):
    each chunk is normalised once, which makes indexing 93,000 varied titles a few times
    faster."""
    out: list[str] = []
    for chunk in text.split():
        out.extend(_chunk_words(chunk))
    return out


@functools.lru_cache(maxsize=1 << 16)
def _chunk_words(chunk: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in _chunk_normalized(chunk).split() if w not in STOP_WORDS)


def normalized(text: str) -> str:
    """:func:`bot.gazetteer.normalize`, one cached chunk at a time (see :func:`words`)."""
    return " ".join(n for n in map(_chunk_normalized, text.split()) if n)


@functools.lru_cache(maxsize=1 << 16)
def _chunk_normalized(chunk: str) -> str:
    return normalize(chunk)


@dataclass(frozen=True, slots=True)
class Concept:
    """One entry of the topic table."""

    id: str
    label: str
    kind: Kind
    terms: tuple[tuple[str, ...], ...]  # each term as matching words
    narrower: tuple[str, ...] = ()
    label_en: str = ""  # the English label; the French one when empty

    def __post_init__(self) -> None:
        if not self.label_en:
            object.__setattr__(self, "label_en", self.label)


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of words: ``concept`` is the id of the concept they name, or None for one word."""

    start: int
    end: int
    concept: str | None


class TopicTable:
    """The concepts of ``data/topics.toml``, indexed for phrase look-up."""

    def __init__(self, concepts: Iterable[Concept]) -> None:
        """Index ``concepts``; refuses unknown narrower ids and terms shared by two concepts."""
        self.concepts: dict[str, Concept] = {}
        self._phrases: dict[tuple[str, ...], str] = {}
        for concept in concepts:
            if concept.id in self.concepts:
                raise ValueError(f"topic table: concept {concept.id!r} defined twice")
            self.concepts[concept.id] = concept
            for term in concept.terms:
                if not term:
                    raise ValueError(f"topic table: an empty term in {concept.id!r}")
                owner = self._phrases.setdefault(term, concept.id)
                if owner != concept.id:
                    raise ValueError(
                        f"topic table: term {' '.join(term)!r} is in both {owner!r} "
                        f"and {concept.id!r}"
                    )
        for concept in self.concepts.values():
            for child in concept.narrower:
                if child not in self.concepts:
                    raise ValueError(f"topic table: {concept.id!r} → unknown {child!r}")
        # First word → the longest term starting with it: most words start none.
        self._starts: dict[str, int] = {}
        for phrase in self._phrases:
            self._starts[phrase[0]] = max(len(phrase), self._starts.get(phrase[0], 0))
        self._closures: dict[str, frozenset[str]] = {}
        # Every word of every term: typo correction aims at these (and at the sessions' words).
        self.vocabulary = frozenset(w for p in self._phrases for w in p)

    @classmethod
    def load(cls, path: Path | None = None) -> TopicTable:
        """Read a topic table file (``data/topics.toml`` by default)."""
        path = path or DEFAULT_PATH
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
        concepts = []
        for cid, entry in raw.get("concepts", {}).items():
            kind = entry.get("kind", "subject")
            if kind not in ("subject", "qualifier"):
                raise ValueError(f"topic table: {cid!r} has unknown kind {kind!r}")
            terms: dict[tuple[str, ...], None] = {}  # ordered and without repeats
            for term in entry.get("terms", []):
                key = tuple(words(term))
                # A phrase cut down to one word by stop words ("premiers pas" → "premier")
                # would match far more than it means: write the single word if that is meant.
                if len(key) < min(2, len(normalize(term).split())):
                    raise ValueError(
                        f"topic table: term {term!r} of {cid!r} keeps {len(key)} word(s) "
                        "once stop words are removed"
                    )
                terms[key] = None
            label = entry.get("label", cid)
            concepts.append(
                Concept(
                    cid,
                    label,
                    kind,
                    tuple(terms),
                    tuple(entry.get("narrower", ())),
                    entry.get("label_en", label),
                )
            )
        table = cls(concepts)
        logger.debug(
            "topic table: %d concepts, %d terms", len(table.concepts), len(table._phrases)
        )
        return table

    def __len__(self) -> int:
        return len(self.concepts)

    def segment(self, tokens: Sequence[str]) -> list[Segment]:
        """Split matching words into concept terms (longest first, from the left) and others."""
        out: list[Segment] = []
        phrases, starts, n, i = self._phrases, self._starts, len(tokens), 0
        while i < n:
            for length in range(min(starts.get(tokens[i], 0), n - i), 0, -1):
                concept = phrases.get(tuple(tokens[i : i + length]))
                if concept is not None:
                    out.append(Segment(i, i + length, concept))
                    i += length
                    break
            else:
                out.append(Segment(i, i + 1, None))
                i += 1
        return out

    def concepts_in(self, tokens: Sequence[str]) -> set[str]:
        """The ids of the concepts named in a word sequence."""
        return {s.concept for s in self.segment(tokens) if s.concept is not None}

    def closure(self, concept_id: str) -> frozenset[str]:
        """The concept and every concept narrower than it, transitively."""
        cached = self._closures.get(concept_id)
        if cached is None:
            seen: set[str] = set()
            stack = [concept_id]
            while stack:
                cid = stack.pop()
                if cid not in seen:
                    seen.add(cid)
                    stack.extend(self.concepts[cid].narrower)
            cached = self._closures[concept_id] = frozenset(seen)
        return cached


@functools.lru_cache(maxsize=1)
def default_topics() -> TopicTable:
    """The table of ``data/topics.toml``, loaded once per process."""
    return TopicTable.load()
