"""Creating what a tutor's draft describes (one slot, a day's range, a weekly series), and
saying what was added or, with the reason, why not."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any, TypedDict

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.context import ProxiContext
from bot.i18n import Translator
from bot.mentoring import errors
from bot.mentoring.availability import add_range, add_slot, add_weekly
from bot.mentoring.timing import local_to_utc
from bot.mentoring.views import SlotView
from handlers import buttons
from handlers.common import call_service
from handlers.mentoring.access import current_tutor
from handlers.mentoring.messages import show
from handlers.mentoring.state import DRAFT, waiting
from handlers.mentoring.texts import place_text, when

logger = logging.getLogger(__name__)

END = ConversationHandler.END
DEFAULT_WEEKS = 8


class _Place(TypedDict):
    """Where the slots are, as every add_* service takes it."""

    space_id: int | None
    online_url: str | None
    seats: int


def hhmm(value: str) -> time:
    """ "1430" → 14:30 (ValueError when it is not a time of day)."""
    return time(int(value[:2]), int(value[2:]))


async def create(update: Update, context: ProxiContext, draft: dict[str, Any]) -> int:
    """Create what the draft says; the answer says what was added, or why not."""
    t = context.t
    services = context.services
    tutor_id = await current_tutor(update, context)
    if tutor_id is None:
        await show(update, t("mentoring.availability.not_tutor"))
        return END
    tz, now = services.settings.tz, services.clock.now()
    day = date.fromisoformat(draft["day"])
    start, end = hhmm(draft["start"]), hhmm(draft["end"])
    minutes = int(draft["minutes"])
    place: _Place = {
        "space_id": draft.get("space_id"),
        "online_url": draft.get("online_url"),
        "seats": int(draft["seats"]),
    }
    span = (datetime.combine(day, end) - datetime.combine(day, start)).seconds // 60
    try:
        if draft.get("recurring"):
            created = await call_service(
                add_weekly,
                services.engine,
                tutor_id=tutor_id,
                weekday=day.weekday(),
                start_time=start,
                end_time=end,
                appointment_minutes=minutes,
                weeks=draft.get("weeks") or DEFAULT_WEEKS,
                first_date=day,
                tz=tz,
                now=now,
                **place,
            )
        elif minutes == span:
            created = [
                await call_service(
                    add_slot,
                    services.engine,
                    tutor_id=tutor_id,
                    starts_at=local_to_utc(day, start, tz),
                    duration=timedelta(minutes=minutes),
                    now=now,
                    **place,
                )
            ]
        else:
            created = await call_service(
                add_range,
                services.engine,
                tutor_id=tutor_id,
                day=day,
                start_time=start,
                end_time=end,
                appointment_minutes=minutes,
                tz=tz,
                now=now,
                **place,
            )
    except errors.MentoringError as exc:
        text = _refused(t, exc)
    else:
        text = _added(t, created)
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
    waiting(context, None)
    keyboard = InlineKeyboardMarkup(
        [
            [
                buttons.SLOT_ADD.button(t("mentoring.availability.button_add_another")),
                buttons.SLOTS_LIST.button(t("mentoring.availability.button_list"), 0),
            ]
        ]
    )
    await show(update, text, keyboard)
    return END


def _added(t: Translator, created: list[SlotView]) -> str:
    first = created[0]
    seats = t("mentoring.availability.seats", count=first.seats)
    if len(created) == 1:
        return t(
            "mentoring.availability.added_one",
            when=when(t, first),
            place=place_text(t, first.place),
            seats=seats,
        )
    last = created[-1]
    if t.date(first.starts_at) == t.date(last.starts_at):
        return t(
            "mentoring.availability.added_day",
            count=len(created),
            day=t.date(first.starts_at),
            start=t.time(first.starts_at),
            end=t.time(last.ends_at),
            place=place_text(t, first.place),
            seats=seats,
        )
    return t(
        "mentoring.availability.added_many",
        count=len(created),
        first=t.datetime(first.starts_at),
        last=t.datetime(last.starts_at),
        place=place_text(t, first.place),
        seats=seats,
    )


def _refused(t: Translator, exc: errors.MentoringError) -> str:
    if isinstance(exc, errors.SlotOverlap):
        if exc.dates:
            dates = ", ".join(t.date(day) for day in exc.dates[:6])
            return t("mentoring.availability.overlap_dates", dates=dates)
        return t("mentoring.availability.overlap", when=when(t, exc.conflicting[0]))
    if isinstance(exc, errors.SlotInPast):
        return t("mentoring.availability.past")
    if isinstance(exc, errors.InvalidSlot):
        return t(f"mentoring.availability.invalid.{exc.reason}")
    if isinstance(exc, errors.UnknownSpace):
        return t("mentoring.availability.invalid.place")
    return t("mentoring.availability.not_tutor")
