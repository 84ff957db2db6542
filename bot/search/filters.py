"""Filters of a request: modality ("à distance"), CPF, free, accessible, a radius ("20 km").

:func:`take_filters` marks the words it explains as used in the
:class:`~bot.search.request_words.RequestWords`.
"""

from __future__ import annotations

import re

from bot.search.request_words import RequestWords
from bot.search.topics import STOP_WORDS

_FILTERS: dict[tuple[str, ...], tuple[str, object]] = {}
for _words, _filter in (
    (("a distance", "en distanciel", "distanciel", "en ligne", "en visio", "visio",
      "par visio", "visioconference", "en visioconference", "depuis chez moi",
      "depuis la maison", "sans me deplacer", "online", "remote", "remotely", "distance learning",
      "e learning", "elearning", "foad"), ("modality", "distanciel")),
    (("en presentiel", "presentiel", "sur place", "en vrai", "in person", "face to face"),
     ("modality", "presentiel")),
    (("mixte", "en mixte", "hybride", "en hybride", "blended", "blended learning",
      "multimodal", "multimodale"), ("modality", "blended")),
    (("cpf", "eligible cpf", "eligible au cpf", "eligible a mon cpf", "avec mon cpf",
      "avec le cpf", "finance par le cpf", "financable cpf", "financable par le cpf",
      "pris en charge par le cpf", "compte personnel de formation", "mon compte formation",
      "moncompteformation"), ("cpf_only", True)),
    (("gratuit", "gratuite", "gratuits", "gratuites", "gratos", "free", "free of charge",
      "sans frais"), ("free_only", True)),
    (("accessible", "accessibles", "accessible pmr", "pmr", "fauteuil roulant",
      "en fauteuil", "handicap", "mobilite reduite", "wheelchair", "step free"),
     ("accessible_only", True)),
):  # fmt: skip
    for _w in _words:
        _FILTERS[tuple(_w.split())] = _filter
_MAX_FILTER = max(len(k) for k in _FILTERS)
# "manager une équipe à distance", "vendre en ligne": the phrase belongs to the topic.
_TOPIC_BEFORE_DISTANCE = """
    equipe equipes manager management manage managers managing encadrer travail travailler
    vendre vente ventes boutique magasin commerce presence visible visibilite publicite marketing
    reputation paiement paiements formulaire
"""
_TOPIC_AFTER_DISTANCE = "management manager managers team teams work working worker equipe"
_NOT_MODALITY_AFTER = frozenset(_TOPIC_BEFORE_DISTANCE.split())
_NOT_MODALITY_BEFORE = frozenset(_TOPIC_AFTER_DISTANCE.split())
_KM_WORDS = frozenset({"km", "kms", "kilometre", "kilometres", "kilometer", "kilometers"})
_RADIUS_LEAD = frozenset({"dans", "un", "rayon", "de", "d", "a", "moins", "max", "maximum",
                          "within", "less", "than", "up", "to", "plus"})  # fmt: skip
_KM_RE = re.compile(r"^(\d{1,3})kms?$")


def take_filters(w: RequestWords) -> dict[str, object]:
    """The filters named in the free words (first one of each kind wins), taken out of ``w``."""
    found: dict[str, object] = {}
    _take_phrases(w, found)
    _take_radius(w, found)
    return found


def _take_phrases(w: RequestWords, found: dict[str, object]) -> None:
    """Filter phrases ("en ligne", "éligible CPF"), longest first at each word."""
    n = len(w)
    i = 0
    while i < n:
        for length in range(min(_MAX_FILTER, n - i), 0, -1):
            spec = _FILTERS.get(tuple(w.norm[i : i + length]))
            if spec is None or not w.free(i, i + length):
                continue
            name, value = spec
            if name == "modality" and value == "distanciel" and _topic_phrase(w, i, i + length):
                continue
            found.setdefault(name, value)
            w.use(i, i + length)
            i += length - 1
            break
        i += 1


def _take_radius(w: RequestWords, found: dict[str, object]) -> None:
    """A radius: "dans un rayon de 20 km", "à moins de 15 km", "30km max"."""
    for i in range(len(w)):
        glued = _KM_RE.match(w.norm[i])
        if glued:
            value, start = int(glued.group(1)), i
        elif w.norm[i] in _KM_WORDS and i > 0 and w.norm[i - 1].isdigit():
            value, start = int(w.norm[i - 1]), i - 1
        else:
            continue
        if 1 <= value <= 500 and w.free(start, i + 1):
            found["radius_km"] = float(value)
            while start > 0 and w.norm[start - 1] in _RADIUS_LEAD:
                start -= 1
            w.use(start, i + 1)


def _topic_phrase(w: RequestWords, i: int, j: int) -> bool:
    """Whether "à distance"/"en ligne"/"remote" at [i, j) is part of the topic."""
    before = [w.norm[k] for k in range(i) if w.norm[k] not in STOP_WORDS]
    after = w.norm[j] if j < len(w) else ""
    return (bool(before) and before[-1] in _NOT_MODALITY_AFTER) or after in _NOT_MODALITY_BEFORE
