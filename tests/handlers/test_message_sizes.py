"""Lists never exceed Telegram's 4,096 characters, whatever the data: the first items, then
"… N de plus" (and only the shown items keep their buttons)."""

from datetime import timedelta

from sqlmodel import Session

from bot.i18n import translator
from bot.models import Alert, Enrolment
from tests.factories import add_session, add_user

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
