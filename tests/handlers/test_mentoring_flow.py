"""Mentoring through the real Application and the sandbox: a tutor adds availability, a
learner asks, the tutor confirms, reminders and the attendance question follow on the clock.

The helpers here are shared by the other test_mentoring_* files.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from icalendar import Calendar
from sqlmodel import Session, select

from bot.i18n import translator
from bot.models import Appointment, AvailabilitySlot, Organisation, Tutor
from bot.users import set_home
from handlers import delivery
from tests.factories import add_space, add_user
from tests.helpers import plain

FR = translator("fr")
SUPER_ADMIN = 1000  # in the test settings' ADMIN_IDS
TUTOR, LEARNER, OTHER_LEARNER, OTHER_TUTOR = 900, 42, 43, 901

# PTB itself reads RetryAfter.retry_after when building errors (see test_reminders_delivery).
pytestmark = pytest.mark.filterwarnings(
    "ignore:Deprecated since version v22.2:telegram.warnings.PTBDeprecationWarning"
)


def engine_of(app: Any) -> Any:
    return app.bot_data["services"].engine


def add_tutor(engine, user_id: int = TUTOR, *, name: str = "Claire", topics: str = "") -> int:
    """A tutor with a Telegram account."""
    add_user(engine, user_id, name=name)
    with Session(engine) as session:
        tutor = Tutor(name=name, topics=topics, user_id=user_id)
        session.add(tutor)
        session.commit()
        return tutor.id  # type: ignore[return-value]


def redon(engine) -> int:
    return add_space(
        engine, name="Relais d'Entreprises", city="Redon", latitude=47.65, longitude=-2.08
    )


async def save_typed(chat, tutor) -> Any:
    """[Enregistrer] under what a typed range was understood as: the slots are created and
    the preview becomes the confirmation."""
    await chat.press(tutor, label=FR("mentoring.preview.button_save"))
    return chat.last(tutor)


async def add_typed(chat, tutor, phrase: str) -> Any:
    """/disponibilites <phrase>, saved even when it was first shown as understood."""
    replies = await chat.send(tutor, f"/disponibilites {phrase}")
    if replies and FR("mentoring.preview.button_save") in replies[-1].button_texts:
        return await save_typed(chat, tutor)
    return chat.last(tutor)


def appointments(engine) -> list[Appointment]:
    with Session(engine) as session:
        return list(session.exec(select(Appointment).order_by(Appointment.id)).all())


def slots(engine) -> list[AvailabilitySlot]:
    with Session(engine) as session:
        return list(session.exec(select(AvailabilitySlot).order_by(AvailabilitySlot.id)).all())


def answers(chat, user) -> list[str | None]:
    return [text for _, text, _ in chat.sandbox.callback_answers(user.id)]


def ics_event(entry) -> Any:
    """The VEVENT of an .ics document in the transcript."""
    assert entry.kind == "document"
    assert entry.file_name.endswith(".ics")
    calendar = Calendar.from_ical(entry.file_bytes)
    [event] = calendar.walk("VEVENT")
    return calendar, event


async def request_first_slot(chat, learner, note: str | None = "Je prépare une reconversion."):
    """/mentorat → [Tous les créneaux] → first slot → note (or [Passer])."""
    await chat.send(learner, "/mentorat")
    await chat.press(learner, label=FR("mentoring.learner.button_all"))
    await chat.press(learner, index=1)
    if note is None:
        return await chat.press(learner, label=FR("mentoring.learner.button_skip"))
    return await chat.send(learner, note)


async def become_tutor_by_invite(chat, engine, user) -> None:
    """An admin invites `user` as a tutor of an organisation; the link is opened."""
    with Session(engine) as session:
        session.add(Organisation(name="Form'Ouest Conseil"))
        session.commit()
    admin = chat.user(SUPER_ADMIN, "Admin")
    await chat.send(admin, "/inviter")
    await chat.press(admin, label=FR("admin.role_tutor"))
    await chat.press(admin, label="Form'Ouest Conseil")
    token = re.search(r"start=(i_[A-Za-z0-9_-]+)", chat.last(admin).plain).group(1)
    await chat.send(user, f"/start {token}")


async def test_request_confirm_ics_reminders_attendance_and_rating(
    app, chat, sandbox, clock
) -> None:
    engine = engine_of(app)
    space = redon(engine)
    claire = chat.user(TUTOR, "Claire")
    anne = chat.user(LEARNER, "Anne")
    await become_tutor_by_invite(chat, engine, claire)

    # The typed shortcut: next Tuesday (1 December), two one-hour slots in Redon.
    [preview] = await chat.send(claire, "/disponibilites mardi 14h-16h à Redon")
    assert preview.plain.startswith(
        "J'ai compris : 2 créneaux de 1 h, mardi 1er décembre, 14:00 et 15:00."
    )
    assert slots(engine) == []  # nothing saved before [Enregistrer]
    added = await save_typed(chat, claire)
    assert added.plain.startswith(
        "C'est noté : 2 créneaux ajoutés le mardi 1er décembre, de 14:00 à 16:00"
    )
    with Session(engine) as session:
        tutor = session.exec(select(Tutor)).one()
    assert (tutor.user_id, tutor.name) == (TUTOR, "Claire")
    assert [(s.starts_at.hour, s.space_id, s.seats) for s in slots(engine)] == [
        (13, space, 1),
        (14, space, 1),
    ]

    # The learner asks for the first slot, with a note.
    [sent] = await request_first_slot(chat, anne)
    assert sent.plain == FR("mentoring.learner.sent", tutor="Claire")
    request = sandbox.last_bot_message(TUTOR)
    assert "Nouvelle demande de mentorat" in request.plain
    assert "Anne souhaite vous rencontrer le mardi 1er décembre de 14:00 à 15:00" in request.plain
    assert "« Je prépare une reconversion. »" in request.plain
    assert request.button_texts == ["Confirmer", "Refuser", "Proposer un autre créneau"]

    # The tutor confirms: both get the text, the pin and the calendar file.
    tutor_before = len(sandbox.bot_messages(TUTOR))
    learner_before = len(sandbox.bot_messages(LEARNER))
    await chat.press(claire, label="Confirmer")
    [appointment] = appointments(engine)
    assert appointment.status == "confirmed"
    for user_id, before, other in (
        (LEARNER, learner_before, "Claire"),
        (TUTOR, tutor_before, "Anne"),
    ):
        text, pin, document = sandbox.bot_messages(user_id)[before:][-3:]
        assert text.plain.splitlines()[:4] == [
            "✅ Rendez-vous de mentorat confirmé",
            "Quand : mardi 1er décembre de 14:00 à 15:00 (heure de Paris)",
            f"Avec : {other}",
            "Où : Relais d'Entreprises, 1 rue de la Gare, 56800 Redon",
        ]
        assert text.button_texts == ["Annuler", "Déplacer"]
        assert (pin.kind, pin.title, pin.latitude, pin.longitude) == (
            "venue",
            "Relais d'Entreprises",
            47.65,
            -2.08,
        )
        calendar, event = ics_event(document)
        assert str(calendar["METHOD"]) == "REQUEST"
        assert str(event["UID"]) == appointment.ics_uid
        assert event.decoded("DTSTART") == datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
        assert event.decoded("DTEND") == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)

    # 24 h before: one reminder each, silent, with the pin; a second sweep sends nothing.
    counts = {uid: len(sandbox.bot_messages(uid)) for uid in (LEARNER, TUTOR)}
    clock.set(datetime(2026, 11, 30, 13, 0, tzinfo=UTC))
    assert (await delivery.sweep(app))["sent"] == 2
    assert (await delivery.sweep(app))["sent"] == 0
    for user_id in (LEARNER, TUTOR):
        reminder, pin = sandbox.bot_messages(user_id)[counts[user_id] :]
        assert reminder.plain.startswith("⏰ Rappel : votre rendez-vous de mentorat approche")
        assert reminder.disable_notification is True
        assert reminder.button_texts == ["Annuler", "Déplacer"]
        assert pin.kind == "venue"

    # 1 h before: urgent, once each.
    counts = {uid: len(sandbox.bot_messages(uid)) for uid in (LEARNER, TUTOR)}
    clock.set(datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    assert (await delivery.sweep(app))["sent"] == 2
    assert (await delivery.sweep(app))["sent"] == 0
    for user_id in (LEARNER, TUTOR):
        reminder, _ = sandbox.bot_messages(user_id)[counts[user_id] :]
        assert "commence dans une heure" in reminder.plain
        assert reminder.disable_notification is False

    # After the end: "did it take place?", to both.
    counts = {uid: len(sandbox.bot_messages(uid)) for uid in (LEARNER, TUTOR)}
    clock.set(datetime(2026, 12, 1, 14, 45, tzinfo=UTC))
    assert (await delivery.sweep(app))["sent"] == 2
    [question] = sandbox.bot_messages(LEARNER)[counts[LEARNER] :]
    assert question.plain == (
        "Votre rendez-vous de mentorat du mardi 1er décembre de 14:00 à 15:00 avec Claire "
        "a-t-il eu lieu ?"
    )
    assert question.button_texts == ["Oui", "Non"]

    await chat.press(anne, label="Oui")
    rating = chat.last(anne)
    assert rating.button_texts == ["1", "2", "3", "4", "5"]
    assert "Donnez une note de 1 (décevant) à 5 (excellent)" in rating.plain
    await chat.press(anne, label="5")
    assert chat.last(anne).plain == FR("mentoring.rating.thanks", stars=5)
    await chat.press(claire, label="Oui")
    assert chat.last(claire).plain == FR("mentoring.attendance.thanks")
    [done] = appointments(engine)
    assert (done.status, done.attended, done.attendance_by, done.rating) == (
        "done",
        True,
        "tutor",
        5,
    )

    [history] = await chat.send(claire, "/historique")
    assert "mardi 1er décembre à 14:00 · Anne · a eu lieu · note 5/5" in history.plain
    assert "Note moyenne : 5/5 (1 avis)." in history.plain


async def test_tutor_adds_a_slot_with_buttons(app, chat, clock) -> None:
    engine = engine_of(app)
    add_tutor(engine)
    space = redon(engine)
    claire = chat.user(TUTOR, "Claire")
    [listing] = await chat.send(claire, "/disponibilites")
    assert listing.plain.startswith(plain(FR("mentoring.availability.none")))
    await chat.press(claire, label="Ajouter un créneau")
    await chat.press(claire, label="jeu. 3 déc.")
    assert chat.last(claire).plain == "jeudi 3 décembre : à quelle heure commencez-vous ?"
    await chat.press(claire, label="10:00")
    await chat.press(claire, label="45 min")
    await chat.press(claire, label="Relais d'Entreprises (Redon)")
    await chat.press(claire, label="Groupe de 6")
    assert chat.last(claire).plain == (
        "C'est noté : créneau ajouté le jeudi 3 décembre de 10:00 à 10:45, "
        "Relais d'Entreprises, 1 rue de la Gare, 56800 Redon, pour un groupe de 6 personnes."
    )
    [slot] = slots(engine)
    assert (slot.starts_at, slot.ends_at, slot.space_id, slot.seats) == (
        datetime(2026, 12, 3, 9, 0, tzinfo=UTC),
        datetime(2026, 12, 3, 9, 45, tzinfo=UTC),
        space,
        6,
    )
    [listing] = await chat.send(claire, "/disponibilites")
    assert "1. jeudi 3 décembre de 10:00 à 10:45 · Redon · places prises : 0/6" in listing.plain


async def test_online_range_and_weekly_phrases(app, chat, clock) -> None:
    engine = engine_of(app)
    add_tutor(engine)
    redon(engine)
    claire = chat.user(TUTOR, "Claire")
    # Online without a link: the link is asked next, then checked.
    await chat.send(claire, "/disponibilites")
    await chat.press(claire, label="Ajouter un créneau")
    [asked] = await chat.send(claire, "jeudi 9h-11h en ligne")
    assert asked.plain == FR("mentoring.availability.ask_link")
    [bad] = await chat.send(claire, "http://visio.example.org")
    assert bad.plain == FR("mentoring.availability.bad_link")
    [understood] = await chat.send(claire, "https://visio.example.org/claire")
    assert "Lieu : en ligne" in understood.plain
    added = await save_typed(chat, claire)
    assert added.plain.startswith(
        "C'est noté : 2 créneaux ajoutés le jeudi 26 novembre, de 09:00 à 11:00"
    )
    assert "en ligne : https://visio.example.org/claire" in added.plain

    # Weekly: every Tuesday 14:00-17:00, 45 minutes each, 8 weeks.
    [weekly] = await chat.send(claire, "/disponibilites tous les mardis 14h-17h, 45 min, à Redon")
    assert "32 créneaux ajoutés, du mardi 1er décembre à 14:00 au mardi 19 janvier à 16:15" in (
        weekly.plain
    )
    # Overlap: refused with the conflicting slot's time, nothing created.
    before = len(slots(engine))
    [refused] = await chat.send(claire, "/disponibilites le 01/12 14h30-15h30 à Redon")
    assert refused.plain.startswith(
        "Refusé : ce créneau chevauche votre créneau du mardi 1er décembre de 14:00 à 14:45."
    )
    assert len(slots(engine)) == before
    # A parse failure explains itself.
    [unclear] = await chat.send(claire, "/disponibilites bientôt à Redon")
    assert unclear.plain == plain(FR("mentoring.availability.parse.no_time"))


async def test_not_a_tutor_is_refused_politely(app, chat) -> None:
    eve = chat.user(66, "Eve")
    [reply] = await chat.send(eve, "/disponibilites mardi 14h-16h à Redon")
    assert reply.plain == FR("mentoring.availability.not_tutor")
    [reply] = await chat.send(eve, "/historique")
    assert reply.plain == FR("mentoring.availability.not_tutor")
    assert slots(engine_of(app)) == []


async def test_learner_chooses_a_topic_and_sees_nearest_slots_first(app, chat, clock) -> None:
    engine = engine_of(app)
    add_tutor(engine, TUTOR, name="Claire", topics="Reconversion, Excel")
    add_tutor(engine, OTHER_TUTOR, name="Marc", topics="Anglais")
    claire, marc = chat.user(TUTOR, "Claire"), chat.user(OTHER_TUTOR, "Marc")
    redon(engine)
    await add_typed(chat, claire, "jeudi 14h-15h à Redon")
    await add_typed(chat, claire, "vendredi 9h-10h en ligne https://visio.example.org/c")
    await add_typed(chat, marc, "jeudi 10h-11h à Redon")
    anne = chat.user(LEARNER, "Anne")
    [ask] = await chat.send(anne, "/mentorat")
    assert ask.button_texts == [
        "Anglais",
        "Excel",
        "Reconversion",
        "Choisir un tuteur",
        "Tous les créneaux",
    ]
    [found] = await chat.send(anne, "tableur")  # a synonym of Excel in the topic table
    assert found.plain.splitlines()[:3] == [
        "Prochains créneaux pour « tableur » — choisissez-en un :",
        "1. jeudi 26 novembre de 14:00 à 15:00 · Claire · Relais d'Entreprises, "
        "1 rue de la Gare, 56800 Redon",
        "2. vendredi 27 novembre de 09:00 à 10:00 · Claire · en ligne : "
        "https://visio.example.org/c",
    ]
    # By tutor.
    await chat.send(anne, "/mentorat")
    await chat.press(anne, label="Choisir un tuteur")
    await chat.press(anne, label="Marc")
    assert chat.last(anne).plain.splitlines()[:2] == [
        "Prochains créneaux de Marc — choisissez-en un :",
        "1. jeudi 26 novembre de 10:00 à 11:00 · Marc · Relais d'Entreprises, "
        "1 rue de la Gare, 56800 Redon",
    ]
    # Near home (Redon): the in-person slots first, nearest first, with the distance.
    set_home(engine, user_id=LEARNER, insee="35236")
    await chat.send(anne, "/mentorat Excel")
    lines = chat.last(anne).plain.splitlines()
    assert lines[1].endswith("56800 Redon (0 km)")
    assert "en ligne" in lines[2]


async def test_ambiguous_place_buttons_and_a_range_online_with_buttons(app, chat) -> None:
    engine = engine_of(app)
    add_tutor(engine)
    redon(engine)
    add_space(engine, name="Maison de l'emploi", city="Redon", latitude=47.66, longitude=-2.09)
    claire = chat.user(TUTOR, "Claire")
    [which] = await chat.send(claire, "/disponibilites vendredi 9h-12h à Redon")
    assert which.plain == "Plusieurs espaces correspondent à « Redon » : lequel ?"
    assert sorted(which.button_texts) == [
        "Maison de l'emploi (Redon)",
        "Relais d'Entreprises (Redon)",
    ]
    await chat.press(claire, label="Maison de l'emploi (Redon)")
    assert chat.last(claire).plain.startswith(
        "J'ai compris : 3 créneaux de 1 h, vendredi 27 novembre, 09:00, 10:00 et 11:00."
    )
    await save_typed(chat, claire)
    assert chat.last(claire).plain.startswith(
        "C'est noté : 3 créneaux ajoutés le vendredi 27 novembre, de 09:00 à 12:00, "
        "Maison de l'emploi"
    )

    # With buttons: Monday 14:00 to 16:00, 30-minute appointments, online.
    await chat.send(claire, "/disponibilites")
    await chat.press(claire, label="Ajouter un créneau")
    await chat.press(claire, label="lun. 30 nov.")
    await chat.press(claire, label="14:00")
    await chat.press(claire, label="Plusieurs rendez-vous à la suite")
    await chat.press(claire, label="16:00")
    assert chat.last(claire).button_texts == ["30 min", "45 min", "1 h", "1 h 30", "2 h"]
    await chat.press(claire, label="30 min")
    # The tutor's most used space comes first.
    assert chat.last(claire).button_texts[:2] == [
        "Maison de l'emploi (Redon)",
        "Relais d'Entreprises (Redon)",
    ]
    await chat.press(claire, label="En ligne")
    await chat.send(claire, "https://visio.example.org/claire")
    await chat.press(claire, label="Une personne")
    assert chat.last(claire).plain.startswith(
        "C'est noté : 4 créneaux ajoutés le lundi 30 novembre, de 14:00 à 16:00, "
        "en ligne : https://visio.example.org/claire, pour une personne."
    )
    assert len(slots(engine)) == 7

    # /annuler drops a slot being added.
    await chat.press(claire, label="Ajouter un autre créneau")
    [stopped] = await chat.send(claire, "/annuler")
    assert stopped.plain == FR("mentoring.availability.stopped")
    [searched] = await chat.send(claire, "mardi 14h-16h à Redon")  # not read as a slot any more
    assert len(slots(engine)) == 7
    assert not searched.plain.startswith("C'est noté")


async def test_each_side_reads_in_their_own_language(app, chat, sandbox) -> None:
    engine = engine_of(app)
    add_tutor(engine)
    redon(engine)
    claire = chat.user(TUTOR, "Claire")
    await add_typed(chat, claire, "jeudi 14h-15h à Redon")
    john = chat.user(LEARNER, "John", language="en")
    [ask] = await chat.send(john, "/mentoring")
    assert ask.button_texts == ["Choose a tutor", "All slots"]
    await chat.press(john, label="All slots")
    await chat.press(john, index=1)
    [sent] = await chat.send(john, "Hello!")
    assert sent.plain == (
        "Your request has been sent to Claire and awaits confirmation. "
        "I will tell you as soon as they answer."
    )
    assert sandbox.last_bot_message(TUTOR).plain.startswith("Nouvelle demande de mentorat")
    before = len(sandbox.bot_messages(LEARNER))
    await chat.press(claire, label="Confirmer")
    text = sandbox.bot_messages(LEARNER)[before]
    assert text.plain.splitlines()[:2] == [
        "✅ Mentoring appointment confirmed",
        "When: Thursday 26 November, 14:00 to 15:00 (Paris time)",
    ]
    assert text.button_texts == ["Cancel", "Reschedule"]
    [listing] = await chat.send(john, "/my_appointments")
    assert listing.plain.splitlines()[1] == (
        "1. Thursday 26 November, 14:00 to 15:00 · with Claire · Redon · confirmed"
    )
