"""Tutors add availability, guided with buttons: day, start, length (or a range cut into
appointments), place (spaces or online), seats.

The steps fill one draft in `context.user_data[DRAFT]` (the typed phrase of
:mod:`handlers.mentoring_typing` fills the same draft); `advance` asks for the first missing
piece and, once nothing is missing, :mod:`handlers.mentoring_creating` creates the slot(s).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.context import ProxiContext
from bot.i18n import Translator
from bot.mentoring import lookup
from bot.mentoring.timing import local_to_utc
from handlers.common import call_service
from handlers.mentoring_common import (
    AWAIT,
    DRAFT,
    current_tutor,
    ids,
    short,
    show,
    waiting,
)
from handlers.mentoring_creating import create, hhmm

logger = logging.getLogger(__name__)

END = ConversationHandler.END
DAYS_AHEAD = 14
FIRST_HOUR, LAST_HOUR = 8, 20  # start times offered: 08:00 to 19:30
LENGTHS = (30, 45, 60, 90, 120)
GROUP_SIZES = (4, 6, 8, 12)
PLACE_BUTTONS = 6


def draft_of(context: ProxiContext) -> dict[str, Any] | None:
    """The slot being added, if any."""
    return (context.user_data or {}).get(DRAFT)


def _valid_hhmm(value: str) -> str | None:
    """ "1430" when it is a time of day, else None (forged button data)."""
    try:
        hhmm(value)
    except ValueError:
        return None
    return value if len(value) == 4 and value.isdigit() else None


def _label(minutes: int, t: Translator) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return t("mentoring.availability.minutes", minutes=rest)
    if not rest:
        return t("mentoring.availability.hours", hours=hours)
    return t("mentoring.availability.hours_minutes", hours=hours, minutes=f"{rest:02d}")


def _rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


async def add_pressed(update: Update, context: ProxiContext) -> int:
    """[Ajouter un créneau]: a new draft; the day buttons, or type it all in one sentence."""
    query = update.callback_query
    if query is not None:
        await query.answer()
    if await current_tutor(update, context) is None:
        await show(update, context.t("mentoring.availability.not_tutor"))
        return END
    if context.user_data is not None:
        context.user_data[DRAFT] = {}
    return await advance(update, context)


async def _set(update: Update, context: ProxiContext, **values: Any) -> None:
    """A step's button: record its value in the draft, then ask the next thing."""
    query = update.callback_query
    assert query is not None
    draft = draft_of(context)
    if draft is None:
        await query.answer(context.t("mentoring.availability.stale"), show_alert=True)
        return
    await query.answer()
    draft.update(values)
    await advance(update, context)


async def day_chosen(update: Update, context: ProxiContext) -> None:
    """A day button (av:d:YYYYMMDD)."""
    raw = (update.callback_query.data or "").rsplit(":", 1)[-1]  # type: ignore[union-attr]
    try:
        day = datetime.strptime(raw, "%Y%m%d").date()
    except ValueError:
        day = None
    if day is not None and day not in _bookable_days(context):
        day = None  # forged or stale: only the days the buttons offered
    await _set(update, context, day=day.isoformat() if day else None)


def _bookable_days(context: ProxiContext) -> list[date]:
    """The next days that still have a start time left (in the evening, today has none)."""
    now = context.services.clock.now()
    tz = context.services.settings.tz
    today = now.astimezone(tz).date()
    last_start = time(LAST_HOUR - 1, 30)
    return [
        day
        for day in (today + timedelta(days=n) for n in range(DAYS_AHEAD))
        if local_to_utc(day, last_start, tz) > now
    ]


async def start_chosen(update: Update, context: ProxiContext) -> None:
    """A start time button (av:t:HHMM)."""
    raw = (update.callback_query.data or "").rsplit(":", 1)[-1]  # type: ignore[union-attr]
    await _set(update, context, start=_valid_hhmm(raw))


async def length_chosen(update: Update, context: ProxiContext) -> None:
    """A length button (av:l:<minutes>): one slot, or each appointment of a range."""
    found = ids(update.callback_query.data, 1)  # type: ignore[union-attr]
    draft = draft_of(context) or {}
    minutes = found[0] if found else None
    if minutes and not draft.get("range") and draft.get("start"):
        end = datetime.combine(date.min, hhmm(draft["start"])) + timedelta(minutes=minutes)
        await _set(update, context, minutes=minutes, end=end.strftime("%H%M"))
        return
    await _set(update, context, minutes=minutes)


async def range_chosen(update: Update, context: ProxiContext) -> None:
    """[Plusieurs rendez-vous à la suite] (av:r): ask the end, then each one's length."""
    await _set(update, context, range=True, end=None, minutes=None)


async def end_chosen(update: Update, context: ProxiContext) -> None:
    """An end time button of a range (av:e:HHMM)."""
    raw = (update.callback_query.data or "").rsplit(":", 1)[-1]  # type: ignore[union-attr]
    await _set(update, context, end=_valid_hhmm(raw))


async def place_chosen(update: Update, context: ProxiContext) -> None:
    """A space button (av:p:<space>)."""
    found = ids(update.callback_query.data, 1)  # type: ignore[union-attr]
    await _set(update, context, space_id=found[0] if found else None, online=False)


async def seats_chosen(update: Update, context: ProxiContext) -> None:
    """[Une personne] or [Groupe de N] (av:s:<n>)."""
    found = ids(update.callback_query.data, 1)  # type: ignore[union-attr]
    await _set(update, context, seats=found[0] if found else None)


async def online_pressed(update: Update, context: ProxiContext) -> int:
    """[En ligne]: the tutor types the https link next."""
    query = update.callback_query
    draft = draft_of(context)
    if query is None or draft is None:
        if query is not None:
            await query.answer(context.t("mentoring.availability.stale"), show_alert=True)
        return END
    await query.answer()
    draft.update(online=True, space_id=None, online_url=None)
    return await advance(update, context)


async def other_place_pressed(update: Update, context: ProxiContext) -> int:
    """[Autre espace]: the tutor types the space's name or town next."""
    query = update.callback_query
    if query is None or draft_of(context) is None:
        if query is not None:
            await query.answer(context.t("mentoring.availability.stale"), show_alert=True)
        return END
    await query.answer()
    waiting(context, "place")
    await show(update, context.t("mentoring.availability.ask_place_name"))
    return AWAIT


async def advance(update: Update, context: ProxiContext) -> int:
    """Ask for the first missing piece of the draft, or create the slot(s)."""
    t = context.t
    draft = draft_of(context)
    if draft is None:
        await show(update, t("mentoring.availability.stale"))
        return END
    now = context.services.clock.now()
    tz = context.services.settings.tz
    waiting(context, "availability")
    if not draft.get("day"):
        days = _bookable_days(context)
        buttons = [
            InlineKeyboardButton(
                format_date(day, "EEE d MMM", locale=t.locale),
                callback_data=f"av:d:{day:%Y%m%d}",
            )
            for day in days
        ]
        await show(
            update, t("mentoring.availability.ask_day"), InlineKeyboardMarkup(_rows(buttons, 3))
        )
    elif not draft.get("start"):
        day = date.fromisoformat(draft["day"])
        starts = [
            time(hour, minute) for hour in range(FIRST_HOUR, LAST_HOUR) for minute in (0, 30)
        ]
        buttons = [
            InlineKeyboardButton(f"{at:%H:%M}", callback_data=f"av:t:{at:%H%M}")
            for at in starts
            if local_to_utc(day, at, tz) > now
        ]
        await show(
            update,
            t("mentoring.availability.ask_start", day=t.date(day)),
            InlineKeyboardMarkup(_rows(buttons, 4)),
        )
    elif not draft.get("minutes") or not draft.get("end"):
        await _ask_length(update, context, draft)
    elif not draft.get("space_id") and not draft.get("online_url"):
        return await _ask_place(update, context, draft)
    elif not draft.get("seats"):
        buttons = [
            InlineKeyboardButton(t("mentoring.availability.button_one"), callback_data="av:s:1")
        ]
        buttons += [
            InlineKeyboardButton(
                t("mentoring.availability.button_group", n=n), callback_data=f"av:s:{n}"
            )
            for n in GROUP_SIZES
        ]
        await show(
            update, t("mentoring.availability.ask_seats"), InlineKeyboardMarkup(_rows(buttons, 3))
        )
    else:
        return await create(update, context, draft)
    return AWAIT


async def _ask_length(update: Update, context: ProxiContext, draft: dict[str, Any]) -> None:
    t = context.t
    day = date.fromisoformat(draft["day"])
    start = datetime.combine(day, hhmm(draft["start"]))
    if draft.get("range") and not draft.get("end"):
        ends = [start + timedelta(minutes=30 * n) for n in range(2, 21)]
        buttons = [
            InlineKeyboardButton(f"{end:%H:%M}", callback_data=f"av:e:{end:%H%M}")
            for end in ends
            if end.date() == day
        ]
        text = t("mentoring.availability.ask_end", day=t.date(day), start=f"{start:%H:%M}")
        await show(update, text, InlineKeyboardMarkup(_rows(buttons, 4)))
        return
    if draft.get("range"):
        end = datetime.combine(day, hhmm(draft["end"]))
        span = int((end - start).total_seconds() // 60)
        buttons = [
            InlineKeyboardButton(_label(m, t), callback_data=f"av:l:{m}")
            for m in LENGTHS
            if m <= span
        ]
        text = t(
            "mentoring.availability.ask_appointment", start=f"{start:%H:%M}", end=f"{end:%H:%M}"
        )
        await show(update, text, InlineKeyboardMarkup(_rows(buttons, 3)))
        return
    buttons = [
        InlineKeyboardButton(_label(m, t), callback_data=f"av:l:{m}")
        for m in LENGTHS
        if (start + timedelta(minutes=m)).date() == day
    ]
    rows = _rows(buttons, 3)
    rows.append(
        [InlineKeyboardButton(t("mentoring.availability.button_range"), callback_data="av:r")]
    )
    text = t("mentoring.availability.ask_length", day=t.date(day), start=f"{start:%H:%M}")
    await show(update, text, InlineKeyboardMarkup(rows))


async def _ask_place(update: Update, context: ProxiContext, draft: dict[str, Any]) -> int:
    t = context.t
    if draft.get("online"):
        waiting(context, "link")
        await show(update, t("mentoring.availability.ask_link"))
        return AWAIT
    tutor_id = await current_tutor(update, context)
    if tutor_id is None:
        await show(update, t("mentoring.availability.not_tutor"))
        return END
    spaces = await call_service(
        lookup.spaces_for_tutor, context.services.engine, tutor_id=tutor_id
    )
    waiting(context, "place")
    await show(update, t("mentoring.availability.ask_place"), place_keyboard(t, spaces))
    return AWAIT


def place_keyboard(t: Translator, spaces: list[tuple[int, str, str]]) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(short(f"{name} ({city})", 50), callback_data=f"av:p:{space_id}")]
        for space_id, name, city in spaces[:PLACE_BUTTONS]
    ]
    rows.append(
        [
            InlineKeyboardButton(t("mentoring.availability.button_online"), callback_data="av:on"),
            InlineKeyboardButton(
                t("mentoring.availability.button_other_place"), callback_data="av:op"
            ),
        ]
    )
    return InlineKeyboardMarkup(rows)
