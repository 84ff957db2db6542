"""Alerts: [M'alerter] after a thin search, /alertes to list and delete them."""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.alerts import AlertError, delete_alert, list_alerts, save_alert
from bot.context import ProxiContext
from bot.reminders import QUIET_HOURS
from bot.search.browse import Browse
from handlers import buttons
from handlers.common import (
    Handlers,
    call_service,
    edit_or_ignore,
    fit_lines,
    pressed,
    refuse,
    reply,
    safe_answer,
)
from handlers.demand import recorder_of
from handlers.results import around

logger = logging.getLogger(__name__)

DEFAULT_ALERT_RADIUS_KM = 30


async def alert_pressed(update: Update, context: ProxiContext) -> None:
    """Save the search the learner just made as an alert."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None or context.user_data is None:
        return
    t = context.t
    browse = Browse.from_dict(context.user_data.get("alert"))
    place = browse.request.place if browse is not None else None
    if browse is None or place is None:
        await safe_answer(query, t("search.stale"), show_alert=True)
        return
    radius = int(context.user_data.get("radius_used") or DEFAULT_ALERT_RADIUS_KM)
    services = context.services
    try:
        alert = await call_service(
            save_alert,
            services.engine,
            user_id=user.id,
            query=browse.request.text,
            place=place,
            radius_km=radius,
            now=services.clock.now(),
            # What the reply below names (kept HTML-escaped in user_data for the chat).
            topic=html.unescape(context.user_data.get("alert_topic") or browse.request.topic),
        )
    except AlertError as exc:
        await refuse(query, t, exc)
        return
    await safe_answer(query)
    if (token := context.user_data.pop("search_record", None)) is not None:
        # Demand statistics: the search this alert comes from is marked, still anonymous.
        await call_service(recorder_of(context).mark_alert, token)
    quiet_start, quiet_end = QUIET_HOURS
    await reply(
        query,
        t(
            "alerts.saved",
            topic=context.user_data.get("alert_topic") or html.escape(browse.request.topic),
            place=around(t, place),
            radius=alert.radius_km,
            quiet_start=f"{quiet_start:02d}:00",
            quiet_end=f"{quiet_end:02d}:00",
        ),
    )


async def alerts_command(update: Update, context: ProxiContext) -> None:
    """/alertes: the learner's alerts, each with [Supprimer]."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    t = context.t
    alerts = await call_service(list_alerts, context.services.engine, user_id=user.id)
    if not alerts:
        await message.reply_text(t("alerts.empty"))
        return
    lines = [t("alerts.title")]
    rows = []
    for alert in alerts:
        lines.append(
            t(
                "alerts.line",
                query=html.escape(alert.label),
                place=html.escape(alert.place_label),
                radius=alert.radius_km,
            )
        )
        short = alert.label if len(alert.label) <= 30 else alert.label[:29] + "…"
        rows.append(
            [buttons.ALERT_DELETE.button(t("alerts.button_delete", query=short), alert.id)]
        )
    text, shown = fit_lines(lines, t)  # many long alerts: the first ones, "… N de plus"
    await message.reply_text(text, reply_markup=InlineKeyboardMarkup(rows[: shown - 1]))


async def delete_pressed(update: Update, context: ProxiContext) -> None:
    """[Supprimer] on one of the learner's own alerts."""
    if (found := pressed(update)) is None:
        return
    query, user = found
    t = context.t
    try:
        alert_id = buttons.ALERT_DELETE.value(query.data)
        await call_service(
            delete_alert, context.services.engine, alert_id=alert_id, user_id=user.id
        )
    except AlertError as exc:
        await refuse(query, t, exc)
        return
    await safe_answer(query)
    await edit_or_ignore(query, t("alerts.deleted"))


def handlers() -> Handlers:
    """/alertes, [M'alerter] and [Supprimer]."""
    return [
        CommandHandler(["alertes", "alerts"], alerts_command),
        CallbackQueryHandler(alert_pressed, pattern=buttons.ALERT_NEW.pattern),
        CallbackQueryHandler(delete_pressed, pattern=buttons.ALERT_DELETE.pattern),
    ]
