"""The role blocks of /start and /help: a tutor's next appointments and pending requests with
[Mes disponibilités], an admin's last import with [Charger un fichier]; the learner's actions
follow them (`handlers/start.py`)."""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardButton, Update

from bot.context import ProxiContext
from bot.greeting import LastImport, TutorDesk, last_import, tutor_desk
from bot.i18n import Translator
from bot.importer.report import counts_in_words
from handlers import buttons
from handlers.admin import current_roles
from handlers.common import call_service
from handlers.mentoring.keyboards import decision_keyboard
from handlers.mentoring.texts import place_short, request_text, when

logger = logging.getLogger(__name__)

MAX_FILES_NAMED = 2
MAX_REQUESTS_SHOWN = 5  # the others wait for the next look (or their nudge)

Rows = list[list[InlineKeyboardButton]]


async def role_blocks(update: Update, context: ProxiContext) -> tuple[list[str], Rows]:
    """The texts and button rows of the user's roles beyond learning (none for a learner)."""
    user = update.effective_user
    if user is None:
        return [], []
    services = context.services
    roles = await current_roles(update, context)
    desk = await call_service(
        tutor_desk, services.engine, user_id=user.id, now=services.clock.now()
    )
    if desk is None and roles.tutor:  # invited, no appointment yet: no tutor row either
        desk = TutorDesk(upcoming=[], requests=[])
    texts: list[str] = []
    rows: Rows = []
    if desk is not None:
        texts.append(tutor_text(context.t, desk))
        rows.append(tutor_buttons(context.t, desk))
    if roles.is_admin:
        everyone = user.id in services.settings.admin_ids
        last = await call_service(last_import, services.engine, user_id=user.id, everyone=everyone)
        texts.append(admin_text(context.t, last))
        rows.append([buttons.MENU.button(context.t("greeting.button_upload"), "upload")])
    return texts, rows


def tutor_text(t: Translator, desk: TutorDesk) -> str:
    lines = [t("greeting.tutor_title")]
    if desk.upcoming:
        lines.append(t("greeting.tutor_next"))
        lines += [
            t(
                "greeting.tutor_appointment",
                when=when(t, view),
                learner=html.escape(view.learner_name),
                place=html.escape(place_short(t, view.place)),
            )
            for view in desk.upcoming
        ]
    else:
        lines.append(t("greeting.tutor_none"))
    if desk.pending:
        lines.append(t("greeting.tutor_pending", count=desk.pending))
    else:
        lines.append(t("greeting.tutor_no_pending"))
    lines.append(t("greeting.tutor_hint"))
    return "\n".join(lines)


def tutor_buttons(t: Translator, desk: TutorDesk) -> list[InlineKeyboardButton]:
    row = [buttons.SLOTS_LIST.button(t("greeting.button_slots"), 0)]
    if desk.pending:
        row.append(
            buttons.MENU.button(t("greeting.button_requests", count=desk.pending), "requests")
        )
    return row


def admin_text(t: Translator, last: LastImport | None) -> str:
    lines = [t("greeting.admin_title")]
    if last is None:
        lines.append(t("greeting.admin_never"))
    else:
        files = ", ".join(last.files[:MAX_FILES_NAMED]) + ("…" if len(last.files) > 2 else "")
        counts = counts_in_words(last.counts, t) or t("greeting.nothing_changed")
        lines.append(
            t(
                "greeting.admin_last",
                when=t.datetime(last.at),
                files=html.escape(files or "?"),
                counts=counts,
            )
        )
    lines.append(t("greeting.admin_hint"))
    return "\n".join(lines)


async def show_requests(update: Update, context: ProxiContext) -> None:
    """[Voir les demandes]: each pending request again, with [Confirmer] [Refuser]."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    services = context.services
    desk = await call_service(
        tutor_desk, services.engine, user_id=user.id, now=services.clock.now()
    )
    t = context.t
    if desk is None or not desk.requests:
        await message.reply_text(t("greeting.tutor_no_pending"))
        return
    for view in desk.requests[:MAX_REQUESTS_SHOWN]:
        text = request_text(t, view, key="mentoring.request.new")
        await message.reply_text(text, reply_markup=decision_keyboard(t, view.id))
