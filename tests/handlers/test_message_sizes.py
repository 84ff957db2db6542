"""Lists never exceed Telegram's 4,096 characters, whatever the data: the first items, then
"… N de plus" (and only the shown items keep their buttons)."""

from datetime import timedelta

from sqlmodel import Session

from bot.i18n import translator
from bot.models import Alert, Appointment, AvailabilitySlot, Enrolment, Tutor
from tests.factories import add_session, add_space, add_user

FR = translator("fr")
LIMIT = 4096
LONG_TITLE = "Excel : " + "tableaux croisés dynamiques & macros " * 8  # ~300 characters


def _many_sessions(engine, clock, count: int, *, learners=(42,)) -> list[int]:
    ids = []
    for number in range(count):
        sid = add_session(
            engine,
            now=clock.now(),
            title=f"{LONG_TITLE[:290]} {number}",
            seats=200,
            seats_taken=len(learners),
            starts_in=timedelta(days=2 + number),
        )
        ids.append(sid)
    with Session(engine) as session:
        for learner in learners:
            add_user(engine, learner, name="N" * 60)
            session.add_all(
                Enrolment(session_id=sid, user_id=learner, status="enrolled") for sid in ids
            )
        session.commit()
    return ids


async def test_my_enrolments_with_dozens_of_long_titles_fit(chat, sqlite_engine, clock) -> None:
    _many_sessions(sqlite_engine, clock, 40)
    [mine] = await chat.send(chat.user(42, "Anne"), "/mes_inscriptions")
    assert len(mine.plain) <= LIMIT
    shown = mine.plain.count("Excel : ")
    assert 0 < shown < 40
    assert mine.plain.endswith(f"… et {40 - shown} de plus")
    assert len([b for row in mine.buttons for b in row]) == shown  # one [Annuler] each


async def test_a_roster_of_many_learners_fits(chat, sqlite_engine, clock) -> None:
    _many_sessions(sqlite_engine, clock, 12, learners=range(100, 130))
    [roster] = await chat.send(chat.user(1000, "Béa"), "/inscrits")  # a super-admin
    assert len(roster.plain) <= LIMIT
    assert "de plus" in roster.plain


async def test_many_long_alerts_fit(chat, sqlite_engine) -> None:
    add_user(sqlite_engine, 42)
    with Session(sqlite_engine) as session:
        session.add_all(
            Alert(
                user_id=42,
                query=f"{LONG_TITLE[:295]} {number}",
                latitude=47.9,
                longitude=-2.4,
                place_label="P" * 200,
            )
            for number in range(20)
        )
        session.commit()
    [listed] = await chat.send(chat.user(42, "Anne"), "/alertes")
    assert len(listed.plain) <= LIMIT
    shown = len([b for row in listed.buttons for b in row])
    assert 0 < shown < 20 and listed.plain.endswith(f"… et {20 - shown} de plus")


def _many_appointments(engine, clock, *, tutor_user: int, learners: range) -> None:
    """A tutor with 20 upcoming and 60 past appointments, every name and place at its longest."""
    add_user(engine, tutor_user, name="T" * 200)
    space = add_space(engine, name="Espace " + "S" * 190, city="Saint-Méen-le-Grand")
    for learner in learners:
        add_user(engine, learner, name="L" * 200)
    now = clock.now()
    with Session(engine) as session:
        tutor = Tutor(name="Tuteur " + "T" * 190, user_id=tutor_user)
        session.add(tutor)
        session.flush()
        for number, learner in enumerate(learners):
            days = number - 60 if number < 60 else number - 59  # 60 past, then upcoming
            slot = AvailabilitySlot(
                tutor_id=tutor.id,  # type: ignore[arg-type]
                starts_at=now + timedelta(days=days),
                ends_at=now + timedelta(days=days, hours=1),
                space_id=space,
                seats_taken=1,
            )
            session.add(slot)
            session.flush()
            past = days < 0
            session.add(
                Appointment(
                    slot_id=slot.id,  # type: ignore[arg-type]
                    learner_id=learner,
                    tutor_id=tutor.id,  # type: ignore[arg-type]
                    status="done" if past else "confirmed",
                    ics_uid=f"uid-{number}",
                    attended=True if past else None,
                    rating=5 if past else None,
                )
            )
        session.commit()


async def test_my_appointments_with_long_names_and_places_fit(chat, sqlite_engine, clock) -> None:
    _many_appointments(sqlite_engine, clock, tutor_user=700, learners=range(2000, 2080))
    [mine] = await chat.send(chat.user(700, "Tuteur"), "/mes_rdv")
    assert len(mine.plain) <= LIMIT
    assert FR("mentoring.mine.more", count=10) in mine.plain  # 20 upcoming, 10 with buttons
    assert len([b for row in mine.buttons for b in row]) == 2 * 10  # [Annuler] [Déplacer]
    assert mine.plain.endswith("de plus")  # the past is what gets cut


async def test_a_tutors_long_history_fits_with_its_totals(chat, sqlite_engine, clock) -> None:
    _many_appointments(sqlite_engine, clock, tutor_user=700, learners=range(2000, 2080))
    [history] = await chat.send(chat.user(700, "Tuteur"), "/historique")
    assert len(history.plain) <= LIMIT
    assert "de plus" in history.plain
    totals = FR("mentoring.history.totals", count=60, no_shows=0, unanswered=0)
    assert totals in history.plain  # the totals always show, below the cut list


async def test_search_results_with_long_titles_and_places_fit(chat, sqlite_engine, clock) -> None:
    space = add_space(sqlite_engine, name="Espace " + "S" * 190, city="Ploërmel")
    for number in range(40):
        add_session(
            sqlite_engine,
            now=clock.now(),
            title=f"Excel {number} : " + "tableaux croisés dynamiques & macros " * 7,
            organisation="Organisme " + "O" * 180,
            space_id=space,
            starts_in=timedelta(days=3 + number),
        )
    chat.application.bot_data["services"].search.rebuild(sqlite_engine, now=clock.now())
    answers = await chat.send(chat.user(42, "Anne"), "une formation excel près de Ploërmel")
    listed = next(a for a in answers if "Excel 0 :" in a.plain)
    assert len(listed.plain) <= LIMIT
    assert "Excel 39 :" not in listed.plain  # the rest is paged, not crammed
    assert listed.buttons, "the list keeps its buttons"
