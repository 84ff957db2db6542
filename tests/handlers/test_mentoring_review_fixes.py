"""Regressions found in review: a command in the middle of a question, group-slot reminders to
the tutor, reminders whose time has already passed at confirmation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot.models import Reminder
from handlers import delivery
from tests.handlers.test_mentoring_flow import (
    FR,
    LEARNER,
    OTHER_LEARNER,
    TUTOR,
    add_tutor,
    add_typed,
    appointments,
    engine_of,
    redon,
    request_first_slot,
)

pytestmark = pytest.mark.filterwarnings(
    "ignore:Deprecated since version v22.2:telegram.warnings.PTBDeprecationWarning"
)


async def test_a_command_in_the_middle_drops_the_question(app, chat) -> None:
    engine = engine_of(app)
    add_tutor(engine)
    redon(engine)
    claire = chat.user(TUTOR, "Claire")
    await add_typed(chat, claire, "jeudi 14h-17h à Redon")
    anne = chat.user(LEARNER, "Anne")
    await chat.send(anne, "/mentorat")
    await chat.press(anne, label=FR("mentoring.learner.button_all"))
    await chat.press(anne, index=1)  # the bot now waits for a note to the tutor
    await chat.send(anne, "/start")
    await chat.send(anne, "excel à Redon")  # a search, not a note
    assert appointments(engine) == []


async def test_a_group_slot_reminds_the_tutor_once(app, chat, clock) -> None:
    engine = engine_of(app)
    add_tutor(engine)
    redon(engine)
    claire = chat.user(TUTOR, "Claire")
    await add_typed(chat, claire, "jeudi 14:00-17:00 à Redon groupe 6 places")
    for learner_id, name in ((LEARNER, "Anne"), (OTHER_LEARNER, "Bruno")):
        learner = chat.user(learner_id, name)
        await request_first_slot(chat, learner, note=None)
        await chat.press(claire, label="Confirmer")
    assert [a.status for a in appointments(engine)] == ["confirmed", "confirmed"]
    with Session(engine) as session:
        tutor_rows = session.exec(
            select(Reminder).where(
                Reminder.recipient_id == TUTOR, Reminder.kind == "appointment_24h"
            )
        ).all()
    assert len(tutor_rows) == 1
    before = len(chat.sandbox.bot_messages(TUTOR))
    clock.set(tutor_rows[0].due_at + timedelta(minutes=1))
    await delivery.sweep(app)
    reminders = [m for m in chat.sandbox.bot_messages(TUTOR)[before:] if m.kind == "text"]
    assert len(reminders) == 1
    assert "Anne" in reminders[0].plain and "Bruno" in reminders[0].plain


async def test_no_day_before_reminder_for_an_appointment_confirmed_the_same_day(
    app, chat, clock
) -> None:
    engine = engine_of(app)
    add_tutor(engine)
    redon(engine)
    claire = chat.user(TUTOR, "Claire")
    # The test clock is Wednesday 10:00 in Paris: a slot the same day at 17:00.
    await add_typed(chat, claire, "mercredi 17h-18h à Redon")
    anne = chat.user(LEARNER, "Anne")
    await request_first_slot(chat, anne, note=None)
    await chat.press(claire, label="Confirmer")
    with Session(engine) as session:
        kinds = sorted({r.kind for r in session.exec(select(Reminder))})
    assert "appointment_24h" not in kinds
    assert "appointment_1h" in kinds


async def test_a_learner_who_forgets_frees_the_slot_and_the_tutor_is_told(app, chat) -> None:
    engine = engine_of(app)
    add_tutor(engine)
    redon(engine)
    claire = chat.user(TUTOR, "Claire")
    await add_typed(chat, claire, "jeudi 14h-15h à Redon")
    anne = chat.user(LEARNER, "Anne")
    await request_first_slot(chat, anne, note=None)
    await chat.press(claire, label="Confirmer")
    before = len(chat.sandbox.bot_messages(TUTOR))
    await chat.send(anne, "/forget")
    await chat.press(anne, label=FR("forget.button_yes"))
    told = chat.sandbox.bot_messages(TUTOR)[before:]
    assert any("Anne" in m.plain for m in told if m.kind == "text")
    assert [m.file_name.endswith(".ics") for m in told if m.kind == "document"] == [True]
    with Session(engine) as session:
        from bot.models import AvailabilitySlot

        assert [s.seats_taken for s in session.exec(select(AvailabilitySlot))] == [0]


# A forged day re-asks the same question: the edit changes nothing (ignored by the bot).
@pytest.mark.expect_api_errors("message is not modified")
async def test_adding_a_slot_in_the_evening_and_forged_days(app, chat, clock) -> None:
    from datetime import UTC, datetime

    engine = engine_of(app)
    add_tutor(engine)
    redon(engine)
    clock.set(datetime(2026, 11, 25, 19, 5, tzinfo=UTC))  # 20:05 in Paris: no start left today
    claire = chat.user(TUTOR, "Claire")
    [listing] = await chat.send(claire, "/disponibilites")
    await chat.press(claire, index=1, message_id=listing.message_id)  # [Ajouter un créneau]
    days = chat.last(claire)
    assert days.buttons, days.plain
    assert not days.button_texts[0].startswith("mer. 25")  # tomorrow first, not tonight
    for forged in ("av:d:99991231", "av:d:20261125", "av:d:notadate"):
        await chat.press(claire, message_id=days.message_id, data=forged)
    assert FR("error.generic") not in [m.plain for m in chat.sandbox.bot_messages(TUTOR)]


async def test_a_weekly_series_is_removed_in_one_tap(app, chat) -> None:
    from bot.models import AvailabilitySlot

    engine = engine_of(app)
    add_tutor(engine)
    redon(engine)
    claire = chat.user(TUTOR, "Claire")
    await add_typed(chat, claire, "tous les mardis 14h-16h, 60 min, à Redon")
    [listing] = await chat.send(claire, "/disponibilites")
    series = [b for b in listing.button_texts if b.startswith("Supprimer toute la série")]
    assert len(series) == 1
    await chat.press(claire, label=series[0], message_id=listing.message_id)
    with Session(engine) as session:
        live = [s for s in session.exec(select(AvailabilitySlot)) if not s.cancelled]
    assert live == []


async def test_a_tutor_without_appointments_is_pointed_to_their_slots(app, chat) -> None:
    engine = engine_of(app)
    add_tutor(engine)
    [reply] = await chat.send(chat.user(TUTOR, "Claire"), "/mes_rdv")
    assert reply.plain == FR("mentoring.mine.none_tutor")
    [learner] = await chat.send(chat.user(LEARNER, "Anne"), "/mes_rdv")
    assert learner.plain == FR("mentoring.mine.none")
