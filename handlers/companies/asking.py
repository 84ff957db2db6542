"""A company writes its request: from a message in employer phrasing ("une formation SST pour
6 salariés à Mauron") or [Pour mon entreprise] in the main menu.

What the sentence already says is kept; what is missing is asked in at most three questions
(what and how many, where and when, contact), then a summary with [Envoyer] [Modifier]
[Annuler] and the choice to show the company's Telegram name (not shown by default). [Envoyer]
routes it to the organisations that teach the topic within reach, one notice per admin.

The draft is plain data in `context.user_data[DRAFT]` (persisted); the conversation's state
is persisted too (`name="company"`), so a restart continues it. A command in between drops the
draft (`handlers.questions`), and the next text is a search again.
"""

from __future__ import annotations

import dataclasses
import html
import logging
import warnings

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.companies.detection import TELEGRAM, is_employer_request
from bot.companies.drafts import CONTACT, WHAT, WHERE, Draft, fill
from bot.companies.errors import CompanyError
from bot.companies.notices import REQUEST_NOTICE
from bot.companies.routing import REACH_KM, Submitted, submit
from bot.context import ProxiContext
from bot.gazetteer import default_gazetteer
from bot.i18n import Translator
from handlers import buttons, search
from handlers.common import call_service, edit_or_ignore, refusal_text, reply, safe_answer
from handlers.companies.texts import notify, summary, topic
from handlers.fallback import MAX_REQUEST_LENGTH
from handlers.questions import COMPANY_DRAFT

logger = logging.getLogger(__name__)

DRAFT = COMPANY_DRAFT  # dropped by any other command (handlers.questions)
ASKING, CONFIRMING = 1, 2
TIMEOUT = 15 * 60


class _EmployerPhrasing(filters.MessageFilter):
    """A text written as an employer, for staff: taken before the ordinary search."""

    def filter(self, message: Message) -> bool:
        text = message.text or ""
        return len(text) <= MAX_REQUEST_LENGTH and is_employer_request(text)


EMPLOYER = _EmployerPhrasing(name="EmployerPhrasing")


def _draft(context: ProxiContext) -> Draft | None:
    return Draft.from_dict((context.user_data or {}).get(DRAFT))


def _keep(context: ProxiContext, draft: Draft) -> None:
    if context.user_data is not None:
        context.user_data[DRAFT] = draft.to_dict()


def _fill(context: ProxiContext, draft: Draft, text: str, *, replace: bool = False) -> Draft:
    services = context.services
    return fill(
        draft,
        text[:MAX_REQUEST_LENGTH],
        now=services.clock.now(),
        tz=services.settings.tz,
        gazetteer=default_gazetteer(),
        replace=replace,
    )


def _question(t: Translator, draft: Draft, group: str, again: bool) -> str:
    """The question for a group, naming only what is missing."""
    if group == WHAT:
        if again:
            return t("companies.again_topic")
        if not draft.has_topic:
            return t("companies.ask_what" if draft.head_count is None else "companies.ask_topic")
        return t("companies.ask_count")
    if group == WHERE:
        if again:
            return t("companies.again_where")
        if not draft.has_place:
            return t("companies.ask_where" if draft.period_label else "companies.ask_where_when")
        return t("companies.ask_when")
    return t("companies.ask_contact")


def _summary_keyboard(t: Translator, draft: Draft) -> InlineKeyboardMarkup:
    share = buttons.COMPANY_SHARE.button(
        t("companies.button_hide" if draft.share_identity else "companies.button_share"),
        0 if draft.share_identity else 1,
    )
    return InlineKeyboardMarkup(
        [
            [buttons.COMPANY_SEND.button(t("companies.button_send"))],
            [share],
            [
                buttons.COMPANY_EDIT.button(t("companies.button_edit")),
                buttons.COMPANY_CANCEL.button(t("companies.button_cancel")),
            ],
        ]
    )


def _summary_text(t: Translator, draft: Draft) -> str:
    identity = "companies.identity_shared" if draft.share_identity else "companies.identity_hidden"
    return t(
        "companies.summary",
        summary=summary(t, draft),
        km=t.number(REACH_KM),
        identity=t(identity),
    )


async def _proceed(update: Update, context: ProxiContext, draft: Draft) -> int:
    """Ask the next missing part, or show the summary."""
    t = context.t
    step = draft.next_question()
    if step is not None:
        group, again = step
        draft = draft.asking(group)
        _keep(context, draft)
        keyboard = None
        if group == CONTACT:
            keyboard = InlineKeyboardMarkup(
                [[buttons.COMPANY_TELEGRAM.button(t("companies.button_telegram"))]]
            )
        await _say(update, _question(t, draft, group, again), keyboard)
        return ASKING
    _keep(context, draft)
    await _say(update, _summary_text(t, draft), _summary_keyboard(t, draft))
    return CONFIRMING


async def _say(update: Update, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
    if update.callback_query is not None:
        await reply(update.callback_query, text, reply_markup=keyboard)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text, reply_markup=keyboard)


async def from_text(update: Update, context: ProxiContext) -> int:
    """A message in employer phrasing: start a request with what it says."""
    message = update.effective_message
    if message is None:
        return ConversationHandler.END
    if _draft(context) is not None:  # already writing one: this answers its question
        return await answered(update, context)
    return await _proceed(update, context, _fill(context, Draft(), message.text or ""))


async def from_button(update: Update, context: ProxiContext) -> int:
    """[Pour mon entreprise]: the first question is the whole request in one sentence."""
    query = update.callback_query
    if query is None:
        return ConversationHandler.END
    await safe_answer(query)
    _keep(context, Draft().asking(WHAT))
    await reply(query, context.t("companies.start"))
    return ASKING


async def answered(update: Update, context: ProxiContext) -> int:
    """The answer to a question (or, at the summary, a change)."""
    message = update.effective_message
    draft = _draft(context)
    if message is None:
        return ConversationHandler.END
    if draft is None:  # dropped by a command meanwhile: this is a new request
        await search.search_text(update, context)
        return ConversationHandler.END
    editing = draft.next_question() is None  # at the summary, a text changes the request
    draft = _fill(context, draft, message.text or "", replace=editing)
    return await _proceed(update, context, draft)


async def via_telegram(update: Update, context: ProxiContext) -> int:
    """[Via Telegram] as the contact."""
    query, draft = update.callback_query, _draft(context)
    if query is None or draft is None:
        return await _stale(update, context)
    await safe_answer(query)
    return await _proceed(update, context, dataclasses.replace(draft, contact=TELEGRAM))


async def share(update: Update, context: ProxiContext) -> int:
    """[Montrer mon nom Telegram] / [Ne pas montrer mon nom]: the summary again."""
    query, draft = update.callback_query, _draft(context)
    if query is None or draft is None:
        return await _stale(update, context)
    await safe_answer(query)
    shown = buttons.COMPANY_SHARE.value(query.data)
    draft = dataclasses.replace(draft, share_identity=bool(shown))
    _keep(context, draft)
    t = context.t
    await edit_or_ignore(query, _summary_text(t, draft), reply_markup=_summary_keyboard(t, draft))
    return CONFIRMING


async def edit(update: Update, context: ProxiContext) -> int:
    """[Modifier]: the next text changes what it names."""
    query = update.callback_query
    if query is None or _draft(context) is None:
        return await _stale(update, context)
    await safe_answer(query)
    await reply(query, context.t("companies.edit_prompt"))
    return CONFIRMING


async def cancel(update: Update, context: ProxiContext) -> int:
    """[Annuler] or /annuler: nothing is sent."""
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
    if update.callback_query is not None:
        await safe_answer(update.callback_query)
        await edit_or_ignore(update.callback_query, context.t("companies.cancelled"))
    elif update.effective_message is not None:
        await update.effective_message.reply_text(context.t("companies.cancelled"))
    return ConversationHandler.END


async def send(update: Update, context: ProxiContext) -> int:
    """[Envoyer]: store and route the request, tell each organisation's admins, and the
    company how many organisations received it."""
    query, user = update.callback_query, update.effective_user
    draft = Draft.from_dict((context.user_data or {}).pop(DRAFT, None))
    if query is None or user is None or draft is None or not draft.has_place:
        return await _stale(update, context)
    await safe_answer(query)
    try:
        sent = await call_service(
            submit,
            context.services.engine,
            requester_id=user.id,
            draft=draft,
            now=context.services.clock.now(),
        )
    except CompanyError as exc:
        await edit_or_ignore(query, refusal_text(context.t, exc))
        return ConversationHandler.END
    for route in sent.routes:
        for admin_id in route.admin_ids:
            await notify(
                context, kind=REQUEST_NOTICE, recipient_id=admin_id, subject_id=route.route_id
            )
    text, keyboard = _outcome(context.t, draft, sent)
    await edit_or_ignore(query, text, reply_markup=keyboard)
    return ConversationHandler.END


def _outcome(
    t: Translator, draft: Draft, sent: Submitted
) -> tuple[str, InlineKeyboardMarkup | None]:
    """How many organisations received it: those with an admin on Proxi. The others keep
    the request and see it in /entreprises once an admin joins."""
    place = html.escape(draft.place_label)
    reached = [route for route in sent.routes if route.admin_ids]
    if reached:
        names = ", ".join(html.escape(route.organisation) for route in reached)
        return t("companies.sent", count=len(reached), place=place, names=names), None
    key = "companies.not_yet_here" if sent.routes else "companies.none_nearby"
    text = t(key, topic=topic(t, draft), km=t.number(REACH_KM), place=place)
    keyboard = InlineKeyboardMarkup(
        [[buttons.COMPANY_ALERT.button(t("companies.button_alert"), sent.request_id)]]
    )
    return text, keyboard


async def _stale(update: Update, context: ProxiContext) -> int:
    if update.callback_query is not None:
        await safe_answer(update.callback_query, context.t("companies.stale"), show_alert=True)
    return ConversationHandler.END


def conversation() -> ConversationHandler[ProxiContext]:
    """The request being written, per user (persisted, like the home-town conversation)."""
    with warnings.catch_warnings():
        # Tracked per user on purpose: the answers are messages, not presses on one message.
        warnings.filterwarnings("ignore", message="If 'per_message=False'")
        return _conversation()


def _conversation() -> ConversationHandler[ProxiContext]:
    text = filters.TEXT & ~filters.COMMAND
    stop = ["annuler", "cancel"]
    return ConversationHandler(
        entry_points=[
            MessageHandler(text & EMPLOYER, from_text),
            CallbackQueryHandler(from_button, pattern=buttons.COMPANY_START.pattern),
        ],
        states={
            ASKING: [
                CommandHandler(stop, cancel),
                MessageHandler(text, answered),
                CallbackQueryHandler(via_telegram, pattern=buttons.COMPANY_TELEGRAM.pattern),
            ],
            CONFIRMING: [
                CommandHandler(stop, cancel),
                MessageHandler(text, answered),
                CallbackQueryHandler(send, pattern=buttons.COMPANY_SEND.pattern),
                CallbackQueryHandler(share, pattern=buttons.COMPANY_SHARE.pattern),
                CallbackQueryHandler(edit, pattern=buttons.COMPANY_EDIT.pattern),
                CallbackQueryHandler(cancel, pattern=buttons.COMPANY_CANCEL.pattern),
            ],
        },
        fallbacks=[CommandHandler(stop, cancel)],
        name="company",
        persistent=True,  # a restart continues the conversation (handlers/persistence.py)
        conversation_timeout=TIMEOUT,
        allow_reentry=True,
    )
