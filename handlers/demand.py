"""/demande: topics most asked and least served, for organisation admins and super-admins.

`/demande` shows the demand around the admin's organisation's spaces; a super-admin may
name a département (`/demande 56`). [30 jours] [90 jours] [365 jours] (`DEMAND_PERIOD`) edit
the same message with the other period, after checking the presser's roles again.

After the text, `/demande` sends the pictures (`bot/demand/chart.py`: the least served topics,
then the map of the area) and the full table as an XLSX document; a report with nothing to
show sends neither. An organisation admin with open company requests reads "2 demandes
d'entreprises près de vos espaces" and gets [Voir les demandes d'entreprises]
(`DEMAND_COMPANIES`), which lists them as /entreprises does, each with [Répondue].
"""

from __future__ import annotations

import html
import io
import logging
import re
import unicodedata
from datetime import timedelta
from typing import cast

from telegram import InlineKeyboardMarkup, InputMediaPhoto, Message, Update
from telegram.constants import ChatAction
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import ProxiContext
from bot.demand.aggregation import PERIODS, build_demand
from bot.demand.chart import has_map, has_pictures, map_chart, topics_chart
from bot.demand.export import write_xlsx
from bot.demand.model import DemandReport, DemandRow
from bot.demand.recorder import FLUSH_SECONDS, SearchRecorder
from bot.demand.recording import demand_secret, purge_records
from bot.demand.requests import open_requests_line
from bot.demand.scope import DEPARTEMENT_NAMES, departement_label
from bot.gazetteer import default_gazetteer
from bot.i18n import Translator
from bot.roles import Roles, list_organisations
from handlers import buttons
from handlers.admin import current_roles
from handlers.buttons import Button
from handlers.common import Handlers, call_service, edit_or_ignore, fit_lines, safe_answer

logger = logging.getLogger(__name__)

DEFAULT_DAYS = 90
NO_DEPARTEMENT = "-"
LINES_LIMIT = 3300  # leaves room in Telegram's 4,096 for the title and the k-anonymity note


async def demand_command(update: Update, context: ProxiContext) -> None:
    """/demande [département]: the report for the last 90 days, with the period buttons."""
    message = update.effective_message
    if message is None or update.effective_user is None:
        return
    t = context.t
    roles = await current_roles(update, context)
    if roles.is_admin and not context.args and len(roles.admin_of) > 1:
        # An admin of several organisations says which one (the report is per organisation).
        choices = await call_service(
            list_organisations, context.services.engine, only=roles.admin_of
        )
        rows = [
            [buttons.DEMAND_PERIOD.button(name, str(DEFAULT_DAYS), org_id, NO_DEPARTEMENT)]
            for org_id, name in choices
        ]
        await message.reply_text(
            t("demand.which_organisation"), reply_markup=InlineKeyboardMarkup(rows)
        )
        return
    scope = await _asked_scope(context, roles)
    if isinstance(scope, str):  # a refusal or a usage line
        await message.reply_text(t(scope, code=html.escape(" ".join(context.args or [])[:20])))
        return
    organisation_id, departement = scope
    report = await _report(context, organisation_id, departement, DEFAULT_DAYS)
    companies = await _companies_line(context, organisation_id)
    text, keyboard = render(t, report, organisation_id=organisation_id, companies=companies)
    sent = await message.reply_text(text, reply_markup=keyboard)
    await send_attachments(sent, context, report)


async def _asked_scope(context: ProxiContext, roles: Roles) -> tuple[int | None, str | None] | str:
    """(organisation, département) of `/demande [code]`, or the catalog key of the answer
    when the sender may not see it or must say more."""
    if not roles.is_admin:
        return "admin.not_allowed"
    args = context.args or []
    departement = _departement(args)
    if args and not roles.super_admin:
        return "admin.not_allowed"  # départements are for super-admins
    if args and departement is None:
        return "demand.bad_departement"
    organisation_id = await _organisation_of(context, roles)
    if departement is None and organisation_id is None:
        return "demand.usage" if roles.super_admin else "demand.no_organisation"
    return organisation_id, departement


async def _pressed_report(
    update: Update, context: ProxiContext, button: Button
) -> DemandReport | None:
    """The report a period or files button names, once the presser's roles allow it (a
    forged or stale button gets the refusal)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    days, organisation_id, code = button.parse(query.data)
    departement = None if code == NO_DEPARTEMENT else code
    roles = await current_roles(update, context)
    if not await _may_see(context, roles, organisation_id or None, departement):
        await safe_answer(query, context.t("admin.not_allowed"), show_alert=True)
        return None
    await safe_answer(query)
    return await _report(context, organisation_id or None, departement, int(days))


async def period_chosen(update: Update, context: ProxiContext) -> None:
    """[30 jours] [90 jours] [365 jours]: the same scope over another period."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    report = await _pressed_report(update, context, buttons.DEMAND_PERIOD)
    if report is None:
        return
    organisation_id = buttons.DEMAND_PERIOD.parse(query.data)[1] or None
    companies = await _companies_line(context, organisation_id)
    text, keyboard = render(
        context.t, report, organisation_id=organisation_id, companies=companies
    )
    await edit_or_ignore(query, text, reply_markup=keyboard)


async def files_chosen(update: Update, context: ProxiContext) -> None:
    """[Graphiques et tableau (N jours)]: the pictures and the XLSX of the period shown."""
    query = update.callback_query
    if query is None or query.data is None or not isinstance(query.message, Message):
        return
    report = await _pressed_report(update, context, buttons.DEMAND_FILES)
    if report is not None:
        await send_attachments(query.message, context, report)


async def companies_chosen(update: Update, context: ProxiContext) -> None:
    """[Voir les demandes d'entreprises]: the open requests, as /entreprises lists them (only
    the presser's own organisations', each with [Répondue])."""
    query = update.callback_query
    if query is None:
        return
    # Imported here: handlers.companies imports handlers.search, which imports this module.
    from handlers.companies.listing import list_requests

    await safe_answer(query)
    await list_requests(update, context)


async def send_attachments(message: Message, context: ProxiContext, report: DemandReport) -> None:
    """After the text: the least served topics (PNG), the map (PNG, when a shown cell has a
    place) and the full table (XLSX); nothing when no cell may be shown. The pictures are
    drawn off the event loop: matplotlib takes a few hundred milliseconds each."""
    if not has_pictures(report):
        return
    t, bot = context.t, message.get_bot()
    await bot.send_chat_action(message.chat_id, ChatAction.UPLOAD_PHOTO)
    pictures = [
        InputMediaPhoto(
            await call_service(topics_chart, report, t),
            caption=t("demand.chart.topics_caption", days=report.days),
            filename=t("demand.chart.topics_file"),
        )
    ]
    if has_map(report):
        area = await call_service(map_chart, report, t, gazetteer=default_gazetteer())
        pictures.append(
            InputMediaPhoto(
                area,
                caption=t("demand.chart.map_caption", days=report.days),
                filename=t("demand.chart.map_file"),
            )
        )
    await message.reply_media_group(pictures)  # the two as one album; one alone is a photo
    await message.reply_document(
        await call_service(_xlsx, report),
        filename=file_name(t, report),
        caption=t("demand.chart.file_caption", count=len(report.rows), k=report.k),
    )


def _xlsx(report: DemandReport) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(report, buffer)
    return buffer.getvalue()


def file_name(t: Translator, report: DemandReport) -> str:
    """`demande-56-90j.xlsx`, `demande-bureautique-vous-90j.xlsx`: ASCII, safe everywhere."""
    scope = report.departement or report.organisation or report.scope
    ascii_only = unicodedata.normalize("NFKD", scope).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_only.lower()).strip("-")[:40] or "scope"
    return t("demand.chart.file_name", scope=slug, days=report.days)


async def _companies_line(context: ProxiContext, organisation_id: int | None) -> str | None:
    if organisation_id is None:
        return None
    return await call_service(
        open_requests_line,
        context.services.engine,
        organisation_id=organisation_id,
        language=context.language,
    )


def render(
    t: Translator,
    report: DemandReport,
    *,
    organisation_id: int | None,
    companies: str | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """The report as one message within Telegram's limit, and the period buttons."""
    if report.departement is not None:
        scope = t("demand.in_departement", departement=departement_label(report.departement))
    else:
        scope = t("demand.around_spaces", organisation=html.escape(report.organisation or ""))
    title = t(
        "demand.title",
        scope=scope,
        days=report.days,
        searches=t("demand.searches", count=report.total_searches),
    )
    lines = [_line(t, row) for row in report.rows]
    body, _shown = fit_lines(lines, t, limit=LINES_LIMIT) if lines else ("", 0)
    parts = [title, body or t("demand.none", k=report.k)]
    hidden = t("demand.hidden_cells", count=report.hidden_cells)
    parts.append(t("demand.k_note", k=report.k, hidden=hidden))
    if companies is not None:
        parts.append(companies)
    return "\n\n".join(parts), _keyboard(t, report, organisation_id or 0, companies=companies)


def _keyboard(
    t: Translator, report: DemandReport, organisation_id: int, *, companies: str | None
) -> InlineKeyboardMarkup:
    """The periods; another period's pictures (those of 90 days came with /demande); the
    company requests when there are open ones."""
    code = report.departement or NO_DEPARTEMENT
    periods = [
        buttons.DEMAND_PERIOD.button(
            t(
                "demand.button_days_current" if days == report.days else "demand.button_days",
                days=days,
            ),
            str(days),
            organisation_id,
            code,
        )
        for days in PERIODS
    ]
    rows = [periods]
    if report.days != DEFAULT_DAYS and has_pictures(report):
        label = t("demand.button_files", days=report.days)
        rows.append([buttons.DEMAND_FILES.button(label, str(report.days), organisation_id, code)])
    if companies is not None:
        rows.append([buttons.DEMAND_COMPANIES.button(t("demand.companies_button"))])
    return InlineKeyboardMarkup(rows)


def _line(t: Translator, row: DemandRow) -> str:
    nearest = (
        t("demand.nearest", km=t.number(round(row.nearest_session_km)))
        if row.nearest_session_km is not None and row.nearest_session_km <= 50
        else t("demand.no_session")
    )
    values = {
        "topic": html.escape(row.topic_label),
        "searches": t("demand.searches", count=row.searches),
        "people": t("demand.people", count=row.people),
        "alerts": t("demand.alerts", count=row.alerts_pending),
        "nearest": nearest,
        "taught": t("demand.taught") if row.taught else "",
    }
    if row.commune_name is None:
        return t("demand.line_scope", **values)
    return t("demand.line", place=html.escape(row.commune_name), **values)


def _departement(args: list[str]) -> str | None:
    """A département code from `/demande 56` ("2a" → "2A", "1" → "01"), None if unknown."""
    if len(args) != 1:
        return None
    code = args[0].strip().upper()
    code = code.zfill(2) if code.isdigit() and len(code) == 1 else code
    return code if code in DEPARTEMENT_NAMES else None


async def _organisation_of(context: ProxiContext, roles: Roles) -> int | None:
    """The admin's organisation (/demande asks which one first when there are several)."""
    if not roles.admin_of:
        return None
    found = await call_service(list_organisations, context.services.engine, only=roles.admin_of)
    return found[0][0] if found else None


async def _may_see(
    context: ProxiContext, roles: Roles, organisation_id: int | None, departement: str | None
) -> bool:
    """A button's scope, re-checked: super-admins see all; an organisation admin only the
    demand around their own organisation."""
    if roles.super_admin:
        return True
    if not roles.is_admin or departement is not None or organisation_id is None:
        return False
    mine = await call_service(list_organisations, context.services.engine, only=roles.admin_of)
    return any(org_id == organisation_id for org_id, _name in mine)


async def _report(
    context: ProxiContext, organisation_id: int | None, departement: str | None, days: int
) -> DemandReport:
    services = context.services
    return await call_service(
        build_demand,
        services.engine,
        organisation_id=organisation_id,
        departement=departement,
        days=days,
        now=services.clock.now(),
        language=context.language,
    )


PURGE_INTERVAL = timedelta(days=1)
PURGE_JOB = "demand:purge"
FLUSH_JOB = "demand:flush"
FLUSH_INTERVAL = timedelta(seconds=FLUSH_SECONDS)
_RECORDER = "demand_recorder"


def recorder_of(context: ProxiContext) -> SearchRecorder:
    """The application's queue of search records (created at first use; `bot_data` is never
    persisted)."""
    recorder = context.bot_data.get(_RECORDER)
    if recorder is None:
        services = context.services
        settings = services.settings
        recorder = SearchRecorder(
            services.engine,
            secret=demand_secret(settings.demand_secret, settings.telegram_bot_token),
            gazetteer=default_gazetteer(),
        )
        context.bot_data[_RECORDER] = recorder
    return cast(SearchRecorder, recorder)


async def flush_job(context: ProxiContext) -> None:
    """Every few seconds: the queued search records are written (off the event loop)."""
    recorder = context.bot_data.get(_RECORDER)
    if recorder is not None and recorder.pending:
        await call_service(recorder.flush)


async def purge_job(context: ProxiContext) -> None:
    """Daily: search records older than DEMAND_RETENTION_MONTHS are deleted."""
    services = context.services
    removed = await call_service(
        purge_records,
        services.engine,
        now=services.clock.now(),
        months=services.settings.demand_retention_months,
    )
    if removed:
        logger.info("demand statistics: %d search records past retention deleted", removed)


def handlers() -> Handlers:
    """/demande (and /demand) and its period buttons."""
    return [
        CommandHandler(["demande", "demand"], demand_command),
        CallbackQueryHandler(period_chosen, pattern=buttons.DEMAND_PERIOD.pattern),
        CallbackQueryHandler(files_chosen, pattern=buttons.DEMAND_FILES.pattern),
        CallbackQueryHandler(companies_chosen, pattern=buttons.DEMAND_COMPANIES.pattern),
    ]
