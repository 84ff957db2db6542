"""`build_demand`: the topics most asked and least served in a scope, over a period.

Counting: one pass over the period's records in the scope (the index on (département, at),
the communes within reach as a filter); Python splits the concepts and groups communes by
hub (`scope`). *People* are
distinct monthly hashes: one person searching in two calendar months counts twice (the hash
key changes monthly so months cannot be linked); over 30 days that is at most two months.

Unmet demand, the ranking: `people × gap`, where gap = 1 when no upcoming session on the
topic (or a narrower one) lies within `SERVED_KM` of the hub, else distance / SERVED_KM; a
session in the hub's commune makes the demand met (0). Ties: more people, more searches.
The nearest session is looked for within `NEAREST_KM` (None beyond), among the spaces near
the cells shown only, so the cost follows what is shown, not the size of the offer.
A cell is shown only from `k` distinct people (k-anonymity); the others are counted.
"""

from __future__ import annotations

import functools
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from bot.db import reading
from bot.demand.model import DemandReport, DemandRow
from bot.demand.scope import (
    Hub,
    Scope,
    around_spaces,
    departement_label,
    hubs_of,
    in_departement,
)
from bot.demand.tables import SearchRecord
from bot.gazetteer import Gazetteer, default_gazetteer
from bot.geo import haversine_km
from bot.models import Organisation, SessionStatus, Space, TrainingSession
from bot.search.topics import TopicTable, default_topics, words

logger = logging.getLogger(__name__)

K_ANONYMITY = 5
SERVED_KM = 50.0
NEAREST_KM = 100.0  # the nearest session is looked for this far (the search's widest radius)
PERIODS = (30, 90, 365)


class UnknownScope(ValueError):
    """No such organisation, or a département code nobody uses."""


@dataclass
class _Cell:
    searches: int = 0
    alerts: int = 0
    zero: int = 0
    people: set[str] = field(default_factory=set)


SpaceRow = tuple[str, float, float, str | None]


def build_demand(
    engine: Engine,
    *,
    organisation_id: int | None,
    departement: str | None,
    days: int,
    now: datetime,
    k: int = K_ANONYMITY,
    language: str = "fr",
    scope_label: str | None = None,
    gazetteer: Gazetteer | None = None,
    topics: TopicTable | None = None,
) -> DemandReport:
    """The demand report around the organisation's spaces, or in `departement` when given
    (then the organisation, if any, only marks the topics it teaches); neither: France."""
    gazetteer = gazetteer or default_gazetteer()
    table = topics or default_topics()
    since = now - timedelta(days=days)
    with reading(engine) as session:
        org_name, org_spaces = _organisation(session, organisation_id)
        scope = _scope(session, gazetteer, departement, org_spaces, organisation_id)
        cells, total = _cells(session, scope, gazetteer, since)
        shown = {hub for (_t, hub), cell in cells.items() if hub and len(cell.people) >= k}
        served = _served(session, table, shown, now)
        taught = _taught(session, table, organisation_id, since)
    rows, hidden = _rows(cells, served, taught, table, k=k, language=language)
    label = scope_label or (
        departement_label(departement) if departement else org_name or "France"
    )
    return DemandReport(
        days=days,
        scope=label,
        rows=rows,
        hidden_cells=hidden,
        k=k,
        spaces=[(name, lat, lon) for name, lat, lon, _insee in org_spaces],
        total_searches=total,
        organisation=org_name,
        departement=departement,
        language=language,
    )


def _organisation(
    session: Session, organisation_id: int | None
) -> tuple[str | None, list[SpaceRow]]:
    """The organisation's name and the spaces where it has sessions."""
    if organisation_id is None:
        return None, []
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise UnknownScope(str(organisation_id))
    used = select(col(TrainingSession.space_id)).where(
        col(TrainingSession.organisation_id) == organisation_id
    )
    return organisation.name, sorted(_spaces(session, col(Space.id).in_(used)))


def _scope(
    session: Session,
    gazetteer: Gazetteer,
    departement: str | None,
    org_spaces: list[SpaceRow],
    organisation_id: int | None,
) -> Scope:
    """A département (its spaces are the hubs), else around the organisation's spaces
    (nothing when it has none yet), else the whole country (every space a hub)."""
    if departement is not None:
        spaces = _spaces(session, col(Space.insee).startswith(departement))
        return in_departement(departement, gazetteer, spaces)
    if organisation_id is not None:
        return around_spaces(gazetteer, org_spaces)
    return Scope(None, None, hubs_of(gazetteer, _spaces(session)))


def _spaces(session: Session, *conditions: Any) -> list[SpaceRow]:
    stmt = select(
        col(Space.name), col(Space.latitude), col(Space.longitude), col(Space.insee)
    ).where(*conditions)
    return [(name, lat, lon, insee) for name, lat, lon, insee in session.execute(stmt)]


_Key = tuple[str, Hub | None]


def _cells(
    session: Session, scope: Scope, gazetteer: Gazetteer, since: datetime
) -> tuple[dict[_Key, _Cell], int]:
    """Searches per (concept, hub), read in one pass over the period's records in scope (in
    time order, as they were appended), and every search in scope."""
    record = SearchRecord
    stmt = select(
        col(record.insee),
        col(record.concepts),
        col(record.person),
        col(record.alert_saved),
        col(record.results),
    ).where(col(record.at) >= since)
    if scope.departements is not None:
        stmt = stmt.where(col(record.departement).in_(sorted(scope.departements)))
    if scope.communes is not None:
        stmt = stmt.where(col(record.insee).in_(sorted(scope.communes)))
    cells: dict[_Key, _Cell] = defaultdict(_Cell)
    hubs: dict[str | None, Hub | None] = {}
    total = 0
    # Core rows (not ORM): this loop is the report's cost at the 2030 scale.
    for insee, concepts, person, alert, results in session.connection().execute(stmt):
        if insee in hubs:
            hub = hubs[insee]
        else:
            hub = hubs[insee] = _place(scope, gazetteer, insee)
        total += 1
        for concept in concepts.split():
            cell = cells[(concept, hub)]
            cell.searches += 1
            cell.alerts += alert
            cell.zero += results == 0
            cell.people.add(person)
    return cells, total


def _place(scope: Scope, gazetteer: Gazetteer, insee: str | None) -> Hub | None:
    """The hub a searched commune counts for: the nearest space's commune, else itself."""
    if insee is None:
        return None
    hub = scope.hub_of(insee, gazetteer)
    if hub is not None:
        return hub
    commune = gazetteer.by_insee(insee)
    if commune is None:
        return None
    return Hub(commune.insee, commune.name, commune.latitude, commune.longitude)


# What a session is about: its topics, or its title when it has none. Topics come from a
# few hundred templates, so the concepts of each are found once (cached), not per title.
_SUBJECT = func.coalesce(func.nullif(col(TrainingSession.topics), ""), col(TrainingSession.title))


@functools.lru_cache(maxsize=1 << 15)
def _concepts_of(table: TopicTable, subject: str) -> frozenset[str]:
    return frozenset(table.concepts_in(words(subject.replace(";", " "))))


def _served(
    session: Session, table: TopicTable, places: set[Hub], now: datetime
) -> dict[str, list[tuple[float, float]]]:
    """Where upcoming sessions are, per concept, among the spaces within `NEAREST_KM` of the
    places shown (only those: the other cells are withheld anyway)."""
    if not places:
        return {}
    spaces = {
        space_id: (lat, lon)
        for space_id, lat, lon in session.execute(
            select(col(Space.id), col(Space.latitude), col(Space.longitude))
        )
        if _near_any(lat, lon, places)
    }
    if not spaces:
        return {}
    stmt = (
        select(col(TrainingSession.space_id), _SUBJECT)
        .where(
            col(TrainingSession.space_id).in_(sorted(spaces)),
            col(TrainingSession.status) == SessionStatus.SCHEDULED,
            col(TrainingSession.ends_at) >= now,
        )
        .distinct()
    )
    points: dict[str, set[tuple[float, float]]] = defaultdict(set)
    for space_id, subject in session.execute(stmt):
        for concept in _concepts_of(table, subject):
            points[concept].add(spaces[space_id])
    return {concept: sorted(found) for concept, found in points.items()}


def _near_any(lat: float, lon: float, places: set[Hub]) -> bool:
    """Within NEAREST_KM of one of the places (a cheap box test first)."""
    box_lat, box_lon = NEAREST_KM / 111.0, NEAREST_KM / 65.0
    return any(
        abs(lat - p.latitude) <= box_lat
        and abs(lon - p.longitude) <= box_lon
        and haversine_km(lat, lon, p.latitude, p.longitude) <= NEAREST_KM
        for p in places
    )


def _taught(
    session: Session, table: TopicTable, organisation_id: int | None, since: datetime
) -> frozenset[str]:
    """The concepts of the organisation's sessions of the period and to come."""
    if organisation_id is None:
        return frozenset()
    stmt = (
        select(_SUBJECT)
        .where(
            col(TrainingSession.organisation_id) == organisation_id,
            col(TrainingSession.status) == SessionStatus.SCHEDULED,
            col(TrainingSession.ends_at) >= since,
        )
        .distinct()
    )
    found: set[str] = set()
    for (subject,) in session.execute(stmt):
        found |= _concepts_of(table, subject)
    return frozenset(found)


class _Distances:
    """Distances from each hub to the served points near it, each computed once (a report
    has thousands of cells but tens of hubs)."""

    def __init__(self, served: dict[str, list[tuple[float, float]]]) -> None:
        self.served = served
        self.points = {point for points in served.values() for point in points}
        self._by_hub: dict[Hub, dict[tuple[float, float], float]] = {}

    def of(self, hub: Hub) -> dict[tuple[float, float], float]:
        found = self._by_hub.get(hub)
        if found is None:
            box_lat, box_lon = NEAREST_KM / 111.0, NEAREST_KM / 60.0
            found = {}
            for lat, lon in self.points:
                if abs(lat - hub.latitude) <= box_lat and abs(lon - hub.longitude) <= box_lon:
                    km = haversine_km(hub.latitude, hub.longitude, lat, lon)
                    if km <= NEAREST_KM:
                        found[(lat, lon)] = km
            self._by_hub[hub] = found
        return found

    def nearest_km(self, hub: Hub | None, concept: str, table: TopicTable) -> float | None:
        """The nearest upcoming session on the concept or a narrower one, within NEAREST_KM."""
        if hub is None:
            return None
        near = self.of(hub)
        best = min(
            (
                near[p]
                for c in _closure(table, concept)
                for p in self.served.get(c, ())
                if p in near
            ),
            default=None,
        )
        return None if best is None else round(best, 1)


def _closure(table: TopicTable, concept: str) -> frozenset[str]:
    return table.closure(concept) if concept in table.concepts else frozenset({concept})


def unmet_score(people: int, nearest_km: float | None) -> float:
    """people × gap (see the module docstring)."""
    if nearest_km is None or nearest_km > SERVED_KM:
        return float(people)
    return people * nearest_km / SERVED_KM


def _rows(
    cells: dict[_Key, _Cell],
    served: dict[str, list[tuple[float, float]]],
    taught: frozenset[str],
    table: TopicTable,
    *,
    k: int,
    language: str,
) -> tuple[list[DemandRow], int]:
    rows: list[DemandRow] = []
    hidden = 0
    distances = _Distances(served)
    for (concept, hub), cell in cells.items():
        if len(cell.people) < k:
            hidden += 1
            continue
        nearest = distances.nearest_km(hub, concept, table)
        rows.append(
            DemandRow(
                topic=concept,
                topic_label=_label(table, concept, language),
                commune_insee=hub.insee if hub else None,
                commune_name=hub.name if hub else None,
                latitude=hub.latitude if hub else None,
                longitude=hub.longitude if hub else None,
                searches=cell.searches,
                people=len(cell.people),
                alerts_pending=cell.alerts,
                nearest_session_km=nearest,
                taught=bool(_closure(table, concept) & taught),
                unmet=round(unmet_score(len(cell.people), nearest), 2),
                results_zero=cell.zero,
            )
        )
    rows.sort(key=lambda r: (-r.unmet, -r.people, -r.searches, r.topic, r.commune_name or ""))
    return rows, hidden


def _label(table: TopicTable, concept: str, language: str) -> str:
    found = table.concepts.get(concept)
    if found is None:
        return concept
    return found.label_en if language == "en" else found.label
