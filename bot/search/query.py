"""Understanding one free-text request: topic words, place, time window, modality.

:func:`parse_request` turns "je cherche une formation excel pas loin de Ploërmel en mars"
into a :class:`SearchRequest` (topic ``excel``, place Ploërmel, March). It works on words
with their positions in the text, and takes out, in this order: time phrases
(:mod:`bot.search.when`), modality and other filters ("à distance", "éligible CPF",
"gratuit", "accessible PMR", "dans un rayon de 20 km"), the place (a commune or postal code
through :meth:`Gazetteer.find_in_text`, else a département "dans le 56" / "Morbihan"), and
keeps the rest, minus filler words, as the topic. Pure: "now", the time zone, the gazetteer
and the topic table are passed in.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from bot.gazetteer import Commune, Gazetteer, normalize
from bot.geo import haversine_km
from bot.search.departements import COMMON_WORD_NAMES, DEPARTEMENTS, MAX_WORDS
from bot.search.topics import STOP_WORDS, TopicTable, default_topics, stem
from bot.search.when import When, parse_when

__all__ = ["DEFAULT_RADIUS_KM", "MAX_REQUEST_CHARS", "Place", "SearchRequest", "parse_request"]

logger = logging.getLogger(__name__)

DEFAULT_RADIUS_KM = 30.0
# Telegram allows 4,096 characters; a real request is one line. Parsing more would only cost
# time (the place search looks at every group of words).
MAX_REQUEST_CHARS = 300
Modality = Literal["presentiel", "blended", "distanciel"]

_TOKEN_RE = re.compile(r"[^\W_]+")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u2028-\u202e\ufeff]")


@dataclass(frozen=True, slots=True)
class Place:
    """Where the learner wants to go: a commune, a département (its centre) or a point."""

    kind: Literal["commune", "departement", "point"]
    label: str
    latitude: float
    longitude: float
    default_radius_km: float = DEFAULT_RADIUS_KM
    insee: str | None = None
    departement: str | None = None
    corrected: bool = False  # a typo or prefix was corrected: the bot may confirm

    @classmethod
    def from_commune(cls, commune: Commune, *, corrected: bool = False) -> Place:
        """A commune's point with the default radius."""
        return cls(
            "commune",
            commune.label,
            commune.latitude,
            commune.longitude,
            insee=commune.insee,
            departement=commune.departement,
            corrected=corrected,
        )

    @classmethod
    def from_point(cls, latitude: float, longitude: float, label: str = "") -> Place:
        """A shared location (Telegram) or ``--lat/--lon``."""
        return cls("point", label or f"{latitude:.4f}, {longitude:.4f}", latitude, longitude)

    @classmethod
    def from_departement(cls, code: str, name: str, gazetteer: Gazetteer) -> Place | None:
        """A département's population centre, with a radius that covers all of it."""
        centre = gazetteer.departement_centroid(code)
        if centre is None:
            return None
        lat, lon = centre
        # The farthest commune from the centre, rounded up to 10 km: "caces 56" must reach
        # Morbihan's edges, not only the 30 km around its centre.
        farthest = max(
            (
                haversine_km(lat, lon, c.latitude, c.longitude)
                for c in gazetteer.in_departement(code)
            ),
            default=DEFAULT_RADIUS_KM,
        )
        radius = float(min(150, max(40, -(-farthest // 10) * 10)))
        return cls("departement", f"{name} ({code})", lat, lon, radius, departement=code)


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """What a learner asked for, ready for :func:`bot.search.service.search`."""

    text: str
    topic_words: tuple[str, ...] = ()
    place: Place | None = None
    place_text: str = ""
    place_candidates: tuple[Commune, ...] = ()  # ambiguous place: the learner picks one
    unknown_place: str | None = None  # "Tataouine": looked like a place, is not one
    when: When = field(default_factory=When)
    modality: Modality | None = None
    radius_km: float | None = None  # "dans un rayon de 20 km"
    cpf_only: bool = False
    free_only: bool = False
    accessible_only: bool = False
    truncated: bool = False

    @property
    def topic(self) -> str:
        """The topic words as one string ("" when the request names no topic)."""
        return " ".join(self.topic_words)

    def with_place(self, place: Place | None) -> SearchRequest:
        """The same request at another place (home town, shared location, picked candidate)."""
        return dataclasses.replace(self, place=place, place_candidates=(), unknown_place=None)


# --- filters: modality, CPF, price, access ----------------------------------------------------

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

# --- places -----------------------------------------------------------------------------------

_DEPT_LEAD = (("dans", "le"), ("dans", "la"), ("dans", "les"), ("dans", "l"), ("en",),
              ("sur", "le"), ("du",), ("departement",), ("dept",), ("dpt",), ("dep",),
              ("in",))  # fmt: skip
_DEPT_STRONG_LEAD = tuple(
    lead for lead in _DEPT_LEAD if lead[0] in ("dans", "departement", "dept")
)
# Numbers that are quantities, not départements: "14 h", "10 places", "50 euros".
_UNITS_TEXT = """
    h heure heures hrs min minute minutes jour jours j semaine semaines mois an ans annee annees
    euro euros eur e k km kms place places personne personnes pers stagiaire stagiaires
    participant participants eleve eleves pourcent pct fois ieme eme er
"""
_UNIT_WORDS = frozenset(_UNITS_TEXT.split())
_NUMBER_CONTEXT_TEXT = (
    "psc categorie categories cat niveau level r module tome partie version office"
)
_NUMBER_CONTEXT = frozenset(_NUMBER_CONTEXT_TEXT.split())
_PLACE_PREPOSITIONS = (("pres", "de"), ("pres", "du"), ("pres", "d"), ("pres", "des"),
                       ("pas", "loin", "de"), ("pas", "loin", "d"), ("pas", "loin", "du"),
                       ("autour", "de"), ("autour", "d"), ("autour", "du"), ("vers",),
                       ("a", "cote", "de"), ("du", "cote", "de"), ("a", "proximite", "de"),
                       ("aux", "alentours", "de"), ("dans", "le", "coin", "de"), ("near",),
                       ("around",), ("close", "to"))  # fmt: skip
# Prepositions that lead to a place only before a capitalised word ("à Tataouine").
_WEAK_PREPOSITIONS = (("a",), ("au",), ("sur",), ("in",), ("at",))


class _Words:
    """The words of the text with their spans, and which ones are already explained."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.spans = [(m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]
        self.norm = [normalize(text[a:b]).replace(" ", "") for a, b in self.spans]
        self.used = [False] * len(self.spans)

    def __len__(self) -> int:
        return len(self.norm)

    def original(self, i: int, j: int) -> str:
        return self.text[self.spans[i][0] : self.spans[j - 1][1]]

    def use(self, i: int, j: int) -> None:
        for k in range(i, j):
            self.used[k] = True

    def free(self, i: int, j: int) -> bool:
        return 0 <= i <= j <= len(self) and not any(self.used[i:j])


def _clean(text: str) -> tuple[str, bool]:
    """Drop control characters; cut an over-long text at a word boundary."""
    text = _CONTROL_RE.sub(" ", text or "")
    if len(text) <= MAX_REQUEST_CHARS:
        return text, False
    cut = text[:MAX_REQUEST_CHARS]
    space = cut.rfind(" ")
    return (cut[:space] if space > MAX_REQUEST_CHARS // 2 else cut), True


def _take_filters(w: _Words) -> dict[str, object]:
    found: dict[str, object] = {}
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
    # A radius: "dans un rayon de 20 km", "à moins de 15 km", "30km max".
    for i in range(n):
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
    return found


def _topic_phrase(w: _Words, i: int, j: int) -> bool:
    """Whether "à distance"/"en ligne"/"remote" at [i, j) is part of the topic."""
    before = [w.norm[k] for k in range(i) if w.norm[k] not in STOP_WORDS]
    after = w.norm[j] if j < len(w) else ""
    return (bool(before) and before[-1] in _NOT_MODALITY_AFTER) or after in _NOT_MODALITY_BEFORE


def _dept_name(code: str) -> str:
    return next((name for c, name in DEPARTEMENTS.values() if c == code), code)


def _lead_length(w: _Words, i: int, *, strong: bool = False) -> int:
    """Length of a "dans le" / "en" / "département" lead ending just before word ``i``."""
    for lead in _DEPT_STRONG_LEAD if strong else _DEPT_LEAD:
        k = len(lead)
        if i >= k and tuple(w.norm[i - k : i]) == lead and w.free(i - k, i):
            return k
    return 0


def _find_departement_name(w: _Words, gazetteer: Gazetteer) -> tuple[str, str, int, int] | None:
    """(code, name, i, j) of a département named in the free words ("en Haute-Vienne")."""
    n = len(w)
    for i in range(n):
        for length in range(min(MAX_WORDS, n - i), 0, -1):
            key = " ".join(w.norm[i : i + length])
            if key not in DEPARTEMENTS or not w.free(i, i + length):
                continue
            lead = _lead_length(w, i)
            if key in COMMON_WORD_NAMES and _lead_length(w, i, strong=True) == 0:
                continue
            if not lead:
                # "Vienne", "Paris", "Mayenne" are communes too: bare, they are the commune.
                res = gazetteer.resolve(key)
                homonyms = [res.commune] if res.commune else res.candidates
                if any(normalize(c.name) == key for c in homonyms):
                    continue
            return (*DEPARTEMENTS[key], i - lead, i + length)
    return None


def _find_departement_code(w: _Words, gazetteer: Gazetteer) -> tuple[str, str, int, int] | None:
    """(code, name, i, j) of a département number in the free words ("dans le 56", "caces 56")."""
    for i in range(len(w)):
        code = w.norm[i].upper()
        if (
            w.free(i, i + 1)
            and len(code) in (2, 3)
            and gazetteer.is_departement(code)
            and not _is_quantity(w, i)
        ):
            lead = _lead_length(w, i)
            return code, _dept_name(code), i - lead, i + 1
    return None


def _is_quantity(w: _Words, i: int) -> bool:
    """A number that counts something ("14 h") or belongs to a name ("PSC 1", "56 800")."""
    nxt = w.norm[i + 1] if i + 1 < len(w) else ""
    prev = w.norm[i - 1] if i > 0 else ""
    symbol = w.text[w.spans[i][1] :].lstrip()[:1]
    return (
        symbol in ("€", "%", "$", "£")
        or nxt in _UNIT_WORDS
        or (nxt.isdigit() and len(nxt) == 3)
        or prev in _NUMBER_CONTEXT
        or (prev.isdigit() and len(prev) == 2)
    )


def _locate(w: _Words, matched: str) -> tuple[int, int] | None:
    """Word positions of the gazetteer's matched text, preferring the last free occurrence."""
    target = normalize(matched).split()
    k = len(target)
    for i in range(len(w) - k, -1, -1):
        if w.norm[i : i + k] == target and w.free(i, i + k):
            return i, i + k
    return None


def _find_commune(
    w: _Words, gazetteer: Gazetteer, topics: TopicTable
) -> tuple[Commune | None, list[Commune], str]:
    """The gazetteer's best place among the free words, skipping topic words it mistook."""
    rejected: set[int] = set()
    for _ in range(3):
        keep = [k for k in range(len(w)) if not w.used[k] and k not in rejected]
        if not keep:
            break
        text = " ".join(w.text[w.spans[k][0] : w.spans[k][1]] for k in keep)
        commune, candidates, matched = gazetteer.find_in_text(text)
        if not matched:
            break
        span = _locate(w, matched)
        if span is None:
            break
        i, j = span
        words = [stem(x) for x in w.norm[i:j] if x not in STOP_WORDS]
        if not any(x.isdigit() for x in w.norm[i:j]) and all(
            x in topics.vocabulary for x in words
        ):
            # "wordpress", "seo" are topics and "au boulot" filler, not the towns of the
            # same name.
            rejected.update(range(i, j))
            continue
        w.use(i, j)
        return commune, candidates, w.original(i, j)
    return None, [], ""


def _unknown_place(w: _Words, topics: TopicTable) -> tuple[int, int] | None:
    """Words after a place preposition that name nothing known: "près de Tataouine"."""
    n = len(w)
    for i in range(n):
        for lead in _PLACE_PREPOSITIONS + _WEAK_PREPOSITIONS:
            k = len(lead)
            if tuple(w.norm[i : i + k]) != lead or i + k >= n:
                continue
            j = i + k
            if lead in _WEAK_PREPOSITIONS and not w.text[w.spans[j][0]].isupper():
                continue
            end = j
            while (
                end < n
                and end - j < 4
                and not w.used[end]
                and w.norm[end].isalpha()
                and w.norm[end] not in STOP_WORDS
                and stem(w.norm[end]) not in topics.vocabulary
            ):
                end += 1
            if end > j:
                return j, end
    return None


def parse_request(
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    gazetteer: Gazetteer,
    topics: TopicTable | None = None,
) -> SearchRequest:
    """Understand one free-text request (French or English); never raises on odd input."""
    topics = topics or default_topics()
    cleaned, truncated = _clean(text)
    w = _Words(cleaned)

    when, used = parse_when(w.norm, now=now, tz=tz)
    for k in used:
        w.used[k] = True
    filters = _take_filters(w)

    # Département names first, so that "Haute-Vienne" is not read as the commune Vienne.
    dept = _find_departement_name(w, gazetteer)
    if dept is not None:
        w.use(dept[2], dept[3])
    commune, candidates, place_text = _find_commune(w, gazetteer, topics)
    if commune is None and candidates and dept is not None:
        # "Ruffec en Charente": the département picks among homonyms.
        in_dept = [c for c in candidates if c.departement == dept[0]]
        if len(in_dept) == 1:
            commune, candidates = in_dept[0], []
    place: Place | None = None
    if commune is not None:
        # find_in_text does not tell whether it corrected a typo; resolve() does.
        corrected = not place_text[:1].isdigit() and gazetteer.resolve(place_text).corrected
        place = Place.from_commune(commune, corrected=corrected)
        candidates = []
    elif not candidates:
        dept = dept or _find_departement_code(w, gazetteer)
        if dept is not None:
            code, name, i, j = dept
            place = Place.from_departement(code, name, gazetteer)
            place_text = w.original(i, j)
            w.use(i, j)
    unknown: str | None = None
    if place is None and not candidates:
        span = _unknown_place(w, topics)
        if span is not None:
            unknown = w.original(*span)
            w.use(*span)

    topic_words = tuple(
        w.norm[k]
        for k in range(len(w))
        if not w.used[k] and w.norm[k] and w.norm[k] not in STOP_WORDS
    )
    request = SearchRequest(
        text=cleaned,
        topic_words=topic_words,
        place=place,
        place_text=place_text,
        place_candidates=tuple(candidates),
        unknown_place=unknown,
        when=when,
        modality=filters.get("modality"),  # type: ignore[arg-type]
        radius_km=filters.get("radius_km"),  # type: ignore[arg-type]
        cpf_only=bool(filters.get("cpf_only")),
        free_only=bool(filters.get("free_only")),
        accessible_only=bool(filters.get("accessible_only")),
        truncated=truncated,
    )
    logger.debug("parsed %r → %s", cleaned[:80], request)
    return request
