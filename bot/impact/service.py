"""Travel saved per quarter: the enrolled places of an organisation's sessions, aggregated.

Which places count: enrolments still `enrolled` (the house keeps no attendance for sessions:
a past session's enrolled place is taken as attended; cancelled and waiting ones are
excluded) in scheduled sessions whose start falls in the quarter (Paris calendar).
The learner's town is their home town (`User.home_insee`, set in /settings); the house does
not keep where a search was made from, so a learner without a home town is counted apart as
"town unknown" and adds no kilometres.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from bot.config import Settings
from bot.db import reading
from bot.errors import DomainError, Refusal
from bot.gazetteer import Gazetteer, default_gazetteer
from bot.impact.distances import Centres, Point, avoided_km, avoided_one_way_km
from bot.impact.quarters import Quarter
from bot.models import (
    Enrolment,
    EnrolmentStatus,
    Organisation,
    SessionStatus,
    Space,
    TrainingSession,
    User,
)

logger = logging.getLogger(__name__)

HOURS_PER_DAY = 7  # a training day, to turn a course's total hours into days
MAX_DAYS = 20  # per place: a month of working days, for long or open-ended courses


class ImpactError(DomainError):
    """Base of the expected failures of /impact."""

    key = "impact.not_allowed"


class NotAllowed(ImpactError):
    """Only organisation admins (their own organisations) and super-admins."""


class UnknownOrganisation(ImpactError):
    """No organisation of the actor's has this name."""

    key = "impact.unknown_organisation"

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def refusal(self) -> Refusal:
        return Refusal(self.key, {"name": self.name})


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose sessions: `organisations` None is every organisation (super-admins only);
    `organisation_id` 0 means "all the actor may see" (what a button carries)."""

    organisations: frozenset[str] | None
    organisation_id: int = 0
    label: str | None = None  # the one organisation named, for the title


@dataclass(frozen=True, slots=True)
class Method:
    """The parameters behind the figures, stated with them."""

    co2_kg_per_km: float
    min_population: int


@dataclass(slots=True)
class SessionImpact:
    """One session's aggregate (a session is not a person: title, date, place, counts)."""

    title: str
    starts_at: datetime
    space: str
    city: str
    learners: int = 0
    days: int = 0
    km: float = 0.0
    unknown_town: int = 0


@dataclass(slots=True)
class QuarterImpact:
    quarter: Quarter
    learners: int = 0  # distinct people
    places: int = 0
    days: int = 0  # learner-days of training
    km: float = 0.0
    kg_co2e: float = 0.0
    unknown_town: int = 0  # places whose learner has no known home town (no km)
    sessions: list[SessionImpact] = field(default_factory=list)


def session_days(starts_at: datetime, ends_at: datetime, hours: float | None, tz: ZoneInfo) -> int:
    """Days of presence for one place: the calendar days from start to end (Paris), at most
    the course's hours / 7 when known, at most MAX_DAYS (permanent entry, open end)."""
    days = (ends_at.astimezone(tz).date() - starts_at.astimezone(tz).date()).days + 1
    if hours:
        days = min(days, math.ceil(hours / HOURS_PER_DAY))
    return max(1, min(days, MAX_DAYS))


def scope_for(
    engine: Engine,
    *,
    super_admin: bool,
    admin_of: frozenset[str],
    name: str | None = None,
    organisation_id: int = 0,
) -> Scope:
    """What this admin may see: super-admins everything or one organisation (by name or id),
    organisation admins their own (one of them by name or id)."""
    if not super_admin and not admin_of:
        raise NotAllowed()
    if not name and not organisation_id:
        return Scope(None if super_admin else admin_of)
    found = _organisation(engine, name=name, organisation_id=organisation_id)
    # Another organisation's name is answered like an unknown one: nothing is revealed.
    if found is None or not (super_admin or found[1] in admin_of):
        raise UnknownOrganisation(name or str(organisation_id))
    return Scope(frozenset({found[1]}), organisation_id=found[0], label=found[1])


def _organisation(
    engine: Engine, *, name: str | None, organisation_id: int
) -> tuple[int, str] | None:
    """(id, name) of the organisation with this id, or this name in any case."""
    query = select(col(Organisation.id), col(Organisation.name))
    if organisation_id:
        query = query.where(col(Organisation.id) == organisation_id)
    else:
        query = query.where(func.lower(col(Organisation.name)) == (name or "").strip().lower())
    with reading(engine) as session:
        row = session.execute(query).first()
    return None if row is None else (row[0], row[1])


def travel_saved(
    engine: Engine,
    *,
    scope: Scope,
    quarter: Quarter,
    tz: ZoneInfo,
    gazetteer: Gazetteer,
    method: Method,
) -> QuarterImpact:
    """The quarter's figures for these organisations: learners, days, km, kg CO2e."""
    start, end = quarter.bounds(tz)
    query = (
        select(
            col(TrainingSession.id),
            col(TrainingSession.title),
            col(TrainingSession.starts_at),
            col(TrainingSession.ends_at),
            col(TrainingSession.hours),
            col(Space.name),
            col(Space.city),
            col(Space.latitude),
            col(Space.longitude),
            col(User.id),
            col(User.home_insee),
        )
        .join(Enrolment, col(Enrolment.session_id) == col(TrainingSession.id))
        .join(User, col(User.id) == col(Enrolment.user_id))
        .join(Space, col(Space.id) == col(TrainingSession.space_id))
        .join(Organisation, col(Organisation.id) == col(TrainingSession.organisation_id))
        .where(
            col(Enrolment.status) == EnrolmentStatus.ENROLLED,
            col(TrainingSession.status) == SessionStatus.SCHEDULED,
            col(TrainingSession.starts_at) >= start,
            col(TrainingSession.starts_at) < end,
        )
        .order_by(col(TrainingSession.starts_at), col(TrainingSession.id))
    )
    if scope.organisations is not None:
        query = query.where(col(Organisation.name).in_(sorted(scope.organisations)))
    with reading(engine) as session:
        rows = session.execute(query).all()
    return _aggregate(rows, quarter, tz, gazetteer, method)


def _aggregate(
    rows: Sequence[Any], quarter: Quarter, tz: ZoneInfo, gazetteer: Gazetteer, method: Method
) -> QuarterImpact:
    centres = centres_of(gazetteer, method.min_population)
    homes: dict[str, tuple[Point, float] | None] = {}  # insee → (home, km to its centre)
    sessions: dict[int, SessionImpact] = {}
    learners: set[int] = set()
    total = QuarterImpact(quarter)
    for sid, title, starts, ends, hours, space, city, lat, lon, user_id, insee in rows:
        item = sessions.get(sid) or sessions.setdefault(
            sid, SessionImpact(title=title, starts_at=starts, space=space, city=city)
        )
        days = session_days(starts, ends, hours, tz)
        item.learners += 1
        item.days += days
        learners.add(user_id)
        home = _home(insee, homes, gazetteer, centres)
        if home is None:
            item.unknown_town += 1
            continue
        one_way = avoided_one_way_km(home=home[0], space=Point(lat, lon), centre_km=home[1])
        item.km += avoided_km(one_way_km=one_way, days=days)
    total.sessions = list(sessions.values())
    total.learners = len(learners)
    total.places = sum(s.learners for s in total.sessions)
    total.days = sum(s.days for s in total.sessions)
    total.km = sum(s.km for s in total.sessions)
    total.kg_co2e = total.km * method.co2_kg_per_km
    total.unknown_town = sum(s.unknown_town for s in total.sessions)
    return total


@functools.lru_cache(maxsize=4)
def centres_of(gazetteer: Gazetteer, min_population: int) -> Centres:
    """The reference centres, computed once per gazetteer and threshold."""
    return Centres(gazetteer.communes, min_population=min_population)


def _home(
    insee: str | None,
    cache: dict[str, tuple[Point, float] | None],
    gazetteer: Gazetteer,
    centres: Centres,
) -> tuple[Point, float] | None:
    """The home town's point and road km to its nearest centre (None: town unknown)."""
    if not insee:
        return None
    if insee not in cache:
        commune = gazetteer.by_insee(insee)
        if commune is None:
            cache[insee] = None
        else:
            home = Point(commune.latitude, commune.longitude)
            cache[insee] = (home, centres.nearest(home)[1])
    return cache[insee]


@dataclass(frozen=True, slots=True)
class ImpactReport:
    """What /impact shows and the XLSX holds: whose, and each quarter asked (first: the
    one shown)."""

    scope: Scope
    quarters: list[QuarterImpact]


def impact_report(
    engine: Engine,
    *,
    super_admin: bool,
    admin_of: frozenset[str],
    quarters: list[Quarter],
    tz: ZoneInfo,
    method: Method,
    name: str | None = None,
    organisation_id: int = 0,
    gazetteer: Gazetteer | None = None,
) -> ImpactReport:
    """The admin's scope checked (NotAllowed, UnknownOrganisation), then each quarter's
    figures: the one service call behind /impact, its buttons and the CLI."""
    scope = scope_for(
        engine,
        super_admin=super_admin,
        admin_of=admin_of,
        name=name,
        organisation_id=organisation_id,
    )
    gazetteer = gazetteer or default_gazetteer()
    return ImpactReport(
        scope,
        [
            travel_saved(engine, scope=scope, quarter=q, tz=tz, gazetteer=gazetteer, method=method)
            for q in quarters
        ],
    )


def method_of(settings: Settings) -> Method:
    """The method's parameters from the settings (CO2_KG_PER_KM, IMPACT_CENTRE_MIN_POPULATION)."""
    return Method(
        co2_kg_per_km=settings.co2_kg_per_km,
        min_population=settings.impact_centre_min_population,
    )
