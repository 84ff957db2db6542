"""Learners open a card, enrol, wait for a seat, cancel; admins see who is enrolled."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from bot.i18n import translator
from bot.models import Enrolment, Organisation, Reminder, RoleGrant, TrainingSession
from tests.factories import add_session, add_space, add_user
from tests.helpers import plain

FR = translator("fr")
PARIS = ZoneInfo("Europe/Paris")


def _labels(entry) -> list[str]:
    return [b.text for row in entry.buttons for b in row]


async def anne_enrolled_bruno_waiting(chat, session_id: int):
    """Anne takes the only seat, Bruno joins the waitlist; returns both."""
    anne, bruno = chat.user(42, "Anne"), chat.user(43, "Bruno")
    card, _ = await chat.send(anne, f"/start s_{session_id}")
    await chat.press(anne, label=FR("card.button_enrol"), message_id=card.message_id)
    full_card, _ = await chat.send(bruno, f"/start s_{session_id}")
    await chat.press(bruno, label=FR("card.button_waitlist"), message_id=full_card.message_id)
    return anne, bruno


async def test_from_deep_link_to_enrolment(chat, sqlite_engine, clock) -> None:
    sid = add_session(
        sqlite_engine,
        now=clock.now(),
        seats=12,
        seats_taken=9,
        title="Excel : tableaux croisés dynamiques",
    )
    anne = chat.user()
    card, venue = await chat.send(anne, f"/start s_{sid}")
    assert card.plain.startswith("Excel : tableaux croisés dynamiques\nBureautique & Vous")
    assert "3 places restantes sur 12" in card.plain
    assert _labels(card) == [FR("card.button_enrol"), FR("card.button_share")]
    assert venue.kind == "venue"
    assert venue.title == "Relais d'Entreprises de Ploërmel"

    await chat.press(anne, label=FR("card.button_enrol"), message_id=card.message_id)
    [done] = [e for e in chat.sandbox.transcript(anne.id) if e.message_id == card.message_id]
    assert done.plain.startswith("C'est fait : vous êtes inscrit·e à Excel")
    with Session(sqlite_engine) as session:
        assert session.get(TrainingSession, sid).seats_taken == 10

    # A second tap on a stale card does not enrol twice.
    await chat.press(anne, message_id=card.message_id, data=f"enr:{sid}")
    assert chat.sandbox.callback_answers(anne.id)[-1][1] == FR("enrol.already")
    with Session(sqlite_engine) as session:
        assert session.get(TrainingSession, sid).seats_taken == 10


async def test_share_gives_a_deep_link(chat, sqlite_engine, clock) -> None:
    sid = add_session(sqlite_engine, now=clock.now())
    anne = chat.user()
    card, _ = await chat.send(anne, f"/start s_{sid}")
    [shared] = await chat.press(anne, label=FR("card.button_share"), message_id=card.message_id)
    assert f"https://t.me/{chat.application.bot.username}?start=s_{sid}" in shared.plain


async def test_waitlist_then_offer_when_a_seat_frees(chat, sqlite_engine, clock) -> None:
    sid = add_session(sqlite_engine, now=clock.now(), seats=1)
    anne, bruno = chat.user(42, "Anne"), chat.user(43, "Bruno")
    card, _ = await chat.send(anne, f"/start s_{sid}")
    await chat.press(anne, label=FR("card.button_enrol"), message_id=card.message_id)

    full_card, _ = await chat.send(bruno, f"/start s_{sid}")
    assert "complet" in full_card.plain
    await chat.press(bruno, label=FR("card.button_waitlist"), message_id=full_card.message_id)
    edited = [e for e in chat.sandbox.transcript(bruno.id) if e.message_id == full_card.message_id]
    assert edited[0].plain == FR("enrol.waitlist_joined", position=1)

    [mine] = await chat.send(anne, "/mes_inscriptions")
    assert "Excel initiation" in mine.plain
    await chat.press(anne, index=1, message_id=mine.message_id)
    await chat.press(anne, label=FR("mine.button_confirm_cancel"), message_id=mine.message_id)
    edited = [e for e in chat.sandbox.transcript(anne.id) if e.message_id == mine.message_id]
    assert edited[0].plain == plain(FR("mine.cancelled", title="Excel initiation"))

    offer = chat.last(bruno)
    assert offer.plain.startswith("Une place s'est libérée pour Excel initiation")
    assert _labels(offer) == [FR("enrol.offer_accept"), FR("enrol.offer_decline")]
    await chat.press(bruno, label=FR("enrol.offer_accept"), message_id=offer.message_id)
    assert chat.last(bruno).plain.startswith("Parfait, la place est à vous")
    assert "Je vous enverrai un rappel le " in chat.last(bruno).plain
    with Session(sqlite_engine) as session:
        statuses = {e.user_id: e.status for e in session.exec(select(Enrolment))}
        assert statuses == {42: "cancelled", 43: "enrolled"}
        assert session.get(TrainingSession, sid).seats_taken == 1


async def test_unanswered_offer_passes_to_the_next(chat, sqlite_engine, clock) -> None:
    from handlers.enrolment import expire_offers_job

    sid = add_session(sqlite_engine, now=clock.now(), seats=1, starts_in=timedelta(days=5))
    anne, bruno, chloe = chat.user(42, "Anne"), chat.user(43, "Bruno"), chat.user(44, "Chloé")
    card, _ = await chat.send(anne, f"/start s_{sid}")
    await chat.press(anne, label=FR("card.button_enrol"), message_id=card.message_id)
    for learner in (bruno, chloe):
        full_card, _ = await chat.send(learner, f"/start s_{sid}")
        await chat.press(
            learner, label=FR("card.button_waitlist"), message_id=full_card.message_id
        )
    [mine] = await chat.send(anne, "/mes_inscriptions")
    await chat.press(anne, index=1, message_id=mine.message_id)
    await chat.press(anne, label=FR("mine.button_confirm_cancel"), message_id=mine.message_id)
    assert chat.last(bruno).plain.startswith("Une place s'est libérée")

    clock.advance(timedelta(hours=25))
    await expire_offers_job(_JobContext(chat.application))
    assert chat.last(bruno).plain == plain(FR("enrol.offer_lapsed", title="Excel initiation"))
    assert chat.last(chloe).plain.startswith("Une place s'est libérée")


class _JobContext:
    """What PTB passes to a job callback, reduced to what the job reads."""

    def __init__(self, application) -> None:
        self.application = application
        self.bot = application.bot
        self.bot_data = application.bot_data

    @property
    def services(self):
        return self.bot_data["services"]


async def test_someone_elses_enrolment_cannot_be_cancelled(chat, sqlite_engine, clock) -> None:
    sid = add_session(sqlite_engine, now=clock.now())
    anne, eve = chat.user(42, "Anne"), chat.user(66, "Eve")
    card, _ = await chat.send(anne, f"/start s_{sid}")
    await chat.press(anne, label=FR("card.button_enrol"), message_id=card.message_id)
    with Session(sqlite_engine) as session:
        enrolment_id = session.exec(select(Enrolment)).one().id
    [reply] = await chat.send(eve, "/help")
    for data in (f"cxl:{enrolment_id}", f"cxy:{enrolment_id}", f"acc:{enrolment_id}"):
        await chat.press(eve, message_id=reply.message_id, data=data)
    answers = [text for _, text, _ in chat.sandbox.callback_answers(eve.id)]
    assert answers == [FR("mine.not_yours")] * 3
    with Session(sqlite_engine) as session:
        assert session.exec(select(Enrolment)).one().status == "enrolled"


async def test_org_admins_are_told_and_see_the_roster(chat, sqlite_engine, clock) -> None:
    sid = add_session(sqlite_engine, now=clock.now(), organisation="Bureautique & Vous")
    add_user(sqlite_engine, 77, name="Béa")
    with Session(sqlite_engine) as session:
        org = session.exec(select(Organisation)).one()
        session.add(RoleGrant(user_id=77, role="org_admin", organisation_id=org.id))
        session.commit()
    bea = chat.user(77, "Béa")
    anne = chat.user(42, "Anne")
    card, _ = await chat.send(anne, f"/start s_{sid}")
    await chat.press(anne, label=FR("card.button_enrol"), message_id=card.message_id)
    note = chat.last(bea)
    assert note.plain.startswith("Nouvelle inscription : Anne à Excel initiation")
    assert note.disable_notification is True
    [roster] = await chat.send(bea, "/inscrits")
    assert "Excel initiation" in roster.plain and "• Anne" in roster.plain
    [refused] = await chat.send(anne, "/inscrits")
    assert refused.plain == FR("admin.not_allowed")


async def test_cancelled_session_link_shows_it_cancelled(chat, sqlite_engine, clock) -> None:
    sid = add_session(sqlite_engine, now=clock.now(), status="cancelled")
    [card] = await chat.send(chat.user(), f"/start s_{sid}")
    assert "Session annulée." in card.plain
    assert _labels(card) == [FR("card.button_share")]
    missing, _menu = await chat.send(chat.user(), "/start s_999999")
    assert missing.plain == FR("start.bad_link")


async def test_forgetting_gives_the_seat_to_the_next_learner(chat, sqlite_engine, clock) -> None:
    sid = add_session(sqlite_engine, now=clock.now(), seats=1)
    anne, bruno = await anne_enrolled_bruno_waiting(chat, sid)
    await chat.send(anne, "/forget")
    await chat.press(anne, label=FR("forget.button_yes"))
    assert chat.last(bruno).plain.startswith("Une place s'est libérée pour Excel initiation")
    with Session(sqlite_engine) as session:
        assert session.get(TrainingSession, sid).seats_taken == 1  # held for Bruno


async def test_an_old_waitlist_button_enrols_when_a_seat_freed(chat, sqlite_engine, clock) -> None:
    sid = add_session(sqlite_engine, now=clock.now(), seats=1)
    anne, bruno = chat.user(42, "Anne"), chat.user(43, "Bruno")
    card, _ = await chat.send(anne, f"/start s_{sid}")
    await chat.press(anne, label=FR("card.button_enrol"), message_id=card.message_id)
    full_card, _ = await chat.send(bruno, f"/start s_{sid}")
    [mine] = await chat.send(anne, "/mes_inscriptions")
    await chat.press(anne, index=1, message_id=mine.message_id)
    await chat.press(anne, label=FR("mine.button_confirm_cancel"), message_id=mine.message_id)
    await chat.press(bruno, label=FR("card.button_waitlist"), message_id=full_card.message_id)
    [shown] = [
        e for e in chat.sandbox.transcript(bruno.id) if e.message_id == full_card.message_id
    ]
    assert shown.plain.startswith("C'est fait : vous êtes inscrit·e à Excel initiation")


async def test_huge_or_forged_ids_get_a_clear_answer(chat, sqlite_engine, clock) -> None:
    anne = chat.user()
    _, reply = await chat.send(anne, "/start s_99999999999999999999999")
    assert reply.plain.startswith("Bonjour Anne")
    for data in ("enr:99999999999999999999", "wl:1e5", "card:-1", "cxl:99999999999999999999"):
        await chat.press(anne, message_id=reply.message_id, data=data)
    answers = [text for _, text, _ in chat.sandbox.callback_answers(anne.id)]
    assert len(answers) == 4 and all(answers)
    assert FR("error.generic") not in [m.plain for m in chat.sandbox.bot_messages(anne.id)]


async def test_enrolling_in_a_cancelled_session_is_refused(chat, sqlite_engine, clock) -> None:
    sid = add_session(sqlite_engine, now=clock.now())
    anne = chat.user()
    card, _ = await chat.send(anne, f"/start s_{sid}")
    with Session(sqlite_engine) as session:
        session.get(TrainingSession, sid).status = "cancelled"
        session.commit()
    await chat.press(anne, label=FR("card.button_enrol"), message_id=card.message_id)
    assert chat.sandbox.callback_answers(anne.id)[-1][1] == FR("enrol.unavailable")


async def test_other_dates_of_a_course_are_one_tap_away(chat, sqlite_engine, clock) -> None:
    now = clock.now()
    first = add_session(sqlite_engine, now=now, title="SST initial", seats=1, seats_taken=1)
    later = add_session(sqlite_engine, now=now, title="SST initial", starts_in=timedelta(days=20))
    anne = chat.user()
    card, _ = await chat.send(anne, f"/start s_{first}")
    assert "Autres dates (1)" not in _labels(card)  # one other date: singular
    assert "Autre date (1)" in _labels(card)
    await chat.press(anne, label="Autre date (1)", message_id=card.message_id)
    [listing] = [e for e in chat.sandbox.transcript(anne.id) if e.message_id == card.message_id]
    assert listing.plain == FR("card.other_dates_title")
    assert listing.button_texts[0].endswith("— 10 places")
    await chat.press(anne, index=1, message_id=card.message_id)
    [shown] = [e for e in chat.sandbox.transcript(anne.id) if e.message_id == card.message_id]
    assert "10 places restantes sur 10" in shown.plain
    assert f"enr:{later}" in [b.callback_data for row in shown.buttons for b in row]


async def test_an_offer_taken_after_its_session_was_cancelled_is_refused(
    chat, sqlite_engine, clock
) -> None:
    sid = add_session(sqlite_engine, now=clock.now(), seats=1)
    anne, bruno = await anne_enrolled_bruno_waiting(chat, sid)
    [mine] = await chat.send(anne, "/mes_inscriptions")
    await chat.press(anne, index=1, message_id=mine.message_id)
    await chat.press(anne, label=FR("mine.button_confirm_cancel"), message_id=mine.message_id)
    offer = chat.last(bruno)
    with Session(sqlite_engine) as session:  # the organisation cancels the session meanwhile
        training = session.get(TrainingSession, sid)
        training.status = "cancelled"
        session.add(training)
        session.commit()

    await chat.press(bruno, label=FR("enrol.offer_accept"), message_id=offer.message_id)

    answers = [text for _, text, _ in chat.sandbox.callback_answers(bruno.id)]
    assert answers[-1] == FR("enrol.unavailable")
    with Session(sqlite_engine) as session:
        bruno_row = session.exec(select(Enrolment).where(Enrolment.user_id == 43)).one()
        assert bruno_row.status == "offered"  # nothing taken


async def test_a_card_knows_where_its_reader_stands(chat, sqlite_engine, clock) -> None:
    sid = add_session(sqlite_engine, now=clock.now(), seats=1)
    anne, bruno = await anne_enrolled_bruno_waiting(chat, sid)

    [enrolled] = await chat.send(anne, f"/start s_{sid}")  # the pin came with the first view
    assert enrolled.plain.endswith(plain(FR("card.you_enrolled")))
    assert _labels(enrolled) == [FR("card.button_unenrol"), FR("card.button_share")]

    [waiting] = await chat.send(bruno, f"/start s_{sid}")
    assert waiting.plain.endswith(plain(FR("card.you_waiting", position=1)))
    assert _labels(waiting) == [FR("card.button_leave_waitlist"), FR("card.button_share")]

    chloe = chat.user(44, "Chloé")
    full, _venue = await chat.send(chloe, f"/start s_{sid}")
    assert "complet" in full.plain and FR("card.you_enrolled") not in full.plain
    assert _labels(full) == [FR("card.button_waitlist"), FR("card.button_share")]

    # Leaving the waitlist from the card says so (not "your enrolment is cancelled").
    await chat.press(bruno, label=FR("card.button_leave_waitlist"), message_id=waiting.message_id)
    [asked] = [e for e in chat.sandbox.transcript(bruno.id) if e.message_id == waiting.message_id]
    assert asked.plain.startswith("Quitter la liste d'attente de Excel initiation")
    await chat.press(bruno, label=FR("mine.button_confirm_leave"), message_id=waiting.message_id)
    assert chat.last(bruno).plain == plain(FR("mine.left_waitlist", title="Excel initiation"))

    # Chloé waits, Anne unenrols from her card: Chloé's card now holds the seat for her.
    await chat.press(chloe, label=FR("card.button_waitlist"), message_id=full.message_id)
    await chat.press(anne, label=FR("card.button_unenrol"), message_id=enrolled.message_id)
    await chat.press(anne, label=FR("mine.button_confirm_cancel"), message_id=enrolled.message_id)
    assert chat.last(anne).plain == plain(FR("mine.cancelled", title="Excel initiation"))
    [held] = [m for m in await chat.send(chloe, f"/start s_{sid}") if m.kind == "text"]
    assert "Une place vous est réservée jusqu'au" in held.plain
    assert _labels(held) == [
        FR("enrol.offer_accept"),
        FR("enrol.offer_decline"),
        FR("card.button_share"),
    ]


async def test_the_venue_pin_comes_once_per_card(chat, sqlite_engine, clock) -> None:
    first = add_session(sqlite_engine, now=clock.now())
    second = add_session(sqlite_engine, now=clock.now(), title="Word initiation")
    anne = chat.user()
    assert [m.kind for m in await chat.send(anne, f"/start s_{first}")] == ["text", "venue"]
    assert [m.kind for m in await chat.send(anne, f"/start s_{first}")] == ["text"]
    other, venue = await chat.send(anne, f"/start s_{second}")
    assert venue.kind == "venue"
    # A card opened from a button (a result, another date) sends no pin it already sent.
    assert await chat.press(anne, data=f"card:{first}", message_id=other.message_id) == []
    [shown] = [e for e in chat.sandbox.transcript(anne.id) if e.message_id == other.message_id]
    assert shown.plain.startswith("Excel initiation")


async def test_other_dates_come_nearest_first_with_their_distance(
    chat, sqlite_engine, clock
) -> None:
    now = clock.now()
    spaces = {
        city: add_space(sqlite_engine, name=city, city=city, latitude=lat, longitude=lon)
        for city, lat, lon in [
            ("Rennes", 48.111, -1.680),
            ("Redon", 47.650, -2.084),
            ("Josselin", 47.953, -2.548),
        ]
    }
    first = add_session(sqlite_engine, now=now, title="SST initial")
    for days, city in [(10, "Rennes"), (20, "Redon"), (30, "Josselin")]:
        add_session(
            sqlite_engine,
            now=now,
            title="SST initial",
            starts_in=timedelta(days=days),
            space_id=spaces[city],
        )
    anne = chat.user()
    card, _ = await chat.send(anne, f"/start s_{first}")
    await chat.press(anne, label="Autres dates (3)", message_id=card.message_id)
    [soonest] = [e for e in chat.sandbox.transcript(anne.id) if e.message_id == card.message_id]
    assert soonest.plain == FR("card.other_dates_title")  # no place known: soonest first
    cities = [b.split(" — ")[1] for b in soonest.button_texts[:3]]
    assert cities == ["Rennes", "Redon", "Josselin"]

    chat.application.bot_data["services"].search.rebuild(sqlite_engine, now=now)
    await chat.send(anne, "secourisme près de Redon")  # the learner's place: Redon
    [card] = await chat.send(anne, f"/start s_{first}")  # the pin came with the first view
    await chat.press(anne, label="Autres dates (3)", message_id=card.message_id)
    [nearest] = [e for e in chat.sandbox.transcript(anne.id) if e.message_id == card.message_id]
    assert nearest.plain == plain(FR("card.other_dates_title_near", place="Redon (35)"))
    assert [b.split(" — ")[0] for b in nearest.button_texts[:3]] == [
        "Redon (0 km)",
        "Josselin (48 km)",
        "Rennes (59 km)",
    ]
    assert nearest.button_texts[3] == FR("card.button_back_to_card")


@pytest.mark.parametrize(
    ("paris_now", "starts_in", "promised"),
    [
        # 22:00 for 09:00 next morning: the reminder waits out the quiet hours, until 08:00.
        ("2026-11-25 22:00", timedelta(hours=11), "un rappel le jeudi 26 novembre à 08:00."),
        # A week ahead: the day before, at the session's time.
        ("2026-11-25 10:00", timedelta(days=7), "un rappel le mardi 1er décembre à 10:00."),
        # 15:00 for 09:00 next morning: the day-before moment is past, it goes out at once.
        ("2026-11-25 15:00", timedelta(hours=18), "Je vous envoie tout de suite un rappel"),
    ],
)
async def test_the_confirmation_promises_the_reminder_actually_planned(
    chat, sqlite_engine, clock, paris_now, starts_in, promised
) -> None:
    clock.set(datetime.fromisoformat(paris_now).replace(tzinfo=PARIS).astimezone(UTC))
    sid = add_session(sqlite_engine, now=clock.now(), starts_in=starts_in)
    anne = chat.user()
    card, _ = await chat.send(anne, f"/start s_{sid}")
    await chat.press(anne, label=FR("card.button_enrol"), message_id=card.message_id)
    [done] = [e for e in chat.sandbox.transcript(anne.id) if e.message_id == card.message_id]
    assert promised in done.plain
    assert "la veille" not in done.plain
    with Session(sqlite_engine) as session:
        [row] = session.exec(select(Reminder).where(Reminder.recipient_id == anne.id)).all()
    if "tout de suite" not in promised:
        assert FR.time(row.due_at.replace(tzinfo=UTC)) in promised
