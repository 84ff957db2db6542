"""Understanding one free-text request: topic words, place, time window, modality.

:func:`parse_request` turns "je cherche une formation excel pas loin de Ploërmel en mars"
into a :class:`SearchRequest` (topic ``excel``, place Ploërmel, March). It works on words
with their positions in the text, and takes out, in this order: time phrases
(:mod:`bot.search.when`), modality and other filters ("à distance", "éligible CPF",
"gratuit", "accessible PMR", "dans un rayon de 20 km"), the place (a commune or postal code
through :meth:`Gazetteer.find_in_text`, else a département "dans le 56" / "Morbihan"), and
keeps the rest, minus filler words, as the topic. Pure: "now", the time zone, the gazetteer
and the topic table are passed in.

The words and what is already explained are :mod:`bot.search.request_words`; the filters
:mod:`bot.search.filters`; the place finders :mod:`bot.search.places`.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from bot.gazetteer import Commune, Gazetteer
from bot.gazetteer.communes import expand_saint
from bot.geo import haversine_km
from bot.search.filters import take_filters
from bot.search.places import (
    DepartementSpan,
    find_commune,
    find_departement_code,
    find_departement_name,
    find_region_name,
    unknown_place,
)
from bot.search.request_words import RequestWords
from bot.search.topics import STOP_WORDS, TopicTable, default_topics
from bot.search.when import When, parse_when

__all__ = ["DEFAULT_RADIUS_KM", "MAX_REQUEST_CHARS", "Place", "SearchRequest", "parse_request"]

logger = logging.getLogger(__name__)

DEFAULT_RADIUS_KM = 30.0
# Telegram allows 4,096 characters; a real request is one line. Parsing more would only cost
# time (the place search looks at every group of words).
MAX_REQUEST_CHARS = 300
Modality = Literal["presentiel", "blended", "distanciel"]

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u2028-\u202e\ufeff]")


@dataclass(frozen=True, slots=True)
class Place:
    """Where the learner wants to go: a commune, a département (its centre) or a point."""

    kind: Literal["commune", "departement", "region", "point"]
    label: str
    latitude: float
    longitude: float
    default_radius_km: float = DEFAULT_RADIUS_KM
    insee: str | None = None
    departement: str | None = None
    corrected: bool = False  # a typo or prefix was corrected: the bot may confirm
    # A département or a region: only the spaces of these départements count.
    area: tuple[str, ...] = ()
    region: str | None = None

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
        return cls(
            "departement", f"{name} ({code})", lat, lon, radius, departement=code, area=(code,)
        )

    @classmethod
    def from_region(cls, code: str, name: str, gazetteer: Gazetteer) -> Place | None:
        """A region: its population centre, a radius reaching its farthest commune, and its
        départements as the area (results nearest the centre first)."""
        communes = gazetteer.in_region(code)
        if not communes:
            return None
        total = sum(c.population + 1 for c in communes)
        lat = sum(c.latitude * (c.population + 1) for c in communes) / total
        lon = sum(c.longitude * (c.population + 1) for c in communes) / total
        farthest = max(haversine_km(lat, lon, c.latitude, c.longitude) for c in communes)
        radius = float(-(-farthest // 10) * 10)
        area = tuple(sorted({c.departement for c in communes}))
        return cls("region", name, lat, lon, radius, area=area, region=code)


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """What a learner asked for, ready for :func:`bot.search.service.search`."""

    text: str
    topic_words: tuple[str, ...] = ()
    place: Place | None = None
    place_text: str = ""
    place_candidates: tuple[Commune, ...] = ()  # ambiguous place: the learner picks one
    unknown_place: str | None = None  # "Tataouine": looked like a place, is not one
    # The commune found and the others the learner may mean (namesakes, longer names,
    # sound-alikes), most populous first: the offer picks among them (bot.search.homonyms).
    namesakes: tuple[Commune, ...] = ()
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
        return dataclasses.replace(
            self, place=place, place_candidates=(), unknown_place=None, namesakes=()
        )


def _clean(text: str) -> tuple[str, bool]:
    """Drop control characters, read "S. Méen" as "Saint Méen"; cut an over-long text at a
    word boundary."""
    text = expand_saint(_CONTROL_RE.sub(" ", text or ""))
    if len(text) <= MAX_REQUEST_CHARS:
        return text, False
    cut = text[:MAX_REQUEST_CHARS]
    space = cut.rfind(" ")
    return (cut[:space] if space > MAX_REQUEST_CHARS // 2 else cut), True


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
    w = RequestWords(cleaned)

    when, used = parse_when(w.norm, now=now, tz=tz)
    for k in used:
        w.used[k] = True
    filters = take_filters(w)
    place, place_text, candidates = _take_place(w, gazetteer, topics)
    namesakes = _namesakes(place, place_text, candidates, gazetteer)
    unknown: str | None = None
    if place is None and not candidates:
        span = unknown_place(w, topics)
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
        namesakes=namesakes,
        when=when,
        modality=filters.get("modality"),  # type: ignore[arg-type]  # filters were parsed to this field's values
        radius_km=filters.get("radius_km"),  # type: ignore[arg-type]  # filters were parsed to this field's values
        cpf_only=bool(filters.get("cpf_only")),
        free_only=bool(filters.get("free_only")),
        accessible_only=bool(filters.get("accessible_only")),
        truncated=truncated,
    )
    logger.debug("parsed %r → %s", cleaned[:80], request)
    return request


def _take_place(
    w: RequestWords, gazetteer: Gazetteer, topics: TopicTable
) -> tuple[Place | None, str, list[Commune]]:
    """(place, its text, homonyms to choose from) of the free words, taken out of ``w``."""
    # Département names first, so that "Haute-Vienne" is not read as the commune Vienne.
    dept = find_departement_name(w, gazetteer)
    if dept is not None:
        w.use(dept[2], dept[3])
    commune, candidates, place_text = find_commune(w, gazetteer, topics)
    if commune is None and candidates and dept is not None:
        commune, candidates = _in_departement(candidates, dept)
    if commune is not None:
        # find_in_text does not tell whether it corrected a typo; resolve() does.
        corrected = not place_text[:1].isdigit() and gazetteer.resolve(place_text).corrected
        return Place.from_commune(commune, corrected=corrected), place_text, []
    if candidates:
        return None, place_text, candidates
    dept = dept or find_departement_code(w, gazetteer)
    if dept is None:
        region = find_region_name(w)
        if region is None:
            return None, place_text, []
        code, name, i, j = region
        w.use(i, j)
        return Place.from_region(code, name, gazetteer), w.original(i, j), []
    code, name, i, j = dept
    w.use(i, j)
    return Place.from_departement(code, name, gazetteer), w.original(i, j), []


def _namesakes(
    place: Place | None, place_text: str, candidates: list[Commune], gazetteer: Gazetteer
) -> tuple[Commune, ...]:
    """The commune found and those the learner may mean instead ("Murat": both Murat)."""
    if place is None or place.insee is None or place_text[:1].isdigit():
        return ()
    commune = gazetteer.by_insee(place.insee)
    if commune is None:
        return ()
    found = gazetteer.namesakes(commune)
    return tuple(found) if len(found) > 1 else ()


def _in_departement(
    candidates: list[Commune], dept: DepartementSpan
) -> tuple[Commune | None, list[Commune]]:
    """ "Ruffec en Charente": the département picks among homonyms when it leaves just one."""
    in_dept = [c for c in candidates if c.departement == dept[0]]
    if len(in_dept) == 1:
        return in_dept[0], []
    return None, candidates
