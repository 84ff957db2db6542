"""The tutor's decisions and what follows: decline with a reason, counter-proposals, cancel
and reschedule (with .ics CANCEL), slot removal, nudges and expiry of unanswered requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from bot.context import ProxiContext
from bot.models import AvailabilitySlot, Reminder
from handlers import delivery
from handlers.mentoring.decisions import expire_requests_job
from tests.handlers.test_mentoring_flow import (
    FR,
    LEARNER,
    OTHER_LEARNER,
    TUTOR,
    add_tutor,
    add_typed,
    appointments,
    engine_of,
    ics_event,
    redon,
    request_first_slot,
    slots,
)

pytestmark = pytest.mark.filterwarnings(
    "ignore:Deprecated since version v22.2:telegram.warnings.PTBDeprecationWarning"
)


async def _tutor_with_slots(chat, engine, phrase: str = "jeudi 14h-17h à Redon"):
    add_tutor(engine)
    redon(engine)
    claire = chat.user(TUTOR, "Claire")
    await add_typed(chat, claire, f"{phrase}")
    return claire


async def _confirmed(chat, engine):
    """Claire's three Thursday slots; Anne's request on the first, confirmed."""
    claire = await _tutor_with_slots(chat, engine)
    anne = chat.user(LEARNER, "Anne")
    await request_first_slot(chat, anne, note=None)
    await chat.press(claire, label="Confirmer")
    return claire, anne


def _seats(engine) -> list[int]:
    return [slot.seats_taken for slot in slots(engine)]


async def test_decline_with_a_reason_offers_the_tutors_other_slots(app, chat, sandbox) -> None:
    engine = engine_of(app)
    claire = await _tutor_with_slots(chat, engine)
    anne = chat.user(LEARNER, "Anne")
    await request_first_slot(chat, anne, note=None)
    await chat.press(claire, label="Refuser")
    reasons = chat.last(claire)
    assert reasons.plain == "Pourquoi refusez-vous le rendez-vous avec Anne ?"
    assert reasons.button_texts == [
        "Pas disponible",
        "Hors de mon domaine",
        "Sans raison",
        "Retour",
    ]
    await chat.press(claire, label="Hors de mon domaine")
    assert chat.last(claire).plain == "Rendez-vous avec Anne refusé. Je l'en informe."
    told = chat.last(anne)
    assert told.plain.splitlines() == [
        "Claire ne peut pas vous recevoir le jeudi 26 novembre de 14:00 à 15:00.",
        "Raison : Hors de mon domaine.",
        "Voici d'autres créneaux de Claire :",
    ]
    assert told.button_texts == [
        "jeudi 26 novembre 15:00 · Redon",
        "jeudi 26 novembre 16:00 · Redon",
    ]
    [declined] = appointments(engine)
    assert (declined.status, declined.reason) == ("declined", "out_of_scope")
    assert _seats(engine) == [0, 0, 0]

    # One tap on an alternative, [Passer]: a new request.
    await chat.press(anne, label="jeudi 26 novembre 15:00 · Redon")
    await chat.press(anne, label="Passer")
    assert chat.last(anne).plain == FR("mentoring.learner.sent", tutor="Claire")
    assert _seats(engine) == [0, 1, 0]
    assert sandbox.unanswered_callbacks(TUTOR) == sandbox.unanswered_callbacks(LEARNER) == []


async def test_counter_proposal_accepted_then_another_declined(app, chat, sandbox) -> None:
    engine = engine_of(app)
    claire = await _tutor_with_slots(chat, engine)
    anne = chat.user(LEARNER, "Anne")
    await request_first_slot(chat, anne, note=None)
    await chat.press(claire, label="Proposer un autre créneau")
    choose = chat.last(claire)
    assert choose.plain == "Quel autre créneau proposer à Anne ?"
    assert choose.button_texts == [
        "jeudi 26 novembre 15:00 · Redon",
        "jeudi 26 novembre 16:00 · Redon",
        "Retour",
    ]
    await chat.press(claire, label="jeudi 26 novembre 16:00 · Redon")
    assert chat.last(claire).plain == (
        "Vous avez proposé le jeudi 26 novembre de 16:00 à 17:00 à Anne. J'attends sa réponse."
    )
    proposal = chat.last(anne)
    assert proposal.plain == (
        "Claire vous propose un autre créneau : jeudi 26 novembre de 16:00 à 17:00, "
        "Relais d'Entreprises, 1 rue de la Gare, 56800 Redon. Cela vous convient-il ?"
    )
    assert _seats(engine) == [0, 0, 1]
    before = len(sandbox.bot_messages(TUTOR))
    await chat.press(anne, label="Accepter")
    [accepted] = appointments(engine)
    assert accepted.status == "confirmed"
    text, _, document = sandbox.bot_messages(TUTOR)[before:]
    assert "Quand : jeudi 26 novembre de 16:00 à 17:00" in text.plain
    _, event = ics_event(document)
    assert event.decoded("DTSTART") == datetime(2026, 11, 26, 15, 0, tzinfo=UTC)

    # Bob asks for the first slot; Claire proposes the second; Bob declines it.
    bob = chat.user(OTHER_LEARNER, "Bob")
    await request_first_slot(chat, bob, note="Bonjour")
    await chat.press(claire, label="Proposer un autre créneau")
    await chat.press(claire, label="jeudi 26 novembre 15:00 · Redon")
    await chat.press(bob, label="Refuser")
    assert chat.last(bob).plain == FR("mentoring.proposal.refused_learner")
    assert chat.last(claire).plain == (
        "Bob a refusé le créneau du jeudi 26 novembre de 15:00 à 16:00 que vous proposiez."
    )
    assert [a.status for a in appointments(engine)] == ["confirmed", "cancelled"]
    assert _seats(engine) == [0, 0, 1]


async def test_cancel_from_my_appointments_sends_an_ics_cancel(app, chat, sandbox, clock) -> None:
    engine = engine_of(app)
    _, anne = await _confirmed(chat, engine)
    [appointment] = appointments(engine)
    [listing] = await chat.send(anne, "/mes_rdv")
    assert listing.plain.splitlines() == [
        "Vos rendez-vous à venir",
        "1. jeudi 26 novembre de 14:00 à 15:00 · avec Claire · Redon · confirmé",
    ]
    assert listing.button_texts == ["Annuler le n°1", "Déplacer le n°1"]
    await chat.press(anne, label="Annuler le n°1")
    assert chat.last(anne).plain == (
        "Annuler le rendez-vous du jeudi 26 novembre de 14:00 à 15:00 avec Claire ?"
    )
    tutor_before = len(sandbox.bot_messages(TUTOR))
    learner_before = len(sandbox.bot_messages(LEARNER))
    await chat.press(anne, label="Oui, annuler")
    told, cancel_file = sandbox.bot_messages(TUTOR)[tutor_before:]
    assert told.plain == (
        "Anne a annulé le rendez-vous du jeudi 26 novembre de 14:00 à 15:00. "
        "Le créneau est libéré."
    )
    [own_file] = sandbox.bot_messages(LEARNER)[learner_before:]
    for entry in (cancel_file, own_file):
        calendar, event = ics_event(entry)
        assert str(calendar["METHOD"]) == "CANCEL"
        assert str(event["UID"]) == appointment.ics_uid
        assert event["SEQUENCE"] == 1
        assert str(event["STATUS"]) == "CANCELLED"
    assert appointments(engine)[0].status == "cancelled"
    assert _seats(engine) == [0, 0, 0]
    # Its reminders are cancelled: nothing goes out at their time.
    with Session(engine) as session:
        statuses = {r.status for r in session.exec(select(Reminder)).all()}
    assert statuses == {"cancelled"}
    clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    assert (await delivery.sweep(app))["sent"] == 0


async def test_reschedule_is_a_new_request_the_tutor_confirms(app, chat, sandbox) -> None:
    engine = engine_of(app)
    claire, anne = await _confirmed(chat, engine)
    [old] = appointments(engine)
    await chat.press(anne, label="Déplacer")
    choose = chat.last(anne)
    assert choose.plain == (
        "Vers quel créneau de Claire déplacer le rendez-vous du "
        "jeudi 26 novembre de 14:00 à 15:00 ?"
    )
    tutor_before = len(sandbox.bot_messages(TUTOR))
    await chat.press(anne, label="jeudi 26 novembre 16:00 · Redon")
    assert sandbox.transcript(LEARNER)[-1].plain == (
        "Demande de déplacement envoyée à Claire pour le jeudi 26 novembre de 16:00 à 17:00, "
        "en attente de confirmation. D'ici là, votre rendez-vous actuel reste valable."
    )
    # No calendar file yet: the confirmed appointment stands until the tutor accepts the move.
    [request] = sandbox.bot_messages(TUTOR)[tutor_before:]
    assert request.plain.startswith("Demande de déplacement\nAnne souhaite déplacer")
    assert request.button_texts == ["Confirmer", "Refuser", "Proposer un autre créneau"]
    first, new = appointments(engine)
    assert (first.status, new.status, new.rescheduled_from_id) == ("confirmed", "pending", old.id)
    assert _seats(engine) == [1, 0, 1]

    learner_before = len(sandbox.bot_messages(LEARNER))
    await chat.press(claire, label="Confirmer")
    *_, text, _, document = sandbox.bot_messages(LEARNER)[learner_before:]
    assert "Quand : jeudi 26 novembre de 16:00 à 17:00" in text.plain
    calendar, event = ics_event(document)
    assert (str(calendar["METHOD"]), str(event["UID"])) == ("REQUEST", old.ics_uid)
    assert event["SEQUENCE"] == 1  # above the original's: calendars move the event
    assert event.decoded("DTSTART") == datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    assert [a.status for a in appointments(engine)] == ["cancelled", "confirmed"]
    assert _seats(engine) == [0, 0, 1]
    with Session(engine) as session:
        pending = session.exec(select(Reminder).where(Reminder.status == "pending")).all()
    assert {r.appointment_id for r in pending} == {new.id}


async def test_a_refused_move_leaves_the_appointment_as_it_was(app, chat, sandbox) -> None:
    engine = engine_of(app)
    claire, anne = await _confirmed(chat, engine)
    await chat.press(anne, label="Déplacer")
    await chat.press(anne, label="jeudi 26 novembre 16:00 · Redon")
    await chat.press(claire, label="Refuser")
    await chat.press(claire, label="Pas disponible")
    told = chat.last(anne).plain
    assert "Votre rendez-vous du jeudi 26 novembre de 14:00 à 15:00 reste confirmé" in told
    assert [a.status for a in appointments(engine)] == ["confirmed", "declined"]
    assert _seats(engine) == [1, 0, 0]


async def test_removing_a_booked_slot_asks_then_tells_the_learner(app, chat, sandbox) -> None:
    engine = engine_of(app)
    claire, _ = await _confirmed(chat, engine)
    [listing] = await chat.send(claire, "/disponibilites")
    assert "1. jeudi 26 novembre de 14:00 à 15:00 · Redon · places prises : 1/1" in listing.plain
    await chat.press(claire, label="Supprimer le n°1")
    assert chat.last(claire).plain.startswith(
        "Le créneau du jeudi 26 novembre de 14:00 à 15:00 a une demande ou un rendez-vous."
    )
    learner_before = len(sandbox.bot_messages(LEARNER))
    await chat.press(claire, label="Oui, supprimer")
    told, cancel_file = sandbox.bot_messages(LEARNER)[learner_before:]
    assert told.plain == (
        "Claire a retiré son créneau du jeudi 26 novembre de 14:00 à 15:00 : votre rendez-vous "
        "est annulé. Choisissez un autre créneau avec /mentorat."
    )
    calendar, _ = ics_event(cancel_file)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert [s.cancelled for s in slots(engine)] == [True, False, False]
    assert appointments(engine)[0].status == "cancelled"
    # A free slot goes at once.
    await chat.press(claire, label="Supprimer le n°1")
    assert [s.cancelled for s in slots(engine)] == [True, True, False]


async def test_unanswered_request_is_nudged_then_expires(app, chat, sandbox, clock) -> None:
    engine = engine_of(app)
    claire = await _tutor_with_slots(chat, engine)
    anne = chat.user(LEARNER, "Anne")
    await request_first_slot(chat, anne, note=None)
    job_context = ProxiContext(app)

    clock.advance(timedelta(hours=13))  # Wednesday 23:00
    before = len(sandbox.bot_messages(TUTOR))
    await expire_requests_job(job_context)
    await expire_requests_job(job_context)  # nudged once only
    [nudge] = sandbox.bot_messages(TUTOR)[before:]
    assert nudge.plain.splitlines()[0] == "Une demande attend votre réponse"
    assert nudge.plain.splitlines()[-1] == (
        "Sans réponse, elle expirera le jeudi 26 novembre à 12:00 et le créneau sera libéré."
    )
    assert nudge.disable_notification is True
    assert nudge.button_texts == ["Confirmer", "Refuser", "Proposer un autre créneau"]

    clock.set(datetime(2026, 11, 26, 11, 30, tzinfo=UTC))  # Thursday 12:30, slot at 14:00
    await expire_requests_job(job_context)
    assert chat.last(anne).plain == (
        "Votre demande de rendez-vous avec Claire pour le jeudi 26 novembre de 14:00 à 15:00 "
        "a expiré faute de réponse à temps ; le créneau est libéré. "
        "Choisissez-en un autre avec /mentorat."
    )
    assert "a expiré sans réponse" in sandbox.last_bot_message(TUTOR).plain
    assert appointments(engine)[0].status == "expired"
    assert _seats(engine) == [0, 0, 0]
    # The nudge's button is stale now.
    await chat.press(claire, message_id=nudge.message_id, label="Confirmer")
    assert sandbox.callback_answers(TUTOR)[-1][1:] == (
        FR("mentoring.stale", status=FR("mentoring.status.expired")),
        True,
    )
    with Session(engine) as session:
        assert session.exec(select(AvailabilitySlot)).first().seats_taken == 0
