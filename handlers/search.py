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

from bot.confirmation import undecided_among
from bot.context import ProxiContext
from bot.gazetteer import default_gazetteer
from bot.search.browse import Browse, answer
from bot.search.chatter import is_chatter
from bot.search.query import Place, SearchRequest, parse_request
from bot.search.service import SearchOutcome
from handlers import buttons, results
from handlers.buttons import any_of
from handlers.common import Handlers, call_service, edit_or_ignore, safe_answer
from handlers.demand import recorder_of
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
    if (
        pending is not None
        and not request.topic_words
        and (request.place is not None or request.place_candidates)
    ):
        # The answer to "around which town?": the place for the waiting request (homonyms
        # are settled by the waiting request's offer).
        context.user_data.pop("pending", None)
        if request.place is not None and not request.namesakes:
            await _remember_home(update, context, request.place)
        await show(message, context, pending.placed_as(request))
        return
    if is_chatter(request):
        # "merci !", "👍", code: not a request, so no question about the town.
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
    text, keyboard, outcome = await _render(context, browse)
    await message.reply_text(text, reply_markup=keyboard)
    if message.from_user is not None:
        await _record(context, outcome, message.from_user.id)


async def refine(update: Update, context: ProxiContext) -> None:
    """Page, radius, month, modality, back: search again and edit the same message ([Rayon]
    and [Mois] open their choices; a choice searches with it)."""
    query = update.callback_query
    if query is None or query.data is None or context.user_data is None:
        return
    browse = Browse.from_dict(context.user_data.get("browse"))
    if browse is None:
        await safe_answer(query, context.t("search.stale"), show_alert=True)
        return
    await safe_answer(query)
    browse, choosing = _refined(browse, query.data)
    text, keyboard, _outcome = await _render(context, browse, choosing=choosing)
    await edit_or_ignore(query, text, reply_markup=keyboard)


def _refined(browse: Browse, data: str) -> tuple[Browse, str | None]:
    """The list after a refinement button, and which choices to show ("r", "m" or None)."""
    if buttons.RESULTS_PAGE.matches(data):
        return browse.on_page(buttons.RESULTS_PAGE.value(data)), None
    if buttons.RESULTS_RADIUS.matches(data):
        return browse.with_radius(buttons.RESULTS_RADIUS.value(data)), None
    if buttons.RESULTS_MONTH.matches(data):
        return browse.with_month(buttons.RESULTS_MONTH.value(data)), None
    action = buttons.RESULTS_REFINE.value(data)
    if action == "o":
        return browse.next_modality(), None
    return browse, action if action in ("r", "m") else None


async def topic_chosen(update: Update, context: ProxiContext) -> None:
    """One of the topics taught nearby, offered when nothing was found: search it there."""
    query = update.callback_query
    if query is None or query.data is None or context.user_data is None:
        return
    browse = Browse.from_dict(context.user_data.get("browse"))
    topics: list[str] = context.user_data.get("other_topics") or []
    number = buttons.RESULTS_TOPIC.value(query.data)
    if browse is None or browse.request.place is None or number >= len(topics):
        await safe_answer(query, context.t("search.stale"), show_alert=True)
        return
    await safe_answer(query)
    services = context.services
    request = parse_request(
        topics[number],
        now=services.clock.now(),
        tz=services.settings.tz,
        gazetteer=default_gazetteer(),
    )
    text, keyboard, outcome = await _render(
        context, Browse(request.with_place(browse.request.place))
    )
    await edit_or_ignore(query, text, reply_markup=keyboard)
    await _record(context, outcome, query.from_user.id)


async def place_chosen(update: Update, context: ProxiContext) -> None:
    """One of the candidate towns of an ambiguous name, or [Murat (03)] under a list ("Ce
    n'est pas ce Murat ?"): the same search there."""
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
    text, keyboard, outcome = await _render(context, browse.at(place))
    await edit_or_ignore(query, text, reply_markup=keyboard)
    await _record(context, outcome, query.from_user.id)


def _alert_radius(outcome: SearchOutcome) -> float | None:
    """The radius an alert from this list keeps: the one used, except when widening found
    nothing even at 100 km: then the one the learner started from, not 100 km."""
    if outcome.results or not outcome.widened:
        return outcome.radius_km
    place = outcome.place
    return outcome.request.radius_km or (place.default_radius_km if place else None)


async def _render(
    context: ProxiContext,
    browse: Browse,
    *,
    choosing: str | None = None,
) -> tuple[str, InlineKeyboardMarkup | None, SearchOutcome]:
    """Search again (seats and dates are never stale) and remember the list for its buttons;
    `choosing` shows the choices of [Rayon] ("r") or [Mois] ("m") under the same text."""
    services = context.services
    now = services.clock.now()
    found = await call_service(
        answer, services.search.current, browse, now=now, tz=services.settings.tz
    )
    outcome = found.outcome
    browse = found.browse or browse  # its place settled among homonyms
    assert context.user_data is not None
    context.user_data["browse"] = browse.to_dict()
    context.user_data["results"] = [r.session.id for r in outcome.results]
    context.user_data["radius_used"] = _alert_radius(outcome)
    context.user_data["other_topics"] = [fr for fr, _ in found.other_topics]
    if (place := outcome.place) is not None:  # plain values: user_data may be persisted
        context.user_data["place"] = {
            "latitude": place.latitude,
            "longitude": place.longitude,
            "label": place.label,
        }
    undecided = await call_service(
        undecided_among, services.engine, session_ids=[r.session.id for r in outcome.results]
    )
    shown = results.render(context.t, browse, outcome, now, found.other_topics, undecided)
    if shown.alert:
        context.user_data["alert"] = browse.to_dict()
        # What [M'alerter] will confirm: the topic understood, not the whole sentence.
        context.user_data["alert_topic"] = results.topic_label(context.t, browse, outcome)
    if choosing is not None and shown.keyboard is not None:
        return shown.text, results.choosing(context.t, browse, outcome, now, choosing), outcome
    return shown.text, shown.keyboard, outcome


async def _record(context: ProxiContext, outcome: SearchOutcome, user_id: int) -> None:
    """Queue a new search (not a page or a refinement) for /demande, without the person
    (`bot.demand.recorder`: written in batches, never in the learner's way); its token
    stays in the chat so that [M'alerter] can mark it."""
    assert context.user_data is not None
    token = recorder_of(context).add(outcome, user_id=user_id, now=context.services.clock.now())
    context.user_data["search_record"] = token


def learner_place(context: ProxiContext) -> Place | None:
    """Where the learner is looking: the last place searched around, else the shared point
    or the home town."""
    last = (context.user_data or {}).get("place")
    if last:
        return Place.from_point(last["latitude"], last["longitude"], last["label"])
    return _default_place(context)


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
        CallbackQueryHandler(
            refine,
            pattern=any_of(
                buttons.RESULTS_PAGE,
                buttons.RESULTS_REFINE,
                buttons.RESULTS_RADIUS,
                buttons.RESULTS_MONTH,
            ),
        ),
        CallbackQueryHandler(topic_chosen, pattern=buttons.RESULTS_TOPIC.pattern),
        CallbackQueryHandler(place_chosen, pattern=buttons.PLACE.pattern),
    ]


def text_handlers() -> Handlers:
    """Any text no command or conversation took is a request in plain words; a location is
    the place of the waiting request."""
    return [
        MessageHandler(filters.TEXT, search_text),
        MessageHandler(filters.LOCATION, location_shared),
    ]
