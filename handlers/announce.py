"""Sending announcements (session changes, alert matches) to the people concerned."""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden, TelegramError

from bot.announcements import Announcement
from bot.catalogue import session_card
from bot.context import ProxiContext
from bot.i18n import translator
from bot.users import mark_inactive
from handlers.common import call_service
from handlers.render import when

logger = logging.getLogger(__name__)


async def announce(context: ProxiContext, announcement: Announcement) -> None:
    """Render one announcement in its recipient's language and send it."""
    services = context.services
    card = await call_service(
        session_card,
        services.engine,
        session_id=announcement.session_id,
        now=services.clock.now(),
    )
    if card is None:
        return
    t = translator(announcement.language, services.settings.timezone)
    title = html.escape(card.title)
    period = when(t, card.starts_at, card.ends_at)
    keyboard = None
    if announcement.kind == "alert":
        text = t(
            "alerts.match",
            query=html.escape(announcement.alert_query or ""),
            title=title,
            city=html.escape(card.city),
            when=period,
        )
        keyboard = InlineKeyboardMarkup(
            [[InlineKeyboardButton(t("alerts.button_open"), callback_data=f"card:{card.id}")]]
        )
    elif announcement.kind == "moved":
        place = html.escape(
            t(
                "card.where",
                space=card.space_name,
                address=card.address,
                postcode=card.postcode,
                city=card.city,
            )
        )
        text = t("changes.moved", title=title, when=period, place=place)
    elif announcement.kind == "rescheduled":
        text = t("changes.rescheduled", title=title, when=period)
    else:
        text = t("changes.cancelled", title=title, when=period)
    try:
        await context.bot.send_message(
            announcement.user_id,
            text,
            reply_markup=keyboard,
            # An alert is good news that can wait; a change to a booked session is not.
            disable_notification=announcement.kind == "alert",
        )
    except Forbidden:
        await call_service(mark_inactive, services.engine, user_id=announcement.user_id)
    except TelegramError:
        logger.warning("could not announce to %s", announcement.user_id, exc_info=True)
