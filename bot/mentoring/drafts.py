"""A tutor's availability described field by field (buttons, or a typed phrase) becomes one
slot, a day's range cut into appointments, or a weekly series, in one service call."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from bot.mentoring.availability import add_range, add_slot, add_weekly
from bot.mentoring.timing import local_to_utc
from bot.mentoring.views import SlotView

DEFAULT_WEEKS = 8  # a weekly series without a stated length


def hhmm(value: str) -> time:
    """ "1430" → 14:30 (ValueError when it is not a time of day)."""
    return time(int(value[:2]), int(value[2:]))


@dataclass(frozen=True, slots=True)
class SlotDraft:
    """What the tutor chose: the day, Paris wall times, the length of each appointment,
    the place (a space or an https link) and the seats of each appointment."""

    day: date
    start: time
    end: time
    minutes: int
    seats: int
    space_id: int | None = None
    online_url: str | None = None
    recurring: bool = False
    weeks: int | None = None

    @classmethod
    def from_answers(cls, answers: Mapping[str, object]) -> SlotDraft:
        """From the chat's draft (strings and numbers as the steps stored them)."""
        return cls(
            day=date.fromisoformat(str(answers["day"])),
            start=hhmm(str(answers["start"])),
            end=hhmm(str(answers["end"])),
            minutes=int(str(answers["minutes"])),
            seats=int(str(answers["seats"])),
            space_id=_int_or_none(answers.get("space_id")),
            online_url=str(answers["online_url"]) if answers.get("online_url") else None,
            recurring=bool(answers.get("recurring")),
            weeks=_int_or_none(answers.get("weeks")),
        )


def _int_or_none(value: object) -> int | None:
    return None if value is None or value == "" else int(str(value))


def create_from_draft(
    engine: Engine, *, tutor_id: int, draft: SlotDraft, tz: ZoneInfo, now: datetime
) -> list[SlotView]:
    """The slot(s) the draft describes: a weekly series, one slot when the appointment
    fills the span, else the span cut into appointments. Raises the MentoringErrors of
    add_slot, add_range and add_weekly; nothing is created then."""
    if draft.recurring:
        return add_weekly(
            engine,
            tutor_id=tutor_id,
            weekday=draft.day.weekday(),
            start_time=draft.start,
            end_time=draft.end,
            appointment_minutes=draft.minutes,
            weeks=draft.weeks or DEFAULT_WEEKS,
            first_date=draft.day,
            tz=tz,
            now=now,
            space_id=draft.space_id,
            online_url=draft.online_url,
            seats=draft.seats,
        )
    span = datetime.combine(draft.day, draft.end) - datetime.combine(draft.day, draft.start)
    if timedelta(minutes=draft.minutes) == span:
        starts_at = local_to_utc(draft.day, draft.start, tz)
        duration = timedelta(minutes=draft.minutes)
        return [
            add_slot(
                engine,
                tutor_id=tutor_id,
                starts_at=starts_at,
                duration=duration,
                now=now,
                space_id=draft.space_id,
                online_url=draft.online_url,
                seats=draft.seats,
            )
        ]
    return add_range(
        engine,
        tutor_id=tutor_id,
        day=draft.day,
        start_time=draft.start,
        end_time=draft.end,
        appointment_minutes=draft.minutes,
        tz=tz,
        now=now,
        space_id=draft.space_id,
        online_url=draft.online_url,
        seats=draft.seats,
    )
