"""/entreprises: an organisation admin's open company requests, each with [Répondre (n)] and
[Répondue (n)]; [Marquer répondue] on a notice; [M'alerter] when nobody teaches it nearby."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.companies.answers import (
    RouteView,
    alert_for,
    mark_answered,
    open_requests_for,
    organisations_of,
)
from bot.context import ProxiContext
from bot.i18n import Translator
from handlers import buttons
from handlers.common import Handlers, act, call_service, fit_lines, reply
from handlers.companies.texts import summary

MAX_BUTTONS = 8  # rows of buttons under one organisation's list


async def list_requests(update: Update, context: ProxiContext) -> None:
    """/entreprises: one message per organisation the user administers."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    engine, t = context.services.engine, context.t
    organisations = await call_service(organisations_of, engine, user_id=user.id)
    if not organisations:
        await message.reply_text(t("companies.no_organisation"))
        return
    for organisation_id, name in organisations:
        views = await call_service(open_requests_for, engine, organisation_id=organisation_id)
        text, keyboard = _listing(t, html.escape(name), views)
        await message.reply_text(text, reply_markup=keyboard)


def _listing(
    t: Translator, name: str, views: list[RouteView]
) -> tuple[str, InlineKeyboardMarkup | None]:
    if not views:
        return t("companies.list_empty", organisation=name), None
    lines = [
        t("companies.list_line", n=number, summary=summary(t, view), date=t.date(view.created_at))
        for number, view in enumerate(views, start=1)
    ]
    body, shown = fit_lines(lines, t)
    rows: list[list[InlineKeyboardButton]] = [
        [
            buttons.COMPANY_REPLY.button(t("companies.button_reply_n", n=number), view.route_id),
            buttons.COMPANY_ANSWERED.button(
                t("companies.button_answered_n", n=number), view.request_id, view.organisation_id
            ),
        ]
        for number, view in enumerate(views[: min(shown, MAX_BUTTONS)], start=1)
    ]
    return t("companies.list_title", organisation=name) + "\n" + body, InlineKeyboardMarkup(rows)


async def answered(update: Update, context: ProxiContext) -> None:
    """[Marquer répondue]: only an admin of that organisation may."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    request_id, organisation_id = buttons.COMPANY_ANSWERED.parse(query.data)
    changed = await act(
        query,
        context,
        mark_answered,
        request_id=request_id,
        organisation_id=organisation_id,
        by=user.id,
    )
    if changed is None:
        return
    await reply(query, context.t("companies.marked" if changed else "companies.already_marked"))


async def alert(update: Update, context: ProxiContext) -> None:
    """[M'alerter] after "nobody teaches it nearby": the request becomes a search alert."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    saved = await act(
        query,
        context,
        alert_for,
        request_id=buttons.COMPANY_ALERT.value(query.data),
        user_id=user.id,
    )
    if saved is None:
        return
    t = context.t
    await reply(
        query,
        t("companies.alert_saved", topic=html.escape(saved.topic), place=html.escape(saved.place)),
    )


def handlers() -> Handlers:
    return [
        CommandHandler(["entreprises", "companies"], list_requests),
        CallbackQueryHandler(answered, pattern=buttons.COMPANY_ANSWERED.pattern),
        CallbackQueryHandler(alert, pattern=buttons.COMPANY_ALERT.pattern),
    ]
