"""Travel saved: /impact [organisation] for organisation admins and super-admins.

The current quarter's figures with the method in one sentence; [T3 2026]… show an earlier
quarter in the same message; [Tableur XLSX (RSE)] sends the quarter and the three before it
as a workbook. Buttons carry the quarter and the organisation id (0: all the admin's), and
the admin's rights are checked again on every press.
"""

from __future__ import annotations

import html
import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import ProxiContext
from bot.i18n import Translator
from bot.impact.distances import ROAD_FACTOR
from bot.impact.quarters import Quarter, recent_quarters
from bot.impact.service import ImpactError, ImpactReport, Method, impact_report, method_of
from bot.impact.workbook import impact_workbook
from bot.roles import Roles
from handlers import buttons
from handlers.admin import current_roles
from handlers.common import (
    Handlers,
    act,
    call_service,
    chat_of,
    edit_or_ignore,
    pressed,
    refusal_text,
)

logger = logging.getLogger(__name__)

HISTORY = 4  # quarters offered as buttons and put in the workbook (the current one first)


async def impact_command(update: Update, context: ProxiContext) -> None:
    """/impact [organisation]: this quarter's travel saved, with earlier quarters as buttons."""
    message = update.effective_message
    if message is None:
        return
    t = context.t
    roles = await current_roles(update, context)
    name = " ".join(context.args or []) or None
    current = _current(context)
    try:
        report = await _report(context, roles, [current], name=name)
    except ImpactError as exc:
        await message.reply_text(refusal_text(t, exc))
        return
    await message.reply_text(
        render(report, t, method_of(context.services.settings)),
        reply_markup=_keyboard(t, report, current),
    )


async def quarter_chosen(update: Update, context: ProxiContext) -> None:
    """[T3 2026]: that quarter in the same message."""
    if (found := pressed(update)) is None:
        return
    query, _ = found
    text, org_id = buttons.IMPACT_QUARTER.parse(query.data)
    roles = await current_roles(update, context)
    report = await act(query, context, impact_report, timed=False, **_kwargs(
        context, roles, [Quarter.parse(text)], organisation_id=org_id
    ))  # fmt: skip
    if report is None:
        return
    t = context.t
    await edit_or_ignore(
        query,
        render(report, t, method_of(context.services.settings)),
        reply_markup=_keyboard(t, report, _current(context)),
    )


async def xlsx_asked(update: Update, context: ProxiContext) -> None:
    """[Tableur XLSX (RSE)]: the quarter shown and the three before, as a workbook."""
    if (found := pressed(update)) is None:
        return
    query, _ = found
    text, org_id = buttons.IMPACT_XLSX.parse(query.data)
    quarter = Quarter.parse(text)
    roles = await current_roles(update, context)
    quarters = recent_quarters(quarter, HISTORY)
    report = await act(query, context, impact_report, timed=False, **_kwargs(
        context, roles, quarters, organisation_id=org_id
    ))  # fmt: skip
    if report is None:
        return
    t = context.t
    data = await call_service(  # openpyxl, off the event loop
        impact_workbook,
        report.quarters,
        method=method_of(context.services.settings),
        t=t,
        scope_label=_scope(t, report),
    )
    await query.get_bot().send_document(
        chat_of(query),
        data,
        filename=t("impact.file_name", quarter=str(quarter)),
        caption=t(
            "impact.xlsx_caption",
            quarters=f"{_quarter(t, quarters[-1])} – {_quarter(t, quarter)}",
        ),
    )


def render(report: ImpactReport, t: Translator, method: Method) -> str:
    """The figures of the report's first quarter, and the method in one sentence."""
    shown = report.quarters[0]
    lines = [
        t("impact.title", quarter=_quarter(t, shown.quarter), scope=html.escape(_scope(t, report)))
    ]
    if not shown.places:
        lines.append(t("impact.empty"))
    else:
        lines.append(
            t(
                "impact.figures",
                learners=t("impact.learners", count=shown.learners),
                days=t("impact.days", count=shown.days),
                km=t.number(round(shown.km)),
                kg=t.number(round(shown.kg_co2e)),
            )
        )
        if shown.unknown_town:
            lines.append(t("impact.unknown_town", count=shown.unknown_town))
    lines.append("")
    lines.append(
        t(
            "impact.method_sentence",
            population=t.number(method.min_population),
            road_factor=t.number(ROAD_FACTOR),
            factor=t.number(method.co2_kg_per_km),
        )
    )
    return "\n".join(lines)


def _keyboard(t: Translator, report: ImpactReport, current: Quarter) -> InlineKeyboardMarkup:
    shown = report.quarters[0].quarter
    org_id = report.scope.organisation_id
    others: list[InlineKeyboardButton] = [
        buttons.IMPACT_QUARTER.button(_quarter(t, q), str(q), org_id)
        for q in recent_quarters(current, HISTORY)
        if q != shown
    ]
    return InlineKeyboardMarkup(
        [[buttons.IMPACT_XLSX.button(t("impact.button_xlsx"), str(shown), org_id)], others]
    )


def _kwargs(
    context: ProxiContext,
    roles: Roles,
    quarters: list[Quarter],
    *,
    name: str | None = None,
    organisation_id: int = 0,
) -> dict[str, Any]:
    settings = context.services.settings
    return {
        "super_admin": roles.super_admin,
        "admin_of": roles.admin_of,
        "quarters": quarters,
        "tz": settings.tz,
        "method": method_of(settings),
        "name": name,
        "organisation_id": organisation_id,
    }


async def _report(
    context: ProxiContext, roles: Roles, quarters: list[Quarter], *, name: str | None
) -> ImpactReport:
    kwargs = _kwargs(context, roles, quarters, name=name)
    return await call_service(impact_report, context.services.engine, **kwargs)


def _current(context: ProxiContext) -> Quarter:
    return Quarter.of(context.services.clock.now(), context.services.settings.tz)


def _quarter(t: Translator, quarter: Quarter) -> str:
    return t("impact.quarter", number=quarter.number, year=quarter.year)


def _scope(t: Translator, report: ImpactReport) -> str:
    scope = report.scope
    if scope.label:
        return scope.label
    if scope.organisations is None:
        return t("impact.scope_all")
    return ", ".join(sorted(scope.organisations))


def handlers() -> Handlers:
    """/impact and its quarter and XLSX buttons."""
    return [
        CommandHandler("impact", impact_command),
        CallbackQueryHandler(quarter_chosen, pattern=buttons.IMPACT_QUARTER.pattern),
        CallbackQueryHandler(xlsx_asked, pattern=buttons.IMPACT_XLSX.pattern),
    ]
