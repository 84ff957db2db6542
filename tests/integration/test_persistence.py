"""What a conversation remembers is stored in the database (SQLite and PostgreSQL) and read
back by a new process: user and chat data, conversation states, an import preview's file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from bot import chat_state
from bot.importer import uploads
from bot.models import ChatState
from bot.users import forget_user
from handlers.persistence import DatabasePersistence
from tests.factories import add_user

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _rows(engine) -> list[tuple[str, str, str]]:
    with Session(engine) as session:
        return sorted(
            session.execute(select(col(ChatState.kind), col(ChatState.name), col(ChatState.key)))
        )


async def test_data_and_conversations_survive_a_new_persistence(engine) -> None:
    first = DatabasePersistence(engine, lambda: NOW)
    draft = {"day": "2026-12-01", "start": "1400", "range": True, "space_id": None}
    await first.update_user_data(42, {"language": "fr", "mentoring_draft": draft})
    await first.update_chat_data(-5, {"told_private": True})
    await first.update_conversation("mentoring", (42, 42), 1)
    await first.update_conversation("home", (43, 43), 1)

    second = DatabasePersistence(engine, lambda: NOW)  # a new process
    assert await second.get_user_data() == {42: {"language": "fr", "mentoring_draft": draft}}
    assert await second.get_chat_data() == {-5: {"told_private": True}}
    assert await second.get_conversations("mentoring") == {(42, 42): 1}
    assert await second.get_conversations("home") == {(43, 43): 1}

    await second.update_conversation("mentoring", (42, 42), None)  # the conversation ended
    await second.update_user_data(42, {})  # nothing left to remember: no row
    await second.drop_chat_data(-5)
    assert _rows(engine) == [("conversation", "home", "[43,43]")]


async def test_unchanged_data_is_not_written_again(engine) -> None:
    clock = [NOW]
    persistence = DatabasePersistence(engine, lambda: clock[0])
    await persistence.update_user_data(42, {"language": "fr"})
    clock[0] = NOW + timedelta(minutes=1)
    await persistence.update_user_data(42, {"language": "fr"})
    with Session(engine) as session:
        row = session.scalars(select(ChatState)).one()
    assert row.updated_at == NOW


def test_forgetting_a_user_forgets_what_their_chats_remembered(engine) -> None:
    add_user(engine, 42)
    for kind, name, key in [
        ("user", "", "42"),
        ("chat", "", "42"),
        ("conversation", "home", "[42,42]"),
        ("user", "", "420"),
        ("conversation", "home", "[420,420]"),
    ]:
        chat_state.save(engine, kind=kind, name=name, key=key, data="{}", now=NOW)
    uploads.keep(engine, token="t1", user_id=42, file_name="a.csv", data=b"x", now=NOW)
    forget_user(engine, user_id=42, now=NOW)
    assert _rows(engine) == [("conversation", "home", "[420,420]"), ("user", "", "420")]
    assert uploads.fetch(engine, token="t1", user_id=42, now=NOW) is None


def test_an_import_preview_keeps_its_file_until_answered_replaced_or_too_old(engine) -> None:
    data = "space_id,name\nS1,Là-bas\n".encode() * 1000
    uploads.keep(engine, token="t1", user_id=1000, file_name="spaces.csv", data=data, now=NOW)
    assert uploads.fetch(engine, token="t1", user_id=1000, now=NOW) == ("spaces.csv", data)
    assert uploads.fetch(engine, token="t1", user_id=1001, now=NOW) is None  # not theirs
    later = NOW + uploads.UPLOAD_TTL + timedelta(seconds=1)
    assert uploads.fetch(engine, token="t1", user_id=1000, now=later) is None

    uploads.keep(engine, token="t2", user_id=1000, file_name="b.csv", data=b"b", now=NOW)
    assert uploads.fetch(engine, token="t1", user_id=1000, now=NOW) is None  # replaced
    uploads.drop(engine, token="t2")
    assert uploads.fetch(engine, token="t2", user_id=1000, now=NOW) is None


async def test_what_every_update_copies_from_the_database_is_not_stored(engine) -> None:
    persistence = DatabasePersistence(engine, lambda: NOW, refreshed=("language", "home_insee"))
    await persistence.update_user_data(42, {"language": "fr", "home_insee": "56165"})
    assert _rows(engine) == []  # nothing pending: no row
    await persistence.update_user_data(42, {"language": "fr", "point": [47.9, -2.4]})
    assert await DatabasePersistence(engine, lambda: NOW).get_user_data() == {
        42: {"point": [47.9, -2.4]}
    }


async def test_a_conversation_idle_past_its_timeout_is_over_at_start_up(engine) -> None:
    clock = [NOW]
    first = DatabasePersistence(engine, lambda: clock[0])
    await first.update_conversation("home", (42, 42), 1)
    await first.update_conversation("home", (43, 43), 1)
    clock[0] = NOW + timedelta(minutes=10)
    await first.update_conversation("home", (43, 43), 1)  # still answering: its time moves

    clock[0] = NOW + timedelta(minutes=20)
    restarted = DatabasePersistence(
        engine, lambda: clock[0], conversation_timeout=timedelta(minutes=15)
    )
    assert await restarted.get_conversations("home") == {(43, 43): 1}
    assert _rows(engine) == [("conversation", "home", "[43,43]")]
