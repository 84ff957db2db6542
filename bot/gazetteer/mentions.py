"""Mentions: the most plausible place named in a free French sentence.

"une formation excel pas loin de Ploërmel en mars" → Ploërmel. Four steps, in order of trust
(:func:`find_in_text`): a postal code anywhere, a name right after a place preposition, an
exact name anywhere, a capitalised name that sounds like a commune. Name matching itself is
:class:`~bot.gazetteer.resolution.Gazetteer`'s.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rapidfuzz.distance import Indel

from bot.gazetteer.communes import ARTICLES, POSTCODE_RE, STOP_WORDS, Commune, fold, normalize
from bot.gazetteer.ranking import MAX_CANDIDATES, Resolution, rank

if TYPE_CHECKING:  # only for annotations: resolution imports this module
    from bot.gazetteer.resolution import Gazetteer

# (commune, candidates, matched text), as returned by find_in_text.
Mention = tuple[Commune | None, list[Commune], str]

# Words that may sit inside a commune name but never start or end one on their own.
CONNECTORS = frozenset(
    {"sur", "sous", "en", "le", "la", "les", "de", "du", "des", "d", "l", "et", "aux", "au"}
)
# Place prepositions, as normalized token sequences. The value is the article implied by
# a contracted form ("au Mans" = "à le Mans", "près du Mans").
_PREPOSITION_PHRASES: dict[tuple[str, ...], str] = {}
for _head in (
    ("pres",),
    ("pas", "loin"),
    ("autour",),
    ("proche",),
    ("a", "cote"),
    ("du", "cote"),
    ("a", "proximite"),
    ("aux", "alentours"),
    ("dans", "le", "coin"),
    ("dans", "le", "secteur"),
    ("dans", "la", "region"),
    ("non", "loin"),
):
    _PREPOSITION_PHRASES[(*_head, "de")] = ""
    _PREPOSITION_PHRASES[(*_head, "d")] = ""
    _PREPOSITION_PHRASES[(*_head, "du")] = "le"
    _PREPOSITION_PHRASES[(*_head, "des")] = "les"
for _single, _article in (("a", ""), ("au", "le"), ("aux", "les"), ("vers", ""), ("sur", "")):
    _PREPOSITION_PHRASES[(_single,)] = _article
# English speakers' ("excel near Moron"); "in" is left out: "in English", "in March".
for _english in (("near",), ("around",), ("close", "to")):
    _PREPOSITION_PHRASES[_english] = ""
_MAX_PREPOSITION_LEN = max(len(p) for p in _PREPOSITION_PHRASES)

_AMOUNT_RE = re.compile(r"\s*(?:€|eur\b|euros?\b|e\b|k€|h\b|km\b|heures?\b)", re.I)
# A spaced postal code ("56 800") only counts right after a place preposition.
_AFTER_PLACE_RE = re.compile(
    r"(?:\b(?:à|a|au|de|du|vers|sur|autour d[eu]|dans le)|près de|pres de)\s*$", re.I
)
_TOKEN_RE = re.compile(r"[^\W_]+")
# Longest n-gram tried as a name.
_MAX_NAME_WORDS = 4
# Shortest capitalised name found by its sound alone, without a place preposition.
MIN_SOUND_ANYWHERE = 6
# An uncapitalised last word is a town only one letter missing or extra from its name
# ("anglais josslin"): sounds and wrong letters would turn topics into towns ("french" →
# Branches, "chantier" → Champier).
MAX_LOWERCASE_INDEL = 1
# ...of at least 7 letters, and one of the small towns Proxi serves (Petites Villes de
# Demain): "permis poids lourds" is no Lourdes, "cours de violon" no Volon.
MIN_LOWERCASE_TYPO = 7


@dataclass(frozen=True, slots=True)
class _Sentence:
    """The words of a sentence (normalized) with where each one stands in the text."""

    text: str
    spans: list[tuple[int, int]]
    words: list[str]

    @classmethod
    def of(cls, text: str) -> _Sentence:
        spans = [(t.start(), t.end()) for t in _TOKEN_RE.finditer(text)]
        return cls(text, spans, [_word(text, a, b) for a, b in spans])

    def phrase(self, i: int, j: int) -> str:
        """The original text of words ``i`` to ``j`` (excluded)."""
        return self.text[self.spans[i][0] : self.spans[j - 1][1]]

    def hyphenated(self, i: int) -> bool:
        """Word ``i`` is tied to the one before by a hyphen: inside a compound name."""
        return i > 0 and self.text[self.spans[i - 1][1] : self.spans[i][0]] == "-"


def _word(text: str, start: int, end: int) -> str:
    """The normalized word at ``text[start:end]``; "S." is "Saint" ("S. Méen"), "S" alone
    is not (its period is what says it is an abbreviation)."""
    word = normalize(text[start:end])
    return "saint" if word == "s" and text[end : end + 1] == "." else word


def find_in_text(gazetteer: Gazetteer, text: str) -> Mention:
    """Find the most plausible place mention in a free French sentence.

    Returns ``(commune, candidates, matched_text)`` with the same meaning as
    :class:`Resolution` (``commune`` None and ``candidates`` set when ambiguous), and
    ``(None, [], "")`` when nothing looks like a place. In order of trust:

    1. a postal code anywhere ("bureautique près de 56800");
    2. a name right after a place preposition ("à", "près de", "pas loin de", "vers",
       "sur", "autour de", "au"...), exact, then by prefix, then with typo correction;
    3. an exact name anywhere, scanning from the end;
    4. a capitalised name anywhere that sounds like a commune ("anglais Ploermelle"), or
       an uncapitalised last word that both sounds like one and keeps most of its letters
       ("anglais josslin").

    Words of :data:`STOP_WORDS` (topics such as "excel" or "anglais", months, common
    words) never count on their own, and are never typo-corrected.
    """
    found = _postcode_mention(gazetteer, text)
    if found is None:
        sentence = _Sentence.of(text)
        found = (
            _after_preposition(gazetteer, sentence)
            or _anywhere(gazetteer, sentence)
            or _capitalised_sound(gazetteer, sentence)
        )
    return found or (None, [], "")


def _postcode_mention(gazetteer: Gazetteer, text: str) -> Mention | None:
    """Step 1: the first known postal code of ``text`` that is not an amount."""
    for m in POSTCODE_RE.finditer(text):
        # "12 500 euros" is a price, not Espalion's postal code.
        spaced = " " in m.group(0)
        if _AMOUNT_RE.match(text, m.end()) or (
            spaced and not _AFTER_PLACE_RE.search(text[: m.start()])
        ):
            continue
        communes = gazetteer.by_postcode(m.group(1) + m.group(2))
        if communes:
            return communes[0], communes[1:MAX_CANDIDATES], m.group(0)
    return None


def _after_preposition(gazetteer: Gazetteer, sentence: _Sentence) -> Mention | None:
    """Step 2: a name right after a place preposition.

    Exact names everywhere first, then by prefix, then without article, then with typos;
    longest n-gram first at each step.
    """
    starts = _preposition_ends(sentence)
    n = len(sentence.words)
    for step in ("exact", "prefix", "loose", "fuzzy"):
        for start, article in starts:
            for j in range(start + min(_MAX_NAME_WORDS, n - start), start, -1):
                gram = sentence.words[start:j]
                if not _may_be_name(gram):
                    continue
                hits = _hits_after_preposition(
                    gazetteer, step, gram, sentence.phrase(start, j), article
                )
                if hits:
                    found = rank(hits, corrected=step in ("prefix", "fuzzy"))
                    return _answer(gazetteer, sentence, found, start, j)
    return None


def _preposition_ends(sentence: _Sentence) -> list[tuple[int, str]]:
    """Where place prepositions end, with the article a contraction implies ("au"). The
    "sur" of "Entraygues-sur-Truyère" is part of the name, not a preposition."""
    words = sentence.words
    starts: list[tuple[int, str]] = []
    for i in range(len(words)):
        if sentence.hyphenated(i):
            continue
        for length in range(_MAX_PREPOSITION_LEN, 0, -1):
            head = tuple(words[i : i + length])
            if head in _PREPOSITION_PHRASES:
                starts.append((i + length, _PREPOSITION_PHRASES[head]))
                break
    return starts


def _hits_after_preposition(
    gazetteer: Gazetteer, step: str, gram: list[str], phrase: str, article: str
) -> list[Commune]:
    """The communes one matching ``step`` finds for the words ``gram`` (``phrase`` as typed)."""
    key = " ".join(gram)
    if step == "exact":
        folded = fold(phrase)
        hits = gazetteer.exact_hits(key, folded, None)
        if not hits and article:
            hits = gazetteer.exact_hits(f"{article} {key}", f"{article} {folded}", None)
        return hits
    if step == "prefix":
        return gazetteer.prefix_hits(key, None)
    if step == "loose":
        return gazetteer.loose_hits(key, None)
    # A stop word is never typo-corrected, even inside a longer phrase.
    return [] if any(w in STOP_WORDS for w in gram) else gazetteer.typo_hits(key, None)


def _anywhere(gazetteer: Gazetteer, sentence: _Sentence) -> Mention | None:
    """Step 3: no preposition led anywhere, an exact name anywhere, from the end.

    A lone stop-list word ("excel", "mars") or a word of one or two letters never counts.
    """
    for step in ("exact", "loose"):
        for i, j in _grams_from_the_end(len(sentence.words)):
            gram = sentence.words[i:j]
            if not _may_be_name(gram) or (j - i == 1 and len(gram[0]) < 3):
                continue
            key = " ".join(gram)
            if step == "exact":
                hits = gazetteer.exact_hits(key, fold(sentence.phrase(i, j)), None)
            else:
                hits = gazetteer.loose_hits(key, None)
            if hits:
                return _answer(gazetteer, sentence, rank(hits), i, j)
    return None


def _capitalised_sound(gazetteer: Gazetteer, sentence: _Sentence) -> Mention | None:
    """Step 4: a capitalised name anywhere that sounds like a commune ("anglais Ploermelle").

    The capital is what people write for a town and rarely for a topic; only the sound
    counts here (no edit distance), on at least :data:`MIN_SOUND_ANYWHERE` letters. Without
    the capital, only the sentence's last word, with one letter missing or extra, and a
    Petite Ville de Demain (:data:`MAX_LOWERCASE_INDEL`): a lowercase word is more often a
    topic.
    """
    n = len(sentence.words)
    for i, j in _grams_from_the_end(n):
        gram = sentence.words[i:j]
        if (
            not _may_be_name(gram)
            or any(w in STOP_WORDS for w in gram)
            or len("".join(gram)) < MIN_SOUND_ANYWHERE
        ):
            continue
        key = " ".join(gram)
        if sentence.text[sentence.spans[i][0]].isupper():
            hits = gazetteer.sound_hits(key, None)
        elif (i, j) == (n - 1, n) and len(key) >= MIN_LOWERCASE_TYPO:
            hits = [
                c
                for c in gazetteer.fuzzy_hits(key, None)
                if c.pvd and Indel.distance(key, normalize(c.name)) <= MAX_LOWERCASE_INDEL
            ]
        else:
            continue
        if hits:
            return _answer(gazetteer, sentence, rank(hits, corrected=True), i, j)
    return None


def _grams_from_the_end(n: int) -> Iterator[tuple[int, int]]:
    """(start, end) of the n-grams of ``n`` words: last end first, longest first."""
    for j in range(n, 0, -1):
        for length in range(min(_MAX_NAME_WORDS, j), 0, -1):
            yield j - length, j


def _may_be_name(gram: list[str]) -> bool:
    """A name neither starts nor ends with "sur", "de"...; numbers and stop words are not names."""
    return not (
        gram[-1] in CONNECTORS
        or gram[0] in CONNECTORS - ARTICLES
        or any(w.isdigit() for w in gram)
        or all(w in STOP_WORDS for w in gram)
    )


def _answer(
    gazetteer: Gazetteer, sentence: _Sentence, found: Resolution, i: int, j: int
) -> Mention:
    """The mention of words ``i`` to ``j``, narrowed by a département code right after it."""
    words = sentence.words
    # "Saint-Martin 32": a département code right after an ambiguous name.
    if found.ambiguous and j < len(words) and gazetteer.is_departement(words[j]):
        hinted = gazetteer.match_name(sentence.phrase(i, j), words[j].upper(), fuzzy=False)
        if hinted.found or hinted.ambiguous:
            found = hinted
    return found.commune, found.candidates, sentence.phrase(i, j)
