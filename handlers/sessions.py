"""Session cards: open one (button or deep link), share it, show the venue pin."""

from __future__ import annotations

import html
import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler
from telegram.helpers import create_deep_linked_url

from bot.catalogue import OtherDate, SessionCard, other_dates, session_card
from bot.context import ProxiContext
from bot.i18n import Translator
from bot.models import EnrolmentStatus
from handlers import buttons
from handlers.common import (
    Handlers,
    call_service,
    chat_of,
    edit_or_ignore,
    pressed,
    reply,
    safe_answer,
)
from handlers.render import card_text
from handlers.search import learner_place

logger = logging.getLogger(__name__)

SESSION_LINK_PREFIX = "s_"
MAX_PINS_REMEMBERED = 200  # the cards whose venue pin this chat has had (user_data["pins"])


def card_keyboard(
    context: ProxiContext, card: SessionCard, *, other_dates: int = 0
) -> InlineKeyboardMarkup:
    """The reader's next step (see `_seat_row`), [Autres dates], [Partager], [Retour] after
    a search."""
    t = context.t
    rows: list[list[InlineKeyboardButton]] = []
    if card.bookable:
        rows.append(_seat_row(t, card))
    if other_dates:
        rows.append(
            [buttons.OTHER_DATES.button(t("card.button_other_dates", count=other_dates), card.id)]
        )
    bottom = [buttons.SHARE.button(t("card.button_share"), card.id)]
    if context.user_data is not None and context.user_data.get("results"):
        bottom.append(buttons.RESULTS_REFINE.button(t("card.button_back"), "back"))
    rows.append(bottom)
    return InlineKeyboardMarkup(rows)


def _seat_row(t: Translator, card: SessionCard) -> list[InlineKeyboardButton]:
    """Enrolled: [Me désinscrire]; waiting: [Quitter la liste d'attente]; a seat held:
    [Je prends la place] [Je laisse la place]; otherwise [M'inscrire], or [Liste d'attente]
    when it is full."""
    seat = card.learner
    if seat is None:
        if card.seats_left > 0:
            return [buttons.ENROL.button(t("card.button_enrol"), card.id)]
        return [buttons.WAITLIST.button(t("card.button_waitlist"), card.id)]
    if seat.status == EnrolmentStatus.OFFERED:
        return [
            buttons.OFFER_ACCEPT.button(t("enrol.offer_accept"), seat.enrolment_id),
            buttons.OFFER_DECLINE.button(t("enrol.offer_decline"), seat.enrolment_id),
        ]
    key = "card.button_leave_waitlist" if seat.status == EnrolmentStatus.WAITING else None
    return [buttons.CANCEL_ENROLMENT.button(t(key or "card.button_unenrol"), seat.enrolment_id)]


def card_message(t: Translator, card: SessionCard) -> str:
    """The card, then where the reader stands on it (enrolled, waiting, a seat held)."""
    text = card_text(t, card)
    seat = card.learner
    if seat is None or not card.bookable:
        return text
    if seat.status == EnrolmentStatus.WAITING:
        status = t("card.you_waiting", position=seat.position)
    elif seat.status == EnrolmentStatus.OFFERED and seat.offer_expires_at is not None:
        status = t("card.you_offered", deadline=t.datetime(seat.offer_expires_at))
    else:
        status = t("card.you_enrolled")
    return f"{text}\n\n{status}"


async def load_card(
    context: ProxiContext, session_id: int, user_id: int | None = None
) -> SessionCard | None:
    services = context.services
    return await call_service(
        session_card,
        services.engine,
        session_id=session_id,
        now=services.clock.now(),
        user_id=user_id,
    )


def first_view(context: ProxiContext, card: SessionCard) -> bool:
    """Whether this chat is shown this card's venue pin for the first time (then remembered:
    the pin is sent once per card, not on every view)."""
    if not card.bookable or card.modality == "distanciel" or context.user_data is None:
        return False
    pinned: list[int] = context.user_data.setdefault("pins", [])
    if card.id in pinned:
        return False
    pinned.append(card.id)
    del pinned[:-MAX_PINS_REMEMBERED]
    return True


async def _count_other_dates(context: ProxiContext, session_id: int) -> int:
    services = context.services
    found = await call_service(
        other_dates, services.engine, session_id=session_id, now=services.clock.now()
    )
    return len(found)


async def dates_pressed(update: Update, context: ProxiContext) -> None:
    """[Autres dates]: the same course at its other dates and places, one button each, the
    nearest to the learner's place first (with the distance), else the soonest first."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    services = context.services
    t = context.t
    session_id = buttons.OTHER_DATES.value(query.data)
    place = learner_place(context)
    found = await call_service(
        other_dates,
        services.engine,
        session_id=session_id,
        now=services.clock.now(),
        near=(place.latitude, place.longitude) if place is not None else None,
    )
    if not found:
        await safe_answer(query, t("card.no_other_dates"), show_alert=True)
        return
    await safe_answer(query)
    rows = [[buttons.CARD.button(_other_date(t, item), item.session_id)] for item in found]
    rows.append([buttons.CARD.button(t("card.button_back_to_card"), session_id)])
    title = (
        t("card.other_dates_title_near", place=html.escape(place.label))
        if place is not None
        else t("card.other_dates_title")
    )
    await edit_or_ignore(query, title, reply_markup=InlineKeyboardMarkup(rows))


def _other_date(t: Translator, item: OtherDate) -> str:
    """ "Redon (12 km) — mardi 2 mars à 09:00 — 3 places" (the distance when it is known)."""
    seats = (
        t("card.seats_short", count=item.seats_left) if item.seats_left else t("card.full_short")
    )
    when = t.datetime(item.starts_at)
    if item.distance_km is None:
        return t("card.other_date", when=when, city=item.city, seats=seats)
    km = t.number(round(item.distance_km))
    return t("card.other_date_near", when=when, city=item.city, km=km, seats=seats)


async def send_venue(bot: Bot, chat_id: int, card: SessionCard) -> None:
    """The venue as a map pin."""
    await bot.send_venue(
        chat_id,
        latitude=card.latitude,
        longitude=card.longitude,
        title=card.space_name,
        address=f"{card.address}, {card.postcode} {card.city}".strip(", "),
    )


async def open_card(update: Update, context: ProxiContext) -> None:
    """A result's button: the card replaces the list, then the venue pin follows (once)."""
    if (found := pressed(update)) is None:
        return
    query, user = found
    card = await load_card(context, buttons.CARD.value(query.data), user.id)
    if card is None:
        await safe_answer(query, context.t("card.not_found"), show_alert=True)
        return
    await safe_answer(query)
    others = await _count_other_dates(context, card.id)
    await edit_or_ignore(
        query,
        card_message(context.t, card),
        reply_markup=card_keyboard(context, card, other_dates=others),
    )
    if first_view(context, card):
        await send_venue(context.bot, chat_of(query), card)


async def open_card_from_link(update: Update, context: ProxiContext, payload: str) -> bool:
    """/start s_<id>: the deep link of a poster's QR code opens the card directly; False when
    it leads to no session (/start then answers as for any broken link)."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return True
    # Deep-link payloads come from anywhere: only a plausible id reaches the database.
    # (isascii: "²" and other Unicode digits pass isdigit() but not int()).
    plausible = payload.isascii() and payload.isdigit() and len(payload) <= 9
    session_id = int(payload) if plausible else 0
    card = await load_card(context, session_id, user.id) if session_id > 0 else None
    if card is None:
        return False
    others = await _count_other_dates(context, card.id)
    await message.reply_text(
        card_message(context.t, card),
        reply_markup=card_keyboard(context, card, other_dates=others),
    )
    if first_view(context, card):
        await send_venue(context.bot, message.chat_id, card)
    return True


async def venue_pressed(update: Update, context: ProxiContext) -> None:
    """[Voir le lieu sur la carte] under a reminder: the pin, sent when asked."""
    if (found := pressed(update)) is None:
        return
    query, user = found
    card = await load_card(context, buttons.VENUE_PIN.value(query.data), user.id)
    if card is None:
        await safe_answer(query, context.t("card.not_found"), show_alert=True)
        return
    await safe_answer(query)
    await send_venue(context.bot, chat_of(query), card)


async def share(update: Update, context: ProxiContext) -> None:
    """A deep link that opens this card, for a poster's QR code or a friend."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    await safe_answer(query)
    session_id = buttons.SHARE.value(query.data)
    link = create_deep_linked_url(context.bot.username, f"{SESSION_LINK_PREFIX}{session_id}")
    await reply(query, context.t("card.share", link=html.escape(link)))


def handlers() -> Handlers:
    """A session card's buttons (it opens from results, alerts, or a /start s_<id> link)."""
    return [
        CallbackQueryHandler(open_card, pattern=buttons.CARD.pattern),
        CallbackQueryHandler(share, pattern=buttons.SHARE.pattern),
        CallbackQueryHandler(dates_pressed, pattern=buttons.OTHER_DATES.pattern),
        CallbackQueryHandler(venue_pressed, pattern=buttons.VENUE_PIN.pattern),
    ]
