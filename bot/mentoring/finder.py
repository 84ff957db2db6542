"""Open slots for learners: by topic or tutor, nearest spaces first, online ones too.

Ordering, when the learner gave a location (`near`):
1. in-person slots within `radius_km`, nearest space first, then by date (a space's slots
   stay together, soonest first);
2. then online slots, by date.
In-person slots farther than `radius_km` are left out. Without a location, every slot
(in-person or online) is listed by date.

Topic matching is a pure function of (terms, tutor topics) and can be replaced: pass the
search team's matcher as `matcher`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from rapidfuzz import fuzz
from sqlalchemy import exists
from sqlalchemy.engine import Engine
from sqlmodel import col

from bot.db import unit_of_work
from bot.gazetteer import normalize
from bot.geo import haversine_km
from bot.mentoring.views import HOLDING, SlotView, slot_query, slot_view
from bot.models import Appointment, AvailabilitySlot, Tutor

logger = logging.getLogger(__name__)

Matcher = Callable[[Sequence[str], str], bool]

DEFAULT_RADIUS_KM = 50.0
DEFAULT_HORIZON = timedelta(days=120)
FUZZY_CUTOFF = 85


def _words(text: str) -> list[str]:
    return [word for word in normalize(text).split() if len(word) > 1]


def topic_matches(terms: Sequence[str], tutor_topics: str) -> bool:
    """True when any term names one of the tutor's topics (words compared without accents
    or case, small typos tolerated: "exel" finds "Excel"). Terms are alternatives, e.g. a
    concept and its synonyms; a term of several words needs all of them."""
    topic_words = _words(tutor_topics.replace(",", " ").replace(";", " "))
    if not topic_words:
        return False
    for term in terms:
        term_words = _words(term)
        if term_words and all(
            any(fuzz.ratio(word, topic) >= FUZZY_CUTOFF for topic in topic_words)
            for word in term_words
        ):
            return True
    return False


def open_slots(
    engine: Engine,
    *,
    topic_terms: Sequence[str] | None = None,
    tutor_id: int | None = None,
    near: tuple[float, float] | None = None,
    now: datetime,
    limit: int = 10,
    offset: int = 0,
    learner_id: int | None = None,
    exclude_slot_id: int | None = None,
    radius_km: float = DEFAULT_RADIUS_KM,
    horizon: timedelta = DEFAULT_HORIZON,
    matcher: Matcher = topic_matches,
    not_before: datetime | None = None,
) -> list[SlotView]:
    """Upcoming, live slots with a free seat of active tutors, ordered as the module says.

    `learner_id` leaves out the slots this learner already holds; `offset` pages;
    `not_before` leaves out slots starting too soon to be confirmed (requests expire then).
    """
    query = slot_query().where(
        col(AvailabilitySlot.cancelled).is_(False),
        col(AvailabilitySlot.starts_at) > max(now, not_before or now),
        col(AvailabilitySlot.starts_at) <= now + horizon,
        col(AvailabilitySlot.seats_taken) < col(AvailabilitySlot.seats),
        col(Tutor.active).is_(True),
        col(Tutor.user_id).is_not(None),
    )
    if tutor_id is not None:
        query = query.where(col(AvailabilitySlot.tutor_id) == tutor_id)
    if exclude_slot_id is not None:
        query = query.where(col(AvailabilitySlot.id) != exclude_slot_id)
    if learner_id is not None:
        held = exists().where(
            col(Appointment.slot_id) == col(AvailabilitySlot.id),
            col(Appointment.learner_id) == learner_id,
            col(Appointment.status).in_(HOLDING),
        )
        query = query.where(~held)
    with unit_of_work(engine) as session:
        rows = session.execute(query.order_by(col(AvailabilitySlot.starts_at))).all()
        slots = [
            slot_view(slot, tutor, space)
            for slot, tutor, space in rows
            if not topic_terms or matcher(topic_terms, tutor.topics)
        ]
    return rank(slots, near=near, radius_km=radius_km)[offset : offset + limit]


def rank(
    slots: Sequence[SlotView], *, near: tuple[float, float] | None, radius_km: float
) -> list[SlotView]:
    """Order slots for a learner at `near` (pure): nearby in-person, then online."""
    if near is None:
        return sorted(slots, key=lambda slot: (slot.starts_at, slot.id))
    in_person = []
    online = []
    for slot in slots:
        place = slot.place
        if place.online:
            online.append(slot)
        elif place.latitude is not None and place.longitude is not None:
            distance = haversine_km(near[0], near[1], place.latitude, place.longitude)
            if distance <= radius_km:
                in_person.append(replace(slot, distance_km=round(distance, 1)))
    in_person.sort(key=lambda slot: (slot.distance_km, slot.place.space_id, slot.starts_at))
    online.sort(key=lambda slot: (slot.starts_at, slot.id))
    return in_person + online
