"""Tutors' availability: single and weekly slots, and their list (removal: `removal`).

A slot is refused when it is in the past or overlaps another live slot of the same tutor. The
overlap check reads then writes, so slot creation is serialised per tutor by locking the tutor
row first (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers). A weekly series
is all or nothing: when any occurrence conflicts, none is created and every conflicting date
is reported.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from urllib.parse import urlparse

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from bot.db import unit_of_work
from bot.mentoring.errors import (
    InvalidSlot,
    SlotInPast,
    SlotOverlap,
    UnknownSpace,
    UnknownTutor,
)
from bot.mentoring.timing import local_date, split_range, weekly_dates
from bot.mentoring.views import (
    SlotView,
    slot_views,
)
from bot.models import AvailabilitySlot, Space, Tutor

logger = logging.getLogger(__name__)

MAX_SEATS = 50
MAX_DURATION = timedelta(hours=10)
MIN_DURATION = timedelta(minutes=10)
MAX_WEEKS = 26


def tutor_for_user(engine: Engine, *, user_id: int) -> int | None:
    """The id of the active tutor linked to this Telegram user, if any."""
    with unit_of_work(engine) as session:
        return session.scalar(
            select(col(Tutor.id)).where(col(Tutor.user_id) == user_id, col(Tutor.active).is_(True))
        )


def _check_place(space_id: int | None, online_url: str | None, seats: int) -> None:
    if (space_id is None) == (online_url is None):
        raise InvalidSlot("place")  # exactly one of a space or a link
    if online_url is not None:
        parsed = urlparse(online_url)
        if parsed.scheme != "https" or not parsed.netloc or len(online_url) > 500:
            raise InvalidSlot("https")
    if not 1 <= seats <= MAX_SEATS:
        raise InvalidSlot("seats")


def _check_times(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("slot times must be timezone-aware")
    if not MIN_DURATION <= ends_at - starts_at <= MAX_DURATION:
        raise InvalidSlot("duration")
    if starts_at <= now:
        raise SlotInPast(starts_at)


def _lock_tutor(session: Session, tutor_id: int, space_id: int | None) -> Tutor:
    """The tutor row, locked until commit so two additions for one tutor run one at a time."""
    tutor = session.scalars(
        select(Tutor).where(col(Tutor.id) == tutor_id).with_for_update()
    ).first()
    if tutor is None or not tutor.active:
        raise UnknownTutor(tutor_id)
    if space_id is not None and session.get(Space, space_id) is None:
        raise UnknownSpace(space_id)
    return tutor


def _overlapping(
    session: Session, tutor_id: int, starts_at: datetime, ends_at: datetime
) -> list[SlotView]:
    return slot_views(
        session,
        col(AvailabilitySlot.tutor_id) == tutor_id,
        col(AvailabilitySlot.cancelled).is_(False),
        col(AvailabilitySlot.starts_at) < ends_at,
        col(AvailabilitySlot.ends_at) > starts_at,
    )


def _insert(
    session: Session,
    tutor_id: int,
    spans: list[tuple[datetime, datetime]],
    *,
    space_id: int | None,
    online_url: str | None,
    seats: int,
    series_id: str | None,
) -> list[int]:
    slots = [
        AvailabilitySlot(
            tutor_id=tutor_id,
            starts_at=start,
            ends_at=end,
            space_id=space_id,
            online_url=online_url,
            seats=seats,
            series_id=series_id,
        )
        for start, end in spans
    ]
    session.add_all(slots)
    session.flush()
    return [slot.id for slot in slots]  # type: ignore[misc]  # a stored row's id is set (None only before flush)


def add_slot(
    engine: Engine,
    *,
    tutor_id: int,
    starts_at: datetime,
    duration: timedelta,
    space_id: int | None = None,
    online_url: str | None = None,
    seats: int = 1,
    now: datetime,
) -> SlotView:
    """One slot. Raises InvalidSlot, SlotInPast, SlotOverlap, UnknownTutor, UnknownSpace."""
    starts_at = starts_at.astimezone(UTC)
    ends_at = starts_at + duration
    _check_place(space_id, online_url, seats)
    _check_times(starts_at, ends_at, now)
    with unit_of_work(engine) as session:
        _lock_tutor(session, tutor_id, space_id)
        conflicting = _overlapping(session, tutor_id, starts_at, ends_at)
        if conflicting:
            raise SlotOverlap(conflicting)
        [slot_id] = _insert(
            session,
            tutor_id,
            [(starts_at, ends_at)],
            space_id=space_id,
            online_url=online_url,
            seats=seats,
            series_id=None,
        )
        [view] = slot_views(session, col(AvailabilitySlot.id) == slot_id)
    logger.info("tutor %s added slot %s at %s", tutor_id, slot_id, starts_at.isoformat())
    return view


def _add_spans(
    engine: Engine,
    *,
    tutor_id: int,
    spans: list[tuple[datetime, datetime]],
    space_id: int | None,
    online_url: str | None,
    seats: int,
    tz: tzinfo,
    now: datetime,
) -> list[SlotView]:
    """Insert all spans as one series, or none (SlotOverlap lists every conflicting date)."""
    if not spans:
        raise InvalidSlot("duration")  # the range is shorter than one appointment
    if spans[0][0] <= now:
        raise SlotInPast(spans[0][0])
    series_id = uuid.uuid4().hex
    with unit_of_work(engine) as session:
        _lock_tutor(session, tutor_id, space_id)
        conflicting: dict[int, SlotView] = {}
        conflict_dates = set()
        for start, end in spans:
            for slot in _overlapping(session, tutor_id, start, end):
                conflicting[slot.id] = slot
                conflict_dates.add(local_date(start, tz))
        if conflicting:
            raise SlotOverlap(
                sorted(conflicting.values(), key=lambda s: s.starts_at), sorted(conflict_dates)
            )
        ids = _insert(
            session,
            tutor_id,
            spans,
            space_id=space_id,
            online_url=online_url,
            seats=seats,
            series_id=series_id,
        )
        views = slot_views(session, col(AvailabilitySlot.id).in_(ids))
    logger.info("tutor %s added series %s (%d slots)", tutor_id, series_id, len(ids))
    return views


def _check_range(start_time: time, end_time: time, appointment_minutes: int) -> None:
    if end_time <= start_time:
        raise InvalidSlot("range")
    if not MIN_DURATION <= timedelta(minutes=appointment_minutes) <= MAX_DURATION:
        raise InvalidSlot("duration")


def add_range(
    engine: Engine,
    *,
    tutor_id: int,
    day: date,
    start_time: time,
    end_time: time,
    appointment_minutes: int,
    space_id: int | None = None,
    online_url: str | None = None,
    seats: int = 1,
    tz: tzinfo,
    now: datetime,
) -> list[SlotView]:
    """One day's range (wall times in `tz`) cut into appointments of `appointment_minutes`:
    "le 12/03 10h-12h" gives two one-hour slots sharing a `series_id`. All or nothing."""
    _check_place(space_id, online_url, seats)
    _check_range(start_time, end_time, appointment_minutes)
    spans = split_range(day, start_time, end_time, appointment_minutes, tz)
    return _add_spans(
        engine,
        tutor_id=tutor_id,
        spans=spans,
        space_id=space_id,
        online_url=online_url,
        seats=seats,
        tz=tz,
        now=now,
    )


def add_weekly(
    engine: Engine,
    *,
    tutor_id: int,
    weekday: int,
    start_time: time,
    end_time: time,
    appointment_minutes: int,
    weeks: int = 8,
    space_id: int | None = None,
    online_url: str | None = None,
    seats: int = 1,
    first_date: date | None = None,
    tz: tzinfo,
    now: datetime,
) -> list[SlotView]:
    """Every `weekday` (0 = Monday) from `start_time` to `end_time` (wall times in `tz`),
    cut into appointments of `appointment_minutes`, for `weeks` weeks from `first_date` or
    else the next such day (today if its start is still ahead).

    All slots share a `series_id`. Raises SlotOverlap (with `dates`) and creates nothing when
    any occurrence conflicts; InvalidSlot for a malformed request.
    """
    _check_place(space_id, online_url, seats)
    _check_range(start_time, end_time, appointment_minutes)
    if not 0 <= weekday <= 6 or not 1 <= weeks <= MAX_WEEKS:
        raise InvalidSlot("range")
    if first_date is not None and first_date.weekday() != weekday:
        raise InvalidSlot("range")
    days = (
        [first_date + timedelta(weeks=week) for week in range(weeks)]
        if first_date is not None
        else weekly_dates(weekday, start_time, weeks=weeks, now=now, tz=tz)
    )
    spans = [
        span
        for day in days
        for span in split_range(day, start_time, end_time, appointment_minutes, tz)
    ]
    return _add_spans(
        engine,
        tutor_id=tutor_id,
        spans=spans,
        space_id=space_id,
        online_url=online_url,
        seats=seats,
        tz=tz,
        now=now,
    )


def list_slots(engine: Engine, *, tutor_id: int, now: datetime) -> list[SlotView]:
    """The tutor's live slots that have not ended, by start time."""
    with unit_of_work(engine) as session:
        return slot_views(
            session,
            col(AvailabilitySlot.tutor_id) == tutor_id,
            col(AvailabilitySlot.cancelled).is_(False),
            col(AvailabilitySlot.ends_at) > now,
        )
