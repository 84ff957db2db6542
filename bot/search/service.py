"""The search service: a parsed request and the index in, ranked results and flags out.

:func:`search` applies the product's rules: cancelled and past sessions never appear, full
ones do (flagged, for the waitlist); results are ranked by relevance, then distance, then
date; the radius (30 km by default) widens to 50 then 100 km when nothing is found; one
organisation's course offered at many dates or places shows once, with "+N autres dates".
The outcome also says what the handler must ask or explain: no place known, an ambiguous
or unknown place, a topic that nothing in the catalogue matches.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from bot.gazetteer import Commune
from bot.search.index import Filters, Hit, SearchIndex, SessionDoc
from bot.search.query import Place, SearchRequest
from bot.search.retrieval import Found, rank_key
from bot.search.scores import Scores

__all__ = ["WIDENING_STEPS_KM", "IndexSource", "SearchOutcome", "SearchResult", "search"]

logger = logging.getLogger(__name__)

WIDENING_STEPS_KM = (50.0, 100.0)
# What a requested modality accepts: a blended course has in-person sessions.
_MODALITIES = {
    "presentiel": frozenset({"presentiel", "blended"}),
    "blended": frozenset({"blended"}),
    "distanciel": frozenset({"distanciel"}),
}


@dataclass(frozen=True, slots=True)
class SearchResult:
    """One line of the result list: a session, and how many other dates its group has."""

    session: SessionDoc
    score: float
    distance_km: float | None  # 1 decimal; None when no place is known
    seats_left: int
    full: bool
    other_dates: int = 0  # the same course by the same organisation, other dates or places


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    """Results, best first, and what the handler should tell or ask the learner."""

    request: SearchRequest
    results: tuple[SearchResult, ...] = ()
    total: int = 0  # results before ``limit`` (at least ``limit`` when not ``total_exact``)
    total_exact: bool = True  # False: the search stopped once the first ``limit`` were sure
    place: Place | None = None
    radius_km: float | None = None  # the radius used (after widening); None: no distance filter
    widened: bool = False
    needs_place: bool = False  # no place known: ask for the town or the location
    place_candidates: tuple[Commune, ...] = ()  # ambiguous place: ask which one
    unknown_place: str | None = None  # "Tataouine": say it is unknown
    no_topic_match: bool = False  # the topic matches nothing anywhere: say so, offer an alert
    concepts: tuple[str, ...] = ()  # labels of the concepts understood ("Excel")
    concepts_en: tuple[str, ...] = ()  # the same, English labels ("English" for "Anglais")
    concept_ids: tuple[str, ...] = ()  # their ids in data/topics.toml ("excel"), for statistics
    corrections: tuple[tuple[str, str], ...] = ()  # typos corrected ("exel" → "excel")


def _rank_key(hit: Hit) -> tuple[int, float, float, str]:
    doc = hit.doc
    return rank_key(hit.score, hit.distance_km, doc.starts_at.timestamp(), doc.external_id)


class IndexSource(Protocol):
    """What builds an index for one request (:class:`bot.search.prefilter.DatabaseSource`)."""

    def index_for(
        self, request: SearchRequest, *, now: datetime, radius_km: float | None = None
    ) -> SearchIndex: ...


def search(
    index: SearchIndex | IndexSource,
    request: SearchRequest,
    *,
    now: datetime,
    radius_km: float | None = None,
    limit: int | None = None,
    widen: bool = True,
) -> SearchOutcome:
    """Find the sessions that fit ``request`` (see the module docstring).

    ``radius_km`` overrides the request's radius ("dans un rayon de 20 km") and the place's
    default (30 km, more for a département). ``widen=False`` keeps the radius as given.
    ``limit`` returns only the best ``limit`` results, found without visiting the others.
    ``index`` may be an :class:`IndexSource`, which builds a small index for this request.
    """
    if now.tzinfo is None:
        raise ValueError("search needs an aware 'now'")
    if request.unknown_place:
        return SearchOutcome(request, unknown_place=request.unknown_place)
    if request.place is None and request.place_candidates:
        return SearchOutcome(request, place_candidates=request.place_candidates)
    if not isinstance(index, SearchIndex):
        index = index.index_for(request, now=now, radius_km=radius_km)

    query = index.compile(request.topic_words)
    scores = index.match(query)
    concepts = [index.topics.concepts[c] for c in query.concept_ids]
    base = SearchOutcome(
        request,
        place=request.place,
        needs_place=request.place is None,
        concepts=tuple(c.label for c in concepts),
        concepts_en=tuple(c.label_en for c in concepts),
        concept_ids=tuple(c.id for c in concepts),
        corrections=query.corrections,
    )
    if not scores:
        logger.debug("search %r: the topic matches nothing", request.topic)
        return replace(base, no_topic_match=not query.empty)

    filters = _filters(request, now)
    found, used_radius, widened = _retrieve(
        index, scores, filters, request, radius_km=radius_km, widen=widen, limit=limit
    )
    hits = sorted(found.hits, key=_rank_key)
    shown = hits if limit is None else hits[: max(0, limit)]
    where = request.place.label if request.place else "-"
    logger.debug("search %r near %s: %d results (radius %s km%s)", request.topic, where,
                 found.total, used_radius, ", widened" if widened else "")  # fmt: skip
    return replace(
        base,
        results=tuple(_result(h) for h in shown),
        total=found.total,
        total_exact=found.complete,
        radius_km=used_radius,
        widened=widened,
    )


def _filters(request: SearchRequest, now: datetime) -> Filters:
    """The index filters of a request: time window, modality, CPF, price, access."""
    when = request.when
    after = now if when.start is None else max(now, when.start - timedelta(microseconds=1))
    return Filters(
        after=after,
        before=when.end,
        when=when,
        modalities=_MODALITIES.get(request.modality or ""),
        cpf_only=request.cpf_only,
        free_only=request.free_only,
        accessible_only=request.accessible_only,
        departements=_area(request.place),
    )


def _area(place: Place | None) -> frozenset[str] | None:
    """The départements a département or region search keeps to (None: no such limit)."""
    return frozenset(place.area) if place is not None and place.area else None


def _retrieve(
    index: SearchIndex,
    scores: Scores,
    filters: Filters,
    request: SearchRequest,
    *,
    radius_km: float | None,
    widen: bool,
    limit: int | None,
) -> tuple[Found, float | None, bool]:
    """(found, radius used, whether it was widened): the radius widens until something fits."""
    place = request.place
    center = (place.latitude, place.longitude) if place else None
    if place is None or request.modality == "distanciel":
        # Online sessions can be followed from anywhere: distance only informs.
        return index.retrieve(scores, filters, center=center, limit=limit), None, False
    first = radius_km or request.radius_km or place.default_radius_km
    steps = [first] + ([r for r in WIDENING_STEPS_KM if r > first] if widen else [])
    found, used_radius = Found([], 0, True), first
    for used_radius in steps:
        found = index.retrieve(scores, filters, center=center, radius_km=used_radius, limit=limit)
        if found.hits:
            break
    return found, used_radius, used_radius != first


def _result(hit: Hit) -> SearchResult:
    """One line of the list; the distance rounded to 100 m."""
    return SearchResult(
        session=hit.doc,
        score=hit.score,
        distance_km=round(hit.distance_km, 1) if hit.distance_km is not None else None,
        seats_left=hit.doc.seats_left,
        full=hit.doc.full,
        other_dates=hit.count - 1,
    )
