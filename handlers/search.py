"""Free-text search: a learner writes what they want, gets the nearest fitting sessions.

State (the current result list) lives in `context.user_data["browse"]` as plain data
(`Browse.to_dict`, so it survives a restart); every refinement button searches again, so
seats and dates are never stale.
"""

from __future__ import annotations

import logging

from telegram import (
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.context import ProxiContext
from bot.gazetteer import default_gazetteer
from bot.search.browse import Browse, run
from bot.search.query import Place, SearchRequest, parse_request
from handlers import buttons, results
from handlers.buttons import any_of
from handlers.common import Handlers, call_service, edit_or_ignore, safe_answer
from handlers.fallback import MAX_REQUEST_LENGTH

logger = logging.getLogger(__name__)


async def search_text(update: Update, context: ProxiContext) -> None:
    """A plain message: understand it and answer with results (or ask what is missing)."""
    message = update.effective_message
    if message is None or context.user_data is None:
        return
    text = (message.text or "").strip()
    if len(text) > MAX_REQUEST_LENGTH:
        await message.reply_text(context.t("fallback.too_long"))
        return
    services = context.services
    now = services.clock.now()
    request = parse_request(text, now=now, tz=services.settings.tz, gazetteer=default_gazetteer())
    pending = Browse.from_dict(context.user_data.get("pending"))
    if pending is not None and not request.topic_words and request.place is not None:
        # The answer to "around which town?": the place for the waiting request.
        context.user_data.pop("pending", None)
        await _remember_home(update, context, request.place)
        await show(message, context, pending.at(request.place))
        return
    if not (
        request.topic_words or request.place or request.unknown_place or request.place_candidates
    ):
        await message.reply_text(context.t("search.need_topic"))
        return
    await _search_somewhere(message, context, request)


async def _search_somewhere(
    message: Message, context: ProxiContext, request: SearchRequest
) -> None:
    """A request that names no place searches around the shared point or the home town, or
    waits while the place is asked for."""
    if request.place is None and not request.place_candidates and not request.unknown_place:
        place = _default_place(context)
        if place is None:
            assert context.user_data is not None
            context.user_data["pending"] = Browse(request).to_dict()
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
    context.user_data["point"] = [place.latitude, place.longitude]
    pending = Browse.from_dict(context.user_data.pop("pending", None))
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
    browse = Browse.from_dict(context.user_data.get("browse"))
    if browse is None:
        await safe_answer(query, context.t("search.stale"), show_alert=True)
        return
    await safe_answer(query)
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
    stored = context.user_data.get("browse") or context.user_data.get("pending")
    browse = Browse.from_dict(stored)
    if commune is None or browse is None:
        await safe_answer(query, context.t("search.stale"), show_alert=True)
        return
    await safe_answer(query)
    place = Place.from_commune(commune)
    await _remember_home(update, context, place)
    text, keyboard = await _render(context, browse.at(place))
    await edit_or_ignore(query, text, reply_markup=keyboard)


async def _render(
    context: ProxiContext, browse: Browse
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Search again (seats and dates are never stale) and remember the list for its buttons."""
    services = context.services
    now = services.clock.now()
    outcome = await call_service(
        run, services.search.current, browse, now=now, tz=services.settings.tz
    )
    assert context.user_data is not None
    context.user_data["browse"] = browse.to_dict()
    context.user_data["results"] = [r.session.id for r in outcome.results]
    context.user_data["radius_used"] = outcome.radius_km
    answer = results.render(context.t, browse, outcome, now)
    if answer.alert:
        context.user_data["alert"] = browse.to_dict()
    return answer.text, answer.keyboard


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
