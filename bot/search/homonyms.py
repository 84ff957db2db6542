"""Homonym towns cost no question when the offer decides: "excel à Murat" → the Murat with
sessions around it, and a one-tap [Murat (03)] in case the learner meant the other one.

The communes a request may mean are its ambiguous candidates (several Murat, or names that
sound alike: "Moron" → Mauron, Maron, Mâron), or the commune found with its namesakes and the
larger communes whose name starts with it ("Saint-Méen" → Saint-Méen-le-Grand). The rule,
in order (:func:`settle_place`):

1. a commune the learner named exactly stays when it has sessions within reach, or when none
   of the others has any (its namesakes are still offered as one-tap alternatives);
2. otherwise, among the communes with sessions within :data:`REACH_KM` (the request's
   topic, time and modality), or all of them when none has any: the only one, or the most
   populous when it is at least :data:`POPULATION_RATIO` times the next;
3. otherwise nothing separates them: the learner is asked, among those with sessions only
   (or the most populous is taken when the request finds nothing anywhere: whichever town,
   the answer is "nothing", and a question would be a wasted action).

"Within reach" is one search per commune, limited to one result (at most
:data:`~bot.gazetteer.resolution.MAX_NAMESAKES` or eight candidates, in memory).
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime

from bot.gazetteer import Commune, normalize
from bot.gazetteer.communes import by_population
from bot.search.index import SearchIndex
from bot.search.query import Place, SearchRequest
from bot.search.service import IndexSource, search

__all__ = ["MAX_ALTERNATIVES", "POPULATION_RATIO", "REACH_KM", "settle_place"]

logger = logging.getLogger(__name__)

REACH_KM = 50.0  # the widest radius the search itself widens to before it says "rien"
# A commune three times as populous as its namesake is the one people mean, when the offer
# does not decide; closer than that (Murat 15 and Murat 03 are not), the learner chooses.
POPULATION_RATIO = 3
MAX_ALTERNATIVES = 3  # the [Murat (03)] buttons under a result list


def settle_place(
    index: SearchIndex | IndexSource, request: SearchRequest, *, now: datetime
) -> SearchRequest:
    """The request at the commune the offer or the population picks (see the module
    docstring), its other communes kept as ``namesakes``; unchanged when it names no
    homonyms, or still ambiguous (fewer candidates) when nothing separates them."""
    group = list(request.place_candidates or request.namesakes)
    if len(group) < 2 or (request.place is not None and request.place.kind != "commune"):
        return request
    named = next((c for c in group if request.place and c.insee == request.place.insee), None)
    if named is not None and _has_offer(index, request, named, now=now):
        return request  # also what every later page or radius of a settled list checks
    with_offer = [c for c in group if c is not named and _has_offer(index, request, c, now=now)]
    if named is not None and not with_offer:
        return request
    pool = by_population(with_offer or group)
    chosen = _separated(pool)
    if chosen is None and not with_offer and not _taught_anywhere(index, request, now=now):
        chosen = pool[0]  # the answer is "nothing" wherever: a question would be wasted
    if chosen is None:
        logger.info("homonyms of %r: nothing separates %d communes", request.place_text, len(pool))
        return dataclasses.replace(request, place=None, place_candidates=tuple(pool), namesakes=())
    others = [c for c in pool if c is not chosen] + [c for c in group if c not in pool]
    corrected = normalize(request.place_text) != normalize(chosen.name)
    return dataclasses.replace(
        request,
        place=Place.from_commune(chosen, corrected=corrected),
        place_candidates=(),
        namesakes=(chosen, *others),
    )


def alternatives(request: SearchRequest) -> list[Commune]:
    """The other communes the learner may have meant, for one-tap buttons."""
    insee = request.place.insee if request.place else None
    return [c for c in request.namesakes if c.insee != insee][:MAX_ALTERNATIVES]


def _separated(pool: list[Commune]) -> Commune | None:
    """The only commune of ``pool`` (most populous first), or one that dwarfs the next."""
    if len(pool) == 1 or pool[0].population >= POPULATION_RATIO * max(pool[1].population, 1):
        return pool[0]
    return None


def _taught_anywhere(
    index: SearchIndex | IndexSource, request: SearchRequest, *, now: datetime
) -> bool:
    """Whether the request finds a session anywhere, whatever the distance."""
    outcome = search(index, request.with_place(None), now=now, limit=1)
    return bool(outcome.results)


def _has_offer(
    index: SearchIndex | IndexSource, request: SearchRequest, commune: Commune, *, now: datetime
) -> bool:
    """Whether the request finds at least one session within REACH_KM of ``commune``."""
    at = request.with_place(Place.from_commune(commune))
    outcome = search(index, at, now=now, radius_km=REACH_KM, widen=False, limit=1)
    return bool(outcome.results)
