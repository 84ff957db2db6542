"""A restart in the middle of a conversation loses nothing: the bot process is SIGKILLed with
four conversations half-way, started again, and each one continues where it was.

- a learner asked for their home town (/settings → [Changer de commune]) types it;
- a tutor half-way through adding a slot (day and start chosen) picks the length, place, seats;
- a learner with a result list presses [Suivants ▶];
- an admin with an import preview presses [Importer].

The kill comes once what each step changed is in the database (written right after each
update, before the next one is read): waiting for it keeps the test deterministic.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from bot.config import PROJECT_ROOT
from bot.db import make_engine, upgrade_schema
from bot.i18n import translator
from bot.models import AvailabilitySlot, ChatState, ImportUpload, Space, Tutor, User
from tests.factories import add_session, add_user

FR = translator("fr")
WAIT = 30.0  # generous: a cold interpreter start on a busy CI machine
ADMIN, LEARNER, TUTOR, HOMELESS = 1000, 42, 43, 44
SPACES_CSV = PROJECT_ROOT / "data" / "sample" / "spaces.csv"


def _until(predicate: Callable[[], bool], timeout: float = WAIT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def _stored(engine, kind: str, key: str, name: str = "") -> Any:
    with Session(engine) as session:
        row = session.get(ChatState, (kind, name, key))
        return None if row is None else json.loads(row.data)


def _count(engine, model) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _last(sandbox, chat_id: int) -> str:
    entry = sandbox.last_bot_message(chat_id)
    return entry.plain if entry is not None else ""


def _prepare(engine) -> None:
    now = datetime.now(UTC)
    for i in range(7):  # more than a page of results (five)
        add_session(
            engine, now=now, starts_in=timedelta(days=3 + i), organisation=f"Organisme {i}"
        )
    add_user(engine, TUTOR, name="Claire")
    with Session(engine) as session:
        session.add(Tutor(name="Claire", user_id=TUTOR))
        session.commit()


def _first_run_halfway(sandbox) -> None:
    """Take the four conversations half-way."""
    home, learner = sandbox.user(HOMELESS, "Hugo"), sandbox.user(LEARNER, "Anne")
    tutor, admin = sandbox.user(TUTOR, "Claire"), sandbox.user(ADMIN, "Admin")

    def answered(chat_id: int, count: int) -> None:
        assert sandbox.wait_for(lambda: len(sandbox.bot_messages(chat_id)) >= count, WAIT)

    sandbox.send_text(home, "/settings")
    answered(HOMELESS, 1)
    sandbox.press(home, label=FR("settings.button_home"))
    answered(HOMELESS, 2)

    sandbox.send_text(learner, "excel à Ploërmel")
    assert sandbox.wait_for(lambda: "Page 1/2" in _last(sandbox, LEARNER), WAIT)

    sandbox.send_text(tutor, "/disponibilites")
    answered(TUTOR, 1)
    sandbox.press(tutor, label=FR("mentoring.availability.button_add"))
    assert sandbox.wait_for(lambda: "Quel jour" in _last(sandbox, TUTOR), WAIT)
    sandbox.press(tutor, index=1)  # the first day offered
    assert sandbox.wait_for(lambda: "quelle heure" in _last(sandbox, TUTOR), WAIT)
    sandbox.press(tutor, index=1)  # the first start time offered
    assert sandbox.wait_for(lambda: "combien de temps" in _last(sandbox, TUTOR), WAIT)

    sandbox.upload_document(admin, SPACES_CSV.read_bytes(), "spaces.csv")
    assert sandbox.wait_for(lambda: "38 espaces" in _last(sandbox, ADMIN), WAIT)


def test_a_restart_continues_every_conversation_where_it_was(sandbox, start_bot, bot_env) -> None:
    engine = make_engine(bot_env["DATABASE_URL"])
    upgrade_schema(engine)
    _prepare(engine)

    spaces_before = _count(engine, Space)
    first = start_bot(ADMIN_IDS=str(ADMIN))
    _first_run_halfway(sandbox)
    assert _until(
        lambda: (
            _stored(engine, "conversation", f"[{HOMELESS},{HOMELESS}]", "home") == 1
            and (_stored(engine, "user", str(LEARNER)) or {}).get("browse") is not None
            and "start"
            in ((_stored(engine, "user", str(TUTOR)) or {}).get("mentoring_draft") or {})
            and (_stored(engine, "user", str(ADMIN)) or {}).get("import") is not None
            and _count(engine, ImportUpload) == 1
        )
    ), first.output()
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(WAIT)
    assert "Traceback" not in first.output(), first.output()

    second = start_bot(ADMIN_IDS=str(ADMIN))
    # The home town, typed after the restart, is the answer to the question.
    sandbox.send_text(HOMELESS, "Ploërmel")
    saved = FR("settings.home_saved", place="Ploërmel (56)")
    assert sandbox.wait_for(lambda: _last(sandbox, HOMELESS) == saved, WAIT), second.output()
    # The result list's next page.
    sandbox.press(LEARNER, label=FR("search.button_next"))
    assert sandbox.wait_for(lambda: "Page 2/2" in _last(sandbox, LEARNER), WAIT), second.output()
    # The slot's length, place and seats complete the draft.
    sandbox.press(TUTOR, label="45 min")
    assert sandbox.wait_for(lambda: _last(sandbox, TUTOR).startswith("Où ?"), WAIT)
    sandbox.press(TUTOR, index=1)  # the first space offered
    assert sandbox.wait_for(lambda: "Groupe de 6" in str(sandbox.last_bot_message(TUTOR)), WAIT)
    sandbox.press(TUTOR, label=FR("mentoring.availability.button_group", n=6))
    assert sandbox.wait_for(lambda: _count(engine, AvailabilitySlot) == 1, WAIT), second.output()
    # The preview's file was kept: [Importer] loads it.
    sandbox.press(ADMIN, label=FR("admin.button_import"))
    done = sandbox.wait_for(lambda: _last(sandbox, ADMIN).startswith("Import terminé"), WAIT)
    assert done, second.output()
    assert second.stop() == 0, second.output()

    with Session(engine) as session:
        slot = session.scalars(select(AvailabilitySlot)).one()
        assert (slot.ends_at - slot.starts_at, slot.seats) == (timedelta(minutes=45), 6)
        assert slot.space_id is not None
        assert session.get(User, HOMELESS).home_insee == "56165"
        assert session.scalar(select(func.count(col(Space.id)))) == spaces_before + 38
    assert _count(engine, ImportUpload) == 0
    engine.dispose()
    assert "Traceback" not in second.output(), second.output()
