"""Cards and other dates on SQLite and PostgreSQL: where the reader stands, nearest first."""

from datetime import timedelta

from bot.catalogue import other_dates, session_card
from bot.enrolment import enrol, join_waitlist
from tests.factories import add_session, add_space, add_user


def test_a_card_reads_where_its_reader_stands(engine, clock) -> None:
    now = clock.now()
    sid = add_session(engine, now=now, seats=1)
    anne, bruno, chloe = (add_user(engine, uid) for uid in (42, 43, 44))
    enrol(engine, session_id=sid, user_id=anne, now=now)
    join_waitlist(engine, session_id=sid, user_id=bruno, now=now)
    join_waitlist(engine, session_id=sid, user_id=chloe, now=now + timedelta(seconds=1))

    def seat(user_id: int | None):
        card = session_card(engine, session_id=sid, now=now, user_id=user_id)
        assert card is not None
        return None if card.learner is None else (card.learner.status, card.learner.position)

    assert seat(anne) == ("enrolled", 0)
    assert seat(bruno) == ("waiting", 1)
    assert seat(chloe) == ("waiting", 2)
    assert seat(45) is None
    assert seat(None) is None


def test_other_dates_nearest_first_then_soonest(engine, clock) -> None:
    now = clock.now()
    redon = add_space(engine, city="Redon", latitude=47.650, longitude=-2.084)
    rennes = add_space(engine, city="Rennes", latitude=48.111, longitude=-1.680)
    first = add_session(engine, now=now, title="SST")
    plan = [(3, rennes), (9, redon), (5, redon)]
    for days, space in plan:
        add_session(engine, now=now, title="SST", starts_in=timedelta(days=days), space_id=space)
    soonest = other_dates(engine, session_id=first, now=now)
    assert [(o.city, o.distance_km) for o in soonest] == [
        ("Rennes", None),
        ("Redon", None),
        ("Redon", None),
    ]
    nearest = other_dates(engine, session_id=first, now=now, near=(47.650, -2.084))
    assert [o.city for o in nearest] == ["Redon", "Redon", "Rennes"]
    assert nearest[0].starts_at < nearest[1].starts_at  # same town: soonest first
    assert nearest[0].distance_km == 0 and round(nearest[2].distance_km or 0) == 59
