"""/mentorat: a learner chooses a topic (or a tutor), picks one of the next open slots, adds a
short message (or [Passer]); the request goes to the tutor. Also the learner's answer to a
slot the tutor proposed instead."""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler

from bot.context import ProxiContext
from bot.gazetteer import default_gazetteer
from bot.i18n import Translator
from bot.mentoring import errors, lookup
from bot.mentoring.appointments import MAX_MESSAGE, answer_proposal, request
from bot.mentoring.finder import open_slots
from bot.mentoring.views import SlotView
from bot.search.topics import default_topics, words
from handlers import buttons
from handlers.common import (
    act,
    call_service,
    edit_or_ignore,
    pressed,
    refusal_text,
    safe_answer,
    send_to,
)
from handlers.mentoring.keyboards import SLOT_BUTTONS, slot_buttons
from handlers.mentoring.messages import send_confirmation, send_request, show, t_for
from handlers.mentoring.state import AWAIT, awaited, config, waiting
from handlers.mentoring.texts import place_text, short, when

logger = logging.getLogger(__name__)

END = ConversationHandler.END
TOPICS = "mentoring_topics"  # user_data: the texts behind the topic buttons
MAX_TOPIC = 100


def topic_terms(text: str) -> list[str]:
    """What a typed topic may mean, as the search understands it: its words, and the terms
    of the concepts it names and of their narrower concepts ("bureautique" → "excel")."""
    table = default_topics()
    tokens = words(text)
    terms = [" ".join(tokens) or text]
    for concept_id in sorted(table.concepts_in(tokens)):
        for found in sorted(table.closure(concept_id)):
            concept = table.concepts[found]
            terms.append(concept.label)
            terms.extend(" ".join(term) for term in concept.terms)
    return terms


def _near(context: ProxiContext) -> tuple[float, float] | None:
    """The learner's shared location, else their home town, else None."""
    data = context.user_data or {}
    if point := data.get("point"):
        return float(point[0]), float(point[1])
    insee = data.get("home_insee")
    commune = default_gazetteer().by_insee(insee) if insee else None
    return (commune.latitude, commune.longitude) if commune else None


def _choices(t: Translator) -> list[InlineKeyboardButton]:
    return [
        buttons.MENTOR_TUTORS.button(t("mentoring.learner.button_tutor")),
        buttons.MENTOR_ALL.button(t("mentoring.learner.button_all")),
    ]


async def mentoring_command(update: Update, context: ProxiContext) -> int:
    """/mentorat [sujet]: the topics as buttons (or type one), or straight the slots."""
    message = update.effective_message
    if message is None:
        return END
    if context.args:
        waiting(context, None)
        await _slots(update, context, topic=" ".join(context.args)[:MAX_TOPIC])
        return END
    t = context.t
    topics = await call_service(lookup.topics, context.services.engine)
    if context.user_data is not None:
        context.user_data[TOPICS] = topics
    choices = [buttons.MENTOR_TOPIC.button(short(topic, 30), i) for i, topic in enumerate(topics)]
    rows = [choices[i : i + 2] for i in range(0, len(choices), 2)]
    rows.append(_choices(t))
    waiting(context, "topic")
    await message.reply_text(
        t("mentoring.learner.ask_topic"), reply_markup=InlineKeyboardMarkup(rows)
    )
    return AWAIT


async def topic_typed(update: Update, context: ProxiContext) -> int:
    """A topic typed after /mentorat."""
    message = update.effective_message
    if message is None:
        return END
    waiting(context, None)
    await _slots(update, context, topic=(message.text or "").strip()[:MAX_TOPIC])
    return END


async def topic_chosen(update: Update, context: ProxiContext) -> None:
    """A topic button (mn:t:<n>)."""
    query = update.callback_query
    if query is None:
        return
    topics: Sequence[str] = (context.user_data or {}).get(TOPICS) or []
    index = buttons.MENTOR_TOPIC.value(query.data)
    if not 0 <= index < len(topics):
        await safe_answer(query, context.t("mentoring.stale_button"), show_alert=True)
        return
    await safe_answer(query)
    waiting(context, None)
    await _slots(update, context, topic=topics[index])


async def all_pressed(update: Update, context: ProxiContext) -> None:
    """[Tous les créneaux] (mn:all)."""
    if update.callback_query is not None:
        await safe_answer(update.callback_query)
    waiting(context, None)
    await _slots(update, context)


async def tutors_pressed(update: Update, context: ProxiContext) -> None:
    """[Choisir un tuteur] (mn:tu): the tutors as buttons."""
    query = update.callback_query
    if query is None:
        return
    await safe_answer(query)
    waiting(context, None)
    t = context.t
    tutors = await call_service(lookup.tutors, context.services.engine)
    if not tutors:
        await edit_or_ignore(query, t("mentoring.learner.no_tutors"))
        return
    rows = [[buttons.MENTOR_TUTOR.button(short(name), tutor_id)] for tutor_id, name in tutors[:30]]
    await edit_or_ignore(
        query, t("mentoring.learner.choose_tutor"), reply_markup=InlineKeyboardMarkup(rows)
    )


async def tutor_chosen(update: Update, context: ProxiContext) -> None:
    """A tutor button (mn:u:<tutor>): that tutor's next open slots."""
    query = update.callback_query
    if query is None:
        return
    await safe_answer(query)
    await _slots(update, context, tutor_id=buttons.MENTOR_TUTOR.value(query.data))


async def _open(
    context: ProxiContext,
    user_id: int,
    *,
    topic: str | None = None,
    tutor_id: int | None = None,
    exclude: int | None = None,
) -> list[SlotView]:
    """Open slots a request can still be answered for (not starting within the expiry)."""
    services = context.services
    now = services.clock.now()
    slots = await call_service(
        open_slots,
        services.engine,
        topic_terms=topic_terms(topic) if topic else None,
        tutor_id=tutor_id,
        near=_near(context),
        now=now,
        limit=3 * SLOT_BUTTONS,
        learner_id=user_id,
        exclude_slot_id=exclude,
        not_before=now + config(services.settings).expire_before,
    )
    return slots[:SLOT_BUTTONS]


async def _slots(
    update: Update, context: ProxiContext, *, topic: str | None = None, tutor_id: int | None = None
) -> None:
    """The next open slots for a topic, a tutor or anything, as buttons."""
    user = update.effective_user
    assert user is not None
    t = context.t
    slots = await _open(context, user.id, topic=topic, tutor_id=tutor_id)
    if not slots:
        key = "mentoring.learner.no_slots_topic" if topic else "mentoring.learner.no_slots"
        text = t(key, topic=html.escape(topic or ""))
        await show(update, text, InlineKeyboardMarkup([_choices(t)]))
        return
    if topic:
        lines = [t("mentoring.learner.slots_topic", topic=html.escape(topic))]
    elif tutor_id is not None:
        lines = [t("mentoring.learner.slots_tutor", tutor=html.escape(slots[0].tutor_name))]
    else:
        lines = [t("mentoring.learner.slots_all")]
    for number, slot in enumerate(slots, start=1):
        lines.append(_line(t, number, slot))
    if _near(context) is None:
        lines.append(t("mentoring.learner.location_hint"))
    keyboard = InlineKeyboardMarkup(slot_buttons(t, slots, buttons.MENTOR_SLOT, tutor=True))
    await show(update, "\n".join(lines), keyboard)


def _line(t: Translator, number: int, slot: SlotView) -> str:
    line = t(
        "mentoring.learner.slot_line",
        i=number,
        when=when(t, slot),
        tutor=html.escape(slot.tutor_name),
        place=place_text(t, slot.place),
    )
    if slot.distance_km is not None:
        line += t("mentoring.learner.distance", km=t.number(round(slot.distance_km)))
    return line


async def slot_picked(update: Update, context: ProxiContext) -> int:
    """A slot button (mn:s:<slot>): ask for a short message, or [Passer]."""
    if (found := pressed(update)) is None:
        return END
    query, user = found
    t = context.t
    slot_id = buttons.MENTOR_SLOT.value(query.data)
    slot = await call_service(lookup.slot, context.services.engine, slot_id=slot_id)
    if slot is None:
        await safe_answer(query, t("mentoring.stale_button"), show_alert=True)
        return END
    if slot.tutor_user_id == user.id:
        await safe_answer(query, t("mentoring.learner.own_slot"), show_alert=True)
        return END
    if slot.cancelled or slot.seats_left == 0 or slot.starts_at <= context.services.clock.now():
        await safe_answer(query)
        await _taken(update, context, slot)
        return END
    await safe_answer(query)
    waiting(context, "message", slot=slot.id)
    keyboard = InlineKeyboardMarkup(
        [[buttons.MENTOR_SKIP.button(t("mentoring.learner.button_skip"), slot.id)]]
    )
    text = t(
        "mentoring.learner.ask_message",
        when=when(t, slot),
        tutor=html.escape(slot.tutor_name),
        place=place_text(t, slot.place),
    )
    await edit_or_ignore(query, text, reply_markup=keyboard)
    return AWAIT


async def message_typed(update: Update, context: ProxiContext) -> int:
    """The learner's short message for the tutor: the request goes."""
    message = update.effective_message
    slot_id = awaited(context).get("slot")
    if message is None or not isinstance(slot_id, int):
        return END
    return await _request(update, context, slot_id, (message.text or "").strip())


async def skip_pressed(update: Update, context: ProxiContext) -> int:
    """[Passer] (mn:k:<slot>): the request goes without a message."""
    query = update.callback_query
    if query is None:
        return END
    await safe_answer(query)
    return await _request(update, context, buttons.MENTOR_SKIP.value(query.data), "")


async def _request(update: Update, context: ProxiContext, slot_id: int, message: str) -> int:
    user = update.effective_user
    assert user is not None
    t = context.t
    services = context.services
    try:
        view = await call_service(
            request,
            services.engine,
            slot_id=slot_id,
            learner_id=user.id,
            message=message,
            now=services.clock.now(),
        )
    except errors.MessageTooLong:
        await show(update, t("mentoring.learner.too_long", limit=MAX_MESSAGE))
        return AWAIT
    except errors.SlotTaken:
        waiting(context, None)
        slot = await call_service(lookup.slot, services.engine, slot_id=slot_id)
        if slot is None:
            await show(update, t("mentoring.stale_button"))
        else:
            await _taken(update, context, slot)
        return END
    except (errors.AlreadyRequested, errors.OwnSlot) as exc:
        waiting(context, None)
        await show(update, refusal_text(t, exc))
        return END
    waiting(context, None)
    await show(update, t("mentoring.learner.sent", tutor=html.escape(view.tutor_name)))
    await send_request(context, view, moved=False)
    return END


async def _taken(update: Update, context: ProxiContext, slot: SlotView) -> None:
    """ "This slot was just taken", with the tutor's other slots (or anyone's)."""
    user = update.effective_user
    assert user is not None
    t = context.t
    others = await _open(context, user.id, tutor_id=slot.tutor_id, exclude=slot.id)
    if not others:
        others = await _open(context, user.id, exclude=slot.id)
    if not others:
        await show(update, t("mentoring.learner.taken_none"))
        return
    text = t("mentoring.learner.taken_others")
    await show(
        update,
        text,
        InlineKeyboardMarkup(slot_buttons(t, others, buttons.MENTOR_SLOT, tutor=True)),
    )


async def proposal_answered(update: Update, context: ProxiContext) -> None:
    """[Accepter] / [Refuser] a proposed slot (pp:a:<id> / pp:r:<id>)."""
    if (found := pressed(update)) is None:
        return
    query, user = found
    answer, appointment_id = buttons.PROPOSAL.parse(query.data)
    accept = answer == "a"
    view = await act(
        query,
        context,
        answer_proposal,
        appointment_id=appointment_id,
        learner_id=user.id,
        accept=accept,
    )
    if view is None:
        return
    t = context.t
    if accept:
        await edit_or_ignore(query, t("mentoring.proposal.accepted"))
        await send_confirmation(context, view)
        return
    await edit_or_ignore(query, t("mentoring.proposal.refused_learner"))
    if view.tutor_user_id is not None:
        tutor_t = await t_for(context, view.tutor_user_id)
        text = tutor_t(
            "mentoring.proposal.refused_tutor",
            learner=html.escape(view.learner_name),
            when=when(tutor_t, view),
        )
        await send_to(context, view.tutor_user_id, text)


def handlers() -> list[BaseHandler[Update, ProxiContext, Any]]:
    """A learner's booking buttons (/mentorat and a slot's press start the conversation)."""
    return [
        CallbackQueryHandler(topic_chosen, pattern=buttons.MENTOR_TOPIC.pattern),
        CallbackQueryHandler(all_pressed, pattern=buttons.MENTOR_ALL.pattern),
        CallbackQueryHandler(tutors_pressed, pattern=buttons.MENTOR_TUTORS.pattern),
        CallbackQueryHandler(tutor_chosen, pattern=buttons.MENTOR_TUTOR.pattern),
        CallbackQueryHandler(skip_pressed, pattern=buttons.MENTOR_SKIP.pattern),
        CallbackQueryHandler(proposal_answered, pattern=buttons.PROPOSAL.pattern),
    ]
