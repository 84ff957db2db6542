"""What /start shows beyond a learner's actions, a guessed language that never overrides a
chosen one, and the spaces offered to a tutor first — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import Session

from bot.greeting import last_import, tutor_desk
from bot.mentoring.appointments import request
from bot.mentoring.availability import add_slot
from bot.mentoring.lookup import spaces_for_tutor
from bot.models import AuditEntry, Tutor
from bot.users import adopt_guessed_language, language_of, set_language
from tests.factories import add_space, add_user

TUTOR_USER, LEARNER, ADMIN = 900, 42, 1000


def _tutor(engine) -> int:
    add_user(engine, TUTOR_USER, name="Claire")
    with Session(engine) as session:
        tutor = Tutor(name="Claire", user_id=TUTOR_USER)
        session.add(tutor)
        session.commit()
        return tutor.id  # type: ignore[return-value]


def test_a_tutor_desk_has_the_next_confirmed_and_the_pending(engine, clock) -> None:
    tutor_id = _tutor(engine)
    add_user(engine, LEARNER, name="Anne")
    space = add_space(engine, city="Redon")
    now = clock.now()
    slots = [
        add_slot(
            engine,
            tutor_id=tutor_id,
            starts_at=now + timedelta(days=day),
            duration=timedelta(hours=1),
            now=now,
            space_id=space,
        )
        for day in (1, 2)
    ]
    for slot in slots:
        request(engine, slot_id=slot.id, learner_id=LEARNER, message="", now=now)
    desk = tutor_desk(engine, user_id=TUTOR_USER, now=now)
    assert desk is not None
    assert (desk.upcoming, desk.pending) == ([], 2)
    assert [view.slot_id for view in desk.requests] == [slots[0].id, slots[1].id]
    assert tutor_desk(engine, user_id=LEARNER, now=now) is None  # no tutor


def test_the_last_import_is_read_from_the_audit_log(engine, clock) -> None:
    assert last_import(engine, user_id=ADMIN, everyone=True) is None
    detail = {"files": ["spaces.csv"], "counts": {"spaces_created": 38, "spaces_updated": 0}}
    with Session(engine) as session:
        session.add(
            AuditEntry(at=clock.now(), actor_id=7, action="import", detail=json.dumps(detail))
        )
        session.commit()
    last = last_import(engine, user_id=ADMIN, everyone=True)
    assert last is not None
    assert (last.at, last.files, last.counts) == (
        clock.now(),
        ["spaces.csv"],
        {"spaces_created": 38},
    )
    assert last_import(engine, user_id=ADMIN, everyone=False) is None  # not this admin's


def test_a_guess_never_replaces_a_chosen_language(engine) -> None:
    add_user(engine, LEARNER)
    assert adopt_guessed_language(engine, user_id=LEARNER, language="en") is True
    assert language_of(engine, user_id=LEARNER) == "en"
    assert adopt_guessed_language(engine, user_id=LEARNER, language="en") is False  # as is
    set_language(engine, user_id=LEARNER, language="fr")
    assert adopt_guessed_language(engine, user_id=LEARNER, language="en") is False
    assert language_of(engine, user_id=LEARNER) == "fr"


def test_spaces_come_by_use_then_distance_not_alphabetically(engine, clock) -> None:
    tutor_id = _tutor(engine)
    ambert = add_space(engine, name="Relais", city="Ambert", latitude=45.55, longitude=3.74)
    redon = add_space(engine, name="Coworking", city="Redon", latitude=47.65, longitude=-2.08)
    mauron = add_space(engine, name="Tiers-lieu", city="Mauron", latitude=48.08, longitude=-2.28)
    ids = lambda **kw: [s[0] for s in spaces_for_tutor(engine, tutor_id=tutor_id, **kw)]  # noqa: E731
    assert ids() == [ambert, mauron, redon]  # nothing known: by town
    assert ids(home=(47.66, -2.10)) == [redon, mauron, ambert]  # home near Redon
    now = clock.now()
    add_slot(
        engine,
        tutor_id=tutor_id,
        starts_at=now + timedelta(days=1),
        duration=timedelta(hours=1),
        now=now,
        space_id=mauron,
    )
    # Mauron is used: first, then the nearest to it (Redon), wherever home is.
    assert ids(home=(45.5, 3.7)) == [mauron, redon, ambert]
