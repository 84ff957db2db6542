"""Admins send a data file as a document: a preview with [Importer] [Annuler], then the load.

A refused preview with valid rows offers [Importer les N lignes valides] (the load with
`skip_invalid`, then the rows skipped come as a CSV document); a problem list too long
for one message also comes as a CSV document. The file waits in the database under the buttons'
token (`bot.importer.uploads`), and the chat remembers only the token: [Importer] still works
after a restart, and the file is validated again with the admin's roles at that moment.
"""

from __future__ import annotations

import asyncio
import html
import logging
import secrets

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.announcements import import_announcements
from bot.context import ProxiContext
from bot.gazetteer import default_gazetteer
from bot.i18n import Translator
from bot.importer import uploads
from bot.importer.export import problems_csv
from bot.importer.preview import nothing_to_change, preview_text
from bot.importer.reader import MAX_FILE_BYTES
from bot.importer.report import MAX_LISTED, render_report
from bot.importer.service import (
    Actor,
    ImportOutcome,
    ImportPlan,
    ImportResult,
    apply_import,
    preview_import,
    valid_rows,
)
from handlers import buttons
from handlers.admin import current_roles
from handlers.announce import announce
from handlers.common import Handlers, call_service, edit_or_ignore, pressed, safe_answer
from handlers.reminding import cancel_session_reminders, plan_session_reminders

logger = logging.getLogger(__name__)

REPORT_MAX_CHARS = 3800  # leaves room under Telegram's 4,096 for the escaping


async def document_received(update: Update, context: ProxiContext) -> None:
    """Preview an admin's file; anyone else gets a polite answer and nothing is downloaded."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or message.document is None:
        return
    t = context.t
    roles = await current_roles(update, context)
    if not roles.is_admin:
        await message.reply_text(t("admin.upload_not_allowed"))
        return
    document = message.document
    if document.file_size is not None and document.file_size > MAX_FILE_BYTES:
        await message.reply_text(t("admin.upload_too_big", limit=MAX_FILE_BYTES // 1_000_000))
        return
    name = document.file_name or t("admin.unnamed_file")
    data = bytes(await (await document.get_file()).download_as_bytearray())
    services = context.services
    actor = Actor(user.id, None if roles.super_admin else roles.admin_of)
    with services.metrics.import_run("preview") as run:
        plan = await call_service(
            preview_import,
            services.engine,
            [(name, data)],
            gazetteer=default_gazetteer(),
            actor=actor,
            now=services.clock.now(),
        )
        run["outcome"] = "ok" if plan.ok else "problems"
    assert context.user_data is not None
    # One pending preview per admin: a newer file replaces it, and its buttons go stale.
    if (older := context.user_data.pop("import", None)) is not None:
        await call_service(uploads.drop, services.engine, token=older["token"])
    keyboard = None
    # A file that changes nothing offers no [Importer]: there is nothing to confirm.
    if (plan.ok and not nothing_to_change(plan)) or (not plan.ok and valid_rows(plan)):
        token = await _keep(context, user.id, name, data)
        keyboard = _preview_keyboard(plan, t, token)
    report = preview_text(plan, context.language, max_chars=REPORT_MAX_CHARS)
    await send_problems_document(message, plan, t, context.language)
    await message.reply_text(html.escape(report, quote=False), reply_markup=keyboard)


async def _keep(context: ProxiContext, user_id: int, name: str, data: bytes) -> str:
    """Keep the file under a new token (the chat remembers the token only)."""
    services = context.services
    token = secrets.token_hex(4)
    await call_service(
        uploads.keep,
        services.engine,
        token=token,
        user_id=user_id,
        file_name=name,
        data=data,
        now=services.clock.now(),
    )
    assert context.user_data is not None
    context.user_data["import"] = {"token": token}
    return token


def _preview_keyboard(plan: ImportPlan, t: Translator, token: str) -> InlineKeyboardMarkup:
    """[Importer] [Annuler]; after a refusal, [Importer les N lignes valides] [Annuler]."""
    cancel = buttons.IMPORT.button(t("admin.button_cancel_import"), "no", token)
    if plan.ok:
        return InlineKeyboardMarkup(
            [[buttons.IMPORT.button(t("admin.button_import"), "ok", token), cancel]]
        )
    label = t("admin.button_import_valid", count=valid_rows(plan))
    return InlineKeyboardMarkup([[buttons.IMPORT.button(label, "valid", token)], [cancel]])


async def send_problems_document(
    message: Message, outcome: ImportOutcome, t: Translator, language: str
) -> None:
    """Every problem as a CSV document, when the list is longer than a message shows."""
    count = outcome.problem_count + outcome.warning_count
    if count <= MAX_LISTED:
        return
    await message.reply_document(
        problems_csv(outcome, language),
        filename=t("admin.problems_file_name"),
        caption=t("admin.problems_document", count=count),
    )


async def import_answered(update: Update, context: ProxiContext) -> None:
    """[Importer] writes the previewed file (validated again), [Importer les N lignes valides]
    its valid rows; [Annuler] drops it."""
    if (found := pressed(update)) is None:
        return
    query, user = found
    t = context.t
    answer, token = buttons.IMPORT.parse(query.data)
    pending = (context.user_data or {}).get("import")
    if not pending or pending.get("token") != token:
        await safe_answer(query, t("admin.import_expired"), show_alert=True)
        return
    assert context.user_data is not None
    context.user_data.pop("import", None)
    await safe_answer(query)
    services = context.services
    file = await call_service(
        uploads.fetch, services.engine, token=token, user_id=user.id, now=services.clock.now()
    )
    await call_service(uploads.drop, services.engine, token=token)
    if answer == "no":
        await edit_or_ignore(query, t("admin.import_cancelled"))
        return
    roles = await current_roles(update, context)
    if file is None or not roles.is_admin:
        await edit_or_ignore(query, t("admin.import_expired"))
        return
    with services.metrics.import_run("apply") as run:
        result = await call_service(
            apply_import,
            services.engine,
            [file],
            gazetteer=default_gazetteer(),
            actor=Actor(user.id, None if roles.super_admin else roles.admin_of),
            now=services.clock.now(),
            skip_invalid=answer == "valid",
        )
        run["outcome"] = "applied" if result.applied else "refused"
    # What was done is in the summary; the per-id lists belong to the preview ("à créer").
    report = render_report(result, context.language, max_chars=REPORT_MAX_CHARS)
    await edit_or_ignore(query, html.escape(report, quote=False))
    if result.applied and result.problem_count and update.effective_chat is not None:
        # The rows skipped, every one with its problem: to fix and send again.
        await context.bot.send_document(
            update.effective_chat.id,
            problems_csv(result, context.language, warnings=False),
            filename=t("admin.skipped_file_name"),
            caption=t("admin.skipped_document", count=result.problem_count),
        )
    if result.applied:
        await after_import(context, result)


async def after_import(context: ProxiContext, result: ImportResult) -> None:
    """What follows a load: search refreshed, learners told of changes, alerts matched."""
    services = context.services
    now = services.clock.now()
    await asyncio.to_thread(services.search.rebuild, services.engine, now=now)
    announcements = await call_service(
        import_announcements,
        services.engine,
        changed=[(change.db_id, change.kind) for change in result.changed_sessions],
        created_external_ids=list(result.created_sessions),
        gazetteer=default_gazetteer(),
        now=now,
        tz=services.settings.tz,
    )
    for announcement in announcements:
        await announce(context, announcement)
    # The day-before reminders follow the sessions: moved ones re-planned, cancelled ones off.
    for change in result.changed_sessions:
        if change.kind == "cancelled":
            await cancel_session_reminders(context, change.db_id)
        else:
            await plan_session_reminders(context, change.db_id)


def handlers() -> Handlers:
    """Data files sent as documents, and the preview's buttons."""
    return [
        MessageHandler(filters.Document.ALL, document_received),
        CallbackQueryHandler(import_answered, pattern=buttons.IMPORT.pattern),
    ]
