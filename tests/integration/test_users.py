"""Users: first contact, language, forgetting — on SQLite and PostgreSQL."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot.models import Alert, AuditEntry, Enrolment, Organisation, Space, TrainingSession, User
from bot.users import UnknownLanguage, forget_user, set_language, touch_user


def _touch(engine, clock, language="fr", **kw):
    return touch_user(
        engine,
        user_id=kw.get("user_id", 42),
        first_name=kw.get("first_name", "Anne"),
        last_name=None,
        username=None,
        language=language,
        clock=clock,
    )


def test_first_contact_creates_the_user_with_telegram_language(engine, clock) -> None:
    profile = _touch(engine, clock, language="en")
    assert (profile.is_new, profile.language, profile.roles) == (True, "en", frozenset())
    again = _touch(engine, clock, language="fr", first_name="Annie")
    assert (again.is_new, again.language, again.first_name) == (False, "en", "Annie")


def test_last_seen_is_kept_to_ten_minutes_and_changes_are_written_at_once(engine, clock) -> None:
    first = clock.now()
    _touch(engine, clock)

    def stored() -> tuple:
        with Session(engine) as session:
            user = session.get(User, 42)
            return user.first_name, user.last_seen_at, user.is_active

    clock.advance(timedelta(minutes=9))
    assert _touch(engine, clock).roles == frozenset()
    assert stored() == ("Anne", first, True)  # nothing written: same person, seen recently
    _touch(engine, clock, first_name="Annie")  # a new name is written at once
    assert stored() == ("Annie", clock.now(), True)
    with Session(engine) as session:  # they blocked the bot, then write again
        session.get(User, 42).is_active = False
        session.commit()
    clock.advance(timedelta(minutes=1))
    _touch(engine, clock, first_name="Annie")
    assert stored() == ("Annie", clock.now(), True)
    clock.advance(timedelta(minutes=11))
    _touch(engine, clock, first_name="Annie")
    assert stored()[1] == clock.now()


def test_nul_characters_in_names_are_dropped(engine, clock) -> None:
    """PostgreSQL refuses NUL in text; Telegram names may carry one."""
    profile = touch_user(
        engine,
        user_id=42,
        first_name="An\x00ne",
        last_name="\x00",
        username="a\x00b",
        language="fr",
        clock=clock,
    )
    assert profile.first_name == "Anne"
    with Session(engine) as session:
        user = session.get(User, 42)
        assert (user.first_name, user.last_name, user.username) == ("Anne", "", "ab")


def test_language_can_be_changed(engine, clock) -> None:
    _touch(engine, clock)
    set_language(engine, user_id=42, language="en")
    assert _touch(engine, clock).language == "en"
    with pytest.raises(UnknownLanguage):
        set_language(engine, user_id=42, language="klingon")


def test_forget_deletes_the_user_and_gives_seats_back(engine, clock) -> None:
    _touch(engine, clock)
    now = clock.now()
    with Session(engine) as session:
        org = Organisation(name="Form'Ouest")
        space = Space(external_id="sp1", name="Relais", latitude=47.9, longitude=-2.4)
        session.add_all([org, space])
        session.flush()
        training = TrainingSession(
            external_id="s1",
            title="Excel",
            organisation_id=org.id,
            space_id=space.id,
            starts_at=now + timedelta(days=3),
            ends_at=now + timedelta(days=3, hours=3),
            seats=5,
            seats_taken=1,
        )
        session.add(training)
        session.flush()
        training_id = training.id
        session.add(Enrolment(session_id=training.id, user_id=42, status="enrolled"))
        session.add(Alert(user_id=42, query="excel", latitude=47.9, longitude=-2.4))
        session.commit()

    forgotten = forget_user(engine, user_id=42, now=now)
    assert [(c.session_id, c.was, c.offer) for c in forgotten.enrolments] == [
        (training_id, "enrolled", None)
    ]
    assert forgotten.appointments == []

    with Session(engine) as session:
        assert session.get(User, 42) is None
        assert session.exec(select(Enrolment)).all() == []
        assert session.exec(select(Alert)).all() == []
        assert session.exec(select(TrainingSession)).one().seats_taken == 0
        assert [e.action for e in session.exec(select(AuditEntry))] == ["forget"]
    assert forget_user(engine, user_id=42, now=now) is None


def test_a_user_created_by_an_import_gets_their_telegram_language(engine, clock) -> None:
    with Session(engine) as session:
        session.add(User(id=900001, first_name="Hélène", language=""))
        session.commit()
    profile = _touch(engine, clock, language="en", user_id=900001)
    assert profile.language == "en"
