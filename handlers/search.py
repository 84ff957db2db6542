"""Free-text search: a learner writes what they want, gets the nearest fitting sessions.

State (the current result list) lives in `context.user_data["browse"]`; every refinement
button searches again, so seats and dates are never stale.
"""

from __future__ import annotations

import html
import logging

from babel.dates import format_date
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.context import ProxiContext
from bot.gazetteer import default_gazetteer
from bot.i18n import Translator
from bot.search.browse import Browse, month_window, page_of, run
from bot.search.query import Place, parse_request
from bot.search.service import SearchOutcome
from handlers import buttons
from handlers.buttons import any_of
from handlers.common import Handlers, call_service, edit_or_ignore
from handlers.fallback import MAX_REQUEST_LENGTH

logger = logging.getLogger(__name__)

FEW_RESULTS = 3  # at most this many: offer an alert too
TITLE_BUTTON_LENGTH = 38


async def search_text(update: Update, context: ProxiContext) -> None:
    """A plain message: understand it and answer with results (or ask what is missing)."""
    message = update.effective_message
    if message is None or context.user_data is None:
        return
    text = (message.text or "").strip()
    t = context.t
    if len(text) > MAX_REQUEST_LENGTH:
        await message.reply_text(t("fallback.too_long"))
        return
    services = context.services
    now = services.clock.now()
    request = parse_request(text, now=now, tz=services.settings.tz, gazetteer=default_gazetteer())
    pending: Browse | None = context.user_data.get("pending")
    if pending is not None and not request.topic_words and request.place is not None:
        # The answer to "around which town?": the place for the waiting request.
        context.user_data.pop("pending", None)
        await _remember_home(update, context, request.place)
        await show(message, context, pending.at(request.place))
        return
    nothing_understood = not (
        request.topic_words or request.place or request.unknown_place or request.place_candidates
    )
    if nothing_understood:
        await message.reply_text(t("search.need_topic"))
        return
    if request.place is None and not request.place_candidates and not request.unknown_place:
        place = _default_place(context)
        if place is None:
            context.user_data["pending"] = Browse(request)
            await _ask_place(message, context)
            return
        request = request.with_place(place)
    await show(message, context, Browse(request))


async def location_shared(update: Update, context: ProxiContext) -> None:
    """A shared location: search around it (the waiting request, or the next one)."""
    message = update.effective_message
    if message is None or message.location is None or context.user_data is None:
        return
    place = _point(context, message.location.latitude, message.location.longitude)
    context.user_data["point"] = (place.latitude, place.longitude)
    pending: Browse | None = context.user_data.pop("pending", None)
    if pending is None:
        await message.reply_text(context.t("search.location_noted"))
        return
    await show(message, context, pending.at(place))


async def show(message: Message, context: ProxiContext, browse: Browse) -> None:
    """Search and send the result list as a new message."""
    text, keyboard = await _render(context, browse)
    await message.reply_text(text, reply_markup=keyboard)


async def refine(update: Update, context: ProxiContext) -> None:
    """Page, radius, month, modality, back: search again and edit the same message."""
    query = update.callback_query
    if query is None or query.data is None or context.user_data is None:
        return
    browse: Browse | None = context.user_data.get("browse")
    if browse is None:
        await query.answer(context.t("search.stale"), show_alert=True)
        return
    await query.answer()
    if buttons.RESULTS_PAGE.matches(query.data):
        browse = browse.on_page(buttons.RESULTS_PAGE.value(query.data))
    else:
        action = buttons.RESULTS_REFINE.value(query.data)
        if action == "r":
            browse = browse.next_radius(context.user_data.get("radius_used"))
        elif action == "m":
            browse = browse.next_month()
        elif action == "o":
            browse = browse.next_modality()
    text, keyboard = await _render(context, browse)
    await edit_or_ignore(query, text, reply_markup=keyboard)


async def place_chosen(update: Update, context: ProxiContext) -> None:
    """One of the candidate towns of an ambiguous name."""
    query = update.callback_query
    if query is None or query.data is None or context.user_data is None:
        return
    commune = default_gazetteer().by_insee(buttons.PLACE.value(query.data))
    browse: Browse | None = context.user_data.get("browse") or context.user_data.get("pending")
    if commune is None or browse is None:
        await query.answer(context.t("search.stale"), show_alert=True)
        return
    await query.answer()
    place = Place.from_commune(commune)
    await _remember_home(update, context, place)
    text, keyboard = await _render(context, browse.at(place))
    await edit_or_ignore(query, text, reply_markup=keyboard)


async def _render(
    context: ProxiContext, browse: Browse
) -> tuple[str, InlineKeyboardMarkup | None]:
    services = context.services
    now = services.clock.now()
    outcome = await call_service(
        run, services.search.current, browse, now=now, tz=services.settings.tz
    )
    assert context.user_data is not None
    context.user_data["browse"] = browse
    context.user_data["results"] = [r.session.id for r in outcome.results]
    context.user_data["radius_used"] = outcome.radius_km
    t = context.t
    labels = outcome.concepts_en if t.language == "en" else outcome.concepts
    topic = ", ".join(labels) or browse.request.topic or t("search.everything")
    notes = [t("search.truncated")] if browse.request.truncated else []
    if outcome.unknown_place:
        return t("search.unknown_place", place=html.escape(outcome.unknown_place)), None
    if outcome.place_candidates:
        rows = [[buttons.PLACE.button(c.label, c.insee)] for c in outcome.place_candidates[:8]]
        return t("search.which_place"), InlineKeyboardMarkup(rows)
    if outcome.no_topic_match:
        context.user_data["alert"] = browse
        # The learner's own words (accents and all), not the normalised ones.
        text = t("search.no_topic", topic=html.escape(_shorten(browse.request.text, 60)))
        return text, _alert_keyboard(context)
    if outcome.corrections:
        words = ", ".join(f"{html.escape(a)} → {html.escape(b)}" for a, b in outcome.corrections)
        notes.append(t("search.corrected", words=words))
    place_label = _around(t, outcome.place) if outcome.place else ""
    radius = int(outcome.radius_km) if outcome.radius_km else None
    if not outcome.results:
        context.user_data["alert"] = browse
        if radius and outcome.place is not None:
            text = t(
                "search.none_nearby", topic=html.escape(topic), radius=radius, place=place_label
            )
        else:  # online sessions, or no place: no radius to talk about
            text = t("search.none_anywhere", topic=html.escape(topic))
        return "\n".join([text, *notes]), _keyboard(context, browse, outcome, [], alert=True)
    if outcome.widened and radius and outcome.place is not None:
        first = int(browse.request.radius_km or outcome.place.default_radius_km)
        notes.insert(0, t("search.widened", previous=first, radius=radius))
    count = len(outcome.results)
    if outcome.place is not None and radius:
        header = t(
            "search.results_header",
            count=count,
            topic=html.escape(topic),
            place=place_label,
            radius=radius,
        )
    else:
        header = t("search.results_header_anywhere", count=count, topic=html.escape(topic))
    indexes, _, _ = page_of(outcome, browse.page)
    lines = [header, *notes, ""]
    for i in indexes:
        lines.append(_line(context, i + 1, outcome.results[i]))
    pages = (count + 4) // 5
    if pages > 1:
        lines.append(t("search.page", page=browse.page + 1, pages=pages))
    few = count <= FEW_RESULTS
    if few:
        context.user_data["alert"] = browse
    return "\n".join(lines), _keyboard(context, browse, outcome, indexes, alert=few)


def _around(t: Translator, place: Place) -> str:
    """ "autour de Ploërmel", "autour d'Augan" (French elides "de" before a vowel), or "dans
    le département Morbihan (56)"."""
    label = place.label
    if place.kind == "departement":
        return t("search.in_departement", place=html.escape(label))
    return t("search.around", place=html.escape(label))  # "d'Augan": the translator elides


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _line(context: ProxiContext, number: int, result: object) -> str:
    t = context.t
    session = result.session  # type: ignore[attr-defined]
    distance = (
        t("search.distance", km=t.number(round(result.distance_km)))  # type: ignore[attr-defined]
        if result.distance_km is not None  # type: ignore[attr-defined]
        else ""
    )
    seats = (
        t("search.full")
        if result.full  # type: ignore[attr-defined]
        else t("search.seats_left", count=result.seats_left)  # type: ignore[attr-defined]
    )
    line = t(
        "search.line",
        i=number,
        title=html.escape(session.title),
        city=html.escape(session.space.city),
        distance=distance,
        when=t.datetime(session.starts_at),
        seats=seats,
    )
    if result.other_dates:  # type: ignore[attr-defined]
        line += t("search.other_dates", count=result.other_dates)  # type: ignore[attr-defined]
    return line


def _keyboard(
    context: ProxiContext,
    browse: Browse,
    outcome: SearchOutcome,
    indexes: list[int],
    *,
    alert: bool,
) -> InlineKeyboardMarkup:
    t = context.t
    rows: list[list[InlineKeyboardButton]] = []
    for i in indexes:
        title = outcome.results[i].session.title
        if len(title) > TITLE_BUTTON_LENGTH:
            title = title[: TITLE_BUTTON_LENGTH - 1] + "…"
        rows.append([buttons.CARD.button(f"{i + 1}. {title}", outcome.results[i].session.id)])
    _, before, after = page_of(outcome, browse.page)
    nav = []
    if before:
        nav.append(buttons.RESULTS_PAGE.button(t("search.button_previous"), browse.page - 1))
    if after:
        nav.append(buttons.RESULTS_PAGE.button(t("search.button_next"), browse.page + 1))
    if nav:
        rows.append(nav)
    refine_row = []
    if outcome.place is not None:
        radius = int(outcome.radius_km or 30)
        refine_row.append(
            buttons.RESULTS_REFINE.button(t("search.button_radius", radius=radius), "r")
        )
    refine_row.append(buttons.RESULTS_REFINE.button(_month_label(context, browse), "m"))
    rows.append(refine_row)
    shown = browse.modality or browse.request.modality  # what the request said, if nothing set
    shown = shown if shown in ("presentiel", "distanciel") else None
    modality_key = f"search.button_modality_{shown or 'any'}"
    bottom = [buttons.RESULTS_REFINE.button(t(modality_key), "o")]
    if alert:
        bottom.append(buttons.ALERT_NEW.button(t("search.button_alert")))
    rows.append(bottom)
    return InlineKeyboardMarkup(rows)


def _month_label(context: ProxiContext, browse: Browse) -> str:
    t = context.t
    if browse.month_offset is None:
        asked = browse.request.when.start is not None or browse.request.when.end is not None
        return t("search.button_month_asked" if asked else "search.button_month_any")
    start, _ = month_window(context.services.clock.now(), t.tz, browse.month_offset)
    month = format_date(start.astimezone(t.tz), "MMMM", locale=t.locale)
    return t("search.button_month", month=month)


def _alert_keyboard(context: ProxiContext) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[buttons.ALERT_NEW.button(context.t("search.button_alert"))]])


def _default_place(context: ProxiContext) -> Place | None:
    """Where to search when the request names no place: a shared point, else the home town."""
    data = context.user_data or {}
    if point := data.get("point"):
        return _point(context, point[0], point[1])
    insee = data.get("home_insee")
    commune = default_gazetteer().by_insee(insee) if insee else None
    return Place.from_commune(commune) if commune else None


def _point(context: ProxiContext, latitude: float, longitude: float) -> Place:
    """A shared location, labelled by the nearest commune so the learner recognises it."""
    town = default_gazetteer().nearest(latitude, longitude)
    label = context.t("search.your_position", town=town.name if town else "?")
    return Place.from_point(latitude, longitude, label)


async def _ask_place(message: Message, context: ProxiContext) -> None:
    t = context.t
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton(t("search.button_share_location"), request_location=True)]],
        one_time_keyboard=True,
        resize_keyboard=True,
    )
    await message.reply_text(t("search.ask_place"), reply_markup=keyboard)


async def _remember_home(update: Update, context: ProxiContext, place: Place) -> None:
    """The first town a learner gives becomes their home town (changeable in /settings)."""
    from bot.users import set_home

    user = update.effective_user
    if user is None or place.insee is None or context.user_data is None:
        return
    if context.user_data.get("home_insee"):
        return
    await call_service(set_home, context.services.engine, user_id=user.id, insee=place.insee)
    context.user_data["home_insee"] = place.insee


def handlers() -> Handlers:
    """The result list's buttons (typed requests and shared locations are registered last,
    by `text_handlers`, so that commands and conversations see them first)."""
    return [
        CallbackQueryHandler(refine, pattern=any_of(buttons.RESULTS_PAGE, buttons.RESULTS_REFINE)),
        CallbackQueryHandler(place_chosen, pattern=buttons.PLACE.pattern),
    ]


def text_handlers() -> Handlers:
    """Any text no command or conversation took is a request in plain words; a location is
    the place of the waiting request."""
    return [
        MessageHandler(filters.TEXT, search_text),
        MessageHandler(filters.LOCATION, location_shared),
    ]
