"""Slots starting too soon to be confirmed are not offered (their requests would expire)."""

from datetime import timedelta

from sqlmodel import Session

from bot.mentoring.availability import add_slot
from bot.mentoring.finder import open_slots
from bot.models import Tutor
from tests.factories import add_user


def test_not_before_leaves_out_slots_starting_too_soon(engine, clock) -> None:
    now = clock.now()
    add_user(engine, 7, name="Claire")
    with Session(engine) as session:
        tutor = Tutor(name="Claire", user_id=7)
        session.add(tutor)
        session.commit()
        tutor_id = tutor.id
    link = "https://visio.example.org/claire"
    soon = add_slot(
        engine,
        tutor_id=tutor_id,
        starts_at=now + timedelta(hours=1),
        duration=timedelta(minutes=45),
        online_url=link,
        now=now,
    )
    later = add_slot(
        engine,
        tutor_id=tutor_id,
        starts_at=now + timedelta(hours=5),
        duration=timedelta(minutes=45),
        online_url=link,
        now=now,
    )
    assert [s.id for s in open_slots(engine, now=now)] == [soon.id, later.id]
    offered = open_slots(engine, now=now, not_before=now + timedelta(hours=2))
    assert [s.id for s in offered] == [later.id]
