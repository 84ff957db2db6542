"""Tutors add availability, guided with buttons: day, start, length (or a range cut into
appointments), place (spaces or online), seats.

The steps fill one draft in `context.user_data[DRAFT]` (the typed phrase of
:mod:`handlers.mentoring.typing` fills the same draft); `advance` asks for the first missing
piece and, once nothing is missing, :mod:`handlers.mentoring.creating` creates the slot(s).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler

from bot.context import ProxiContext
from bot.i18n import Translator
from bot.mentoring.drafts import hhmm
from bot.mentoring.timing import local_to_utc
from handlers import buttons
from handlers.common import safe_answer
from handlers.mentoring.access import current_tutor, tutor_spaces
from handlers.mentoring.creating import create
from handlers.mentoring.messages import show
from handlers.mentoring.preview import show_preview, starts, understood
from handlers.mentoring.state import AWAIT, DRAFT, waiting
from handlers.mentoring.texts import length_label, short

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


def _rows(choices: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [choices[i : i + width] for i in range(0, len(choices), width)]


async def add_pressed(update: Update, context: ProxiContext) -> int:
    """[Ajouter un créneau]: a new draft; the day buttons, or type it all in one sentence."""
    query = update.callback_query
    if query is not None:
        await safe_answer(query)
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
        await safe_answer(query, context.t("mentoring.availability.stale"), show_alert=True)
        return
    await safe_answer(query)
    draft.update(values)
    await advance(update, context)


async def day_chosen(update: Update, context: ProxiContext) -> None:
    """A day button (av:d:YYYYMMDD)."""
    assert update.callback_query is not None
    raw = buttons.SLOT_DAY.value(update.callback_query.data)
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
    assert update.callback_query is not None
    raw = buttons.SLOT_START.value(update.callback_query.data)
    await _set(update, context, start=_valid_hhmm(raw))


async def length_chosen(update: Update, context: ProxiContext) -> None:
    """A length button (av:l:<minutes>): one slot, or each appointment of a range."""
    assert update.callback_query is not None
    minutes = buttons.SLOT_LENGTH.value(update.callback_query.data)
    draft = draft_of(context) or {}
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
    assert update.callback_query is not None
    raw = buttons.SLOT_END.value(update.callback_query.data)
    await _set(update, context, end=_valid_hhmm(raw))


async def place_chosen(update: Update, context: ProxiContext) -> None:
    """A space button (av:p:<space>)."""
    assert update.callback_query is not None
    space_id = buttons.SLOT_SPACE.value(update.callback_query.data)
    await _set(update, context, space_id=space_id, online=False)


async def seats_chosen(update: Update, context: ProxiContext) -> None:
    """[Une personne] or [Groupe de N] (av:s:<n>)."""
    assert update.callback_query is not None
    await _set(update, context, seats=buttons.SLOT_SEATS.value(update.callback_query.data))


async def online_pressed(update: Update, context: ProxiContext) -> int:
    """[En ligne]: the tutor types the https link next."""
    query = update.callback_query
    draft = draft_of(context)
    if query is None or draft is None:
        if query is not None:
            await safe_answer(query, context.t("mentoring.availability.stale"), show_alert=True)
        return END
    await safe_answer(query)
    draft.update(online=True, space_id=None, online_url=None)
    return await advance(update, context)


async def other_place_pressed(update: Update, context: ProxiContext) -> int:
    """[Autre espace]: the tutor types the space's name or town next."""
    query = update.callback_query
    if query is None or draft_of(context) is None:
        if query is not None:
            await safe_answer(query, context.t("mentoring.availability.stale"), show_alert=True)
        return END
    await safe_answer(query)
    waiting(context, "place")
    await show(update, context.t("mentoring.availability.ask_place_name"))
    return AWAIT


async def advance(update: Update, context: ProxiContext) -> int:
    """Ask for the first missing piece of the draft, or create the slot(s)."""
    draft = draft_of(context)
    if draft is None:
        await show(update, context.t("mentoring.availability.stale"))
        return END
    waiting(context, "availability")
    if not draft.get("day"):
        await _ask_day(update, context)
    elif not draft.get("start"):
        await _ask_start(update, context, date.fromisoformat(draft["day"]))
    elif not draft.get("minutes") or not draft.get("end"):
        await _ask_length(update, context, draft)
    elif not draft.get("space_id") and not draft.get("online_url"):
        return await _ask_place(update, context, draft)
    elif not draft.get("seats"):
        await _ask_seats(update, context)
    elif draft.get("preview"):
        await show_preview(update, context, draft)  # saved by [Enregistrer]
    else:
        return await create(update, context, draft)
    return AWAIT


async def _ask_day(update: Update, context: ProxiContext) -> None:
    t = context.t
    choices = [
        buttons.SLOT_DAY.button(format_date(day, "EEE d MMM", locale=t.locale), f"{day:%Y%m%d}")
        for day in _bookable_days(context)
    ]
    await show(
        update, t("mentoring.availability.ask_day"), InlineKeyboardMarkup(_rows(choices, 3))
    )


async def _ask_start(update: Update, context: ProxiContext, day: date) -> None:
    t = context.t
    now = context.services.clock.now()
    tz = context.services.settings.tz
    starts = [time(hour, minute) for hour in range(FIRST_HOUR, LAST_HOUR) for minute in (0, 30)]
    choices = [
        buttons.SLOT_START.button(f"{at:%H:%M}", f"{at:%H%M}")
        for at in starts
        if local_to_utc(day, at, tz) > now
    ]
    await show(
        update,
        t("mentoring.availability.ask_start", day=t.date(day)),
        InlineKeyboardMarkup(_rows(choices, 4)),
    )


async def _ask_seats(update: Update, context: ProxiContext) -> None:
    t = context.t
    choices = [buttons.SLOT_SEATS.button(t("mentoring.availability.button_one"), 1)]
    choices += [
        buttons.SLOT_SEATS.button(t("mentoring.availability.button_group", n=n), n)
        for n in GROUP_SIZES
    ]
    await show(
        update, t("mentoring.availability.ask_seats"), InlineKeyboardMarkup(_rows(choices, 3))
    )


async def _ask_length(update: Update, context: ProxiContext, draft: dict[str, Any]) -> None:
    t = context.t
    day = date.fromisoformat(draft["day"])
    start = datetime.combine(day, hhmm(draft["start"]))
    if draft.get("range") and not draft.get("end"):
        ends = [start + timedelta(minutes=30 * n) for n in range(2, 21)]
        choices = [
            buttons.SLOT_END.button(f"{end:%H:%M}", f"{end:%H%M}")
            for end in ends
            if end.date() == day
        ]
        text = t("mentoring.availability.ask_end", day=t.date(day), start=f"{start:%H:%M}")
        await show(update, text, InlineKeyboardMarkup(_rows(choices, 4)))
        return
    if draft.get("range"):
        end = datetime.combine(day, hhmm(draft["end"]))
        span = int((end - start).total_seconds() // 60)
        choices = [buttons.SLOT_LENGTH.button(length_label(m, t), m) for m in LENGTHS if m <= span]
        text = t(
            "mentoring.availability.ask_appointment", start=f"{start:%H:%M}", end=f"{end:%H:%M}"
        )
        await show(update, text, InlineKeyboardMarkup(_rows(choices, 3)))
        return
    choices = [
        buttons.SLOT_LENGTH.button(length_label(m, t), m)
        for m in LENGTHS
        if (start + timedelta(minutes=m)).date() == day
    ]
    rows = _rows(choices, 3)
    rows.append([buttons.SLOT_RANGE.button(t("mentoring.availability.button_range"))])
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
    spaces = await tutor_spaces(context, tutor_id)
    waiting(context, "place")
    text = t("mentoring.availability.ask_place")
    if draft.get("preview"):  # typed with a length assumed: say what was understood first
        text = understood(t, draft, starts(draft, context)) + "\n" + text
    await show(update, text, place_keyboard(t, spaces))
    return AWAIT


def place_keyboard(t: Translator, spaces: list[tuple[int, str, str]]) -> InlineKeyboardMarkup:
    """Up to PLACE_BUTTONS of the tutor's spaces, then [En ligne] [Autre espace]."""
    rows = [
        [buttons.SLOT_SPACE.button(short(f"{name} ({city})", 50), space_id)]
        for space_id, name, city in spaces[:PLACE_BUTTONS]
    ]
    rows.append(
        [
            buttons.SLOT_ONLINE.button(t("mentoring.availability.button_online")),
            buttons.SLOT_OTHER_PLACE.button(t("mentoring.availability.button_other_place")),
        ]
    )
    return InlineKeyboardMarkup(rows)


def handlers() -> list[BaseHandler[Update, ProxiContext, Any]]:
    """The guided steps of adding a slot ([Ajouter], [En ligne] and [Autre espace] start or
    continue the conversation, see `conversation`)."""
    return [
        CallbackQueryHandler(day_chosen, pattern=buttons.SLOT_DAY.pattern),
        CallbackQueryHandler(start_chosen, pattern=buttons.SLOT_START.pattern),
        CallbackQueryHandler(length_chosen, pattern=buttons.SLOT_LENGTH.pattern),
        CallbackQueryHandler(range_chosen, pattern=buttons.SLOT_RANGE.pattern),
        CallbackQueryHandler(end_chosen, pattern=buttons.SLOT_END.pattern),
        CallbackQueryHandler(place_chosen, pattern=buttons.SLOT_SPACE.pattern),
        CallbackQueryHandler(seats_chosen, pattern=buttons.SLOT_SEATS.pattern),
    ]
