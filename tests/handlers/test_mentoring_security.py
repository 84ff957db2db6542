"""Buttons re-check on every press who is pressing: forged data from another tutor or learner
is refused, stale buttons get a clear answer, and one individual slot goes to one learner."""

from __future__ import annotations

import pytest

from tests.handlers.test_mentoring_flow import (
    FR,
    LEARNER,
    OTHER_LEARNER,
    OTHER_TUTOR,
    TUTOR,
    add_tutor,
    add_typed,
    answers,
    appointments,
    engine_of,
    redon,
    request_first_slot,
    slots,
)

pytestmark = pytest.mark.filterwarnings(
    "ignore:Deprecated since version v22.2:telegram.warnings.PTBDeprecationWarning"
)
NOT_YOURS = FR("mentoring.not_yours")


async def _pending(chat, engine):
    """Claire's two Thursday slots and Anne's pending request on the first."""
    add_tutor(engine)
    redon(engine)
    claire = chat.user(TUTOR, "Claire")
    await add_typed(chat, claire, "jeudi 14h-16h à Redon")
    anne = chat.user(LEARNER, "Anne")
    await request_first_slot(chat, anne, note=None)
    [appointment] = appointments(engine)
    return claire, anne, appointment


async def test_another_tutor_cannot_decide_with_forged_buttons(app, chat, sandbox) -> None:
    engine = engine_of(app)
    _, _, appointment = await _pending(chat, engine)
    add_tutor(engine, OTHER_TUTOR, name="Marc")
    marc = chat.user(OTHER_TUTOR, "Marc")
    [menu] = await chat.send(marc, "/disponibilites")
    other_slot = slots(engine)[1].id
    for data in (
        f"rq:c:{appointment.id}",
        f"rq:d:{appointment.id}",
        f"rq:r:{appointment.id}:0",
        f"rq:o:{appointment.id}",
        f"rq:p:{appointment.id}:{other_slot}",
        f"rq:b:{appointment.id}",
        f"av:x:{slots(engine)[0].id}",
        f"av:xy:{slots(engine)[0].id}",
    ):
        await chat.press(marc, message_id=menu.message_id, data=data)
    assert answers(chat, marc) == [NOT_YOURS] * 8
    assert [a.status for a in appointments(engine)] == ["pending"]
    assert [s.cancelled for s in slots(engine)] == [False, False]
    assert sandbox.unanswered_callbacks(OTHER_TUTOR) == []


async def test_a_learner_cannot_touch_someone_elses_appointment(app, chat, sandbox) -> None:
    engine = engine_of(app)
    claire, _, appointment = await _pending(chat, engine)
    await chat.press(claire, label="Confirmer")
    bob = chat.user(OTHER_LEARNER, "Bob")
    [menu] = await chat.send(bob, "/mentorat")
    other_slot = slots(engine)[1].id
    for data in (
        f"ap:x:{appointment.id}",
        f"ap:xy:{appointment.id}",
        f"ap:m:{appointment.id}",
        f"ap:ms:{appointment.id}:{other_slot}",
        f"ap:a:{appointment.id}:0",
        f"pp:a:{appointment.id}",
        "ap:x:999999",
    ):
        await chat.press(bob, message_id=menu.message_id, data=data)
    assert answers(chat, bob) == [NOT_YOURS] * 7
    # A rating of someone else's appointment is refused too.
    await chat.press(bob, message_id=menu.message_id, data=f"ap:s:{appointment.id}:1")
    assert answers(chat, bob)[-1] == NOT_YOURS
    [kept] = appointments(engine)
    assert (kept.status, kept.slot_id, kept.rating) == ("confirmed", appointment.slot_id, None)
    assert sandbox.unanswered_callbacks(OTHER_LEARNER) == []


async def test_stale_buttons_get_a_clear_answer(app, chat, sandbox) -> None:
    engine = engine_of(app)
    claire, anne, appointment = await _pending(chat, engine)
    [request] = [m for m in sandbox.bot_messages(TUTOR) if m.button_texts[:1] == ["Confirmer"]]
    await chat.press(claire, message_id=request.message_id, label="Confirmer")
    # The request's buttons are gone; a replayed press says it was decided already.
    assert request.message_id in [m.message_id for m in sandbox.bot_messages(TUTOR)]
    await chat.press(claire, message_id=request.message_id, data=f"rq:d:{appointment.id}")
    await chat.press(claire, message_id=request.message_id, data=f"rq:c:{appointment.id}")
    confirmed = FR("mentoring.stale", status=FR("mentoring.status.confirmed"))
    assert answers(chat, claire)[-2:] == [confirmed, confirmed]

    # Cancelled from the confirmation message; the same buttons pressed again are stale.
    await chat.press(anne, label="Annuler")
    ask = chat.last(anne)
    await chat.press(anne, label="Oui, annuler")
    await chat.press(anne, message_id=ask.message_id, data=f"ap:xy:{appointment.id}")
    await chat.press(anne, message_id=ask.message_id, data=f"ap:m:{appointment.id}")
    cancelled = FR("mentoring.stale", status=FR("mentoring.status.cancelled"))
    assert answers(chat, anne)[-2:] == [cancelled, cancelled]

    # A step of the slot wizard with no slot being added, and unknown data.
    await chat.press(claire, message_id=request.message_id, data="av:d:20261203")
    await chat.press(claire, message_id=request.message_id, data="mn:zz")
    assert answers(chat, claire)[-2:] == [
        FR("mentoring.availability.stale"),
        FR("fallback.stale_button"),
    ]
    assert sandbox.unanswered_callbacks(TUTOR) == sandbox.unanswered_callbacks(LEARNER) == []


async def test_two_learners_ask_for_the_same_slot_and_one_gets_it(app, chat, sandbox) -> None:
    engine = engine_of(app)
    add_tutor(engine)
    redon(engine)
    claire = chat.user(TUTOR, "Claire")
    await add_typed(chat, claire, "jeudi 14h-16h à Redon")
    anne, bob = chat.user(LEARNER, "Anne"), chat.user(OTHER_LEARNER, "Bob")
    for learner in (anne, bob):  # both see the slot free and pick it
        await chat.send(learner, "/mentorat")
        await chat.press(learner, label=FR("mentoring.learner.button_all"))
        await chat.press(learner, index=1)
    await chat.press(anne, label="Passer")
    assert chat.last(anne).plain == FR("mentoring.learner.sent", tutor="Claire")
    await chat.press(bob, label="Passer")
    taken = chat.last(bob)
    assert taken.plain == FR("mentoring.learner.taken_others")
    assert taken.button_texts == ["jeudi 26 novembre 15:00 · Claire · Redon"]
    assert [(a.learner_id, a.status) for a in appointments(engine)] == [(LEARNER, "pending")]
    assert [s.seats_taken for s in slots(engine)] == [1, 0]
    # Bob takes the other one.
    await chat.press(bob, label="jeudi 26 novembre 15:00 · Claire · Redon")
    await chat.send(bob, "Bonjour !")
    assert chat.last(bob).plain == FR("mentoring.learner.sent", tutor="Claire")
    assert [s.seats_taken for s in slots(engine)] == [1, 1]
