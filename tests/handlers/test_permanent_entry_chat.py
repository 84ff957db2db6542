"""A permanent-entry session five weeks after its start: a learner finds it, its card offers
[M'inscrire], and enrolling works (issue 9)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from bot.i18n import translator
from bot.models import Reminder, TrainingSession
from tests.factories import add_session

FR = translator("fr")


async def test_a_started_permanent_entry_session_is_found_and_joined(
    chat, sqlite_engine, clock
) -> None:
    sid = add_session(
        sqlite_engine,
        now=clock.now(),
        starts_in=-timedelta(days=35),
        title="Remise à niveau Excel",
    )
    with Session(sqlite_engine) as db:
        training = db.get(TrainingSession, sid)
        assert training is not None
        training.permanent_entry = True
        training.ends_at = clock.now() + timedelta(days=120)
        db.commit()
    # The index built at start-up, before the session's start (search still finds it).
    chat.application.bot_data["services"].search.rebuild(
        sqlite_engine, now=clock.now() - timedelta(days=40)
    )
    anne = chat.user()
    await chat.send(anne, "excel près de Ploërmel")
    assert "Remise à niveau Excel" in chat.last(anne).plain

    card, _venue = await chat.send(anne, f"/start s_{sid}")
    assert "entrées et sorties permanentes jusqu'au" in card.plain
    assert FR("card.button_enrol") in card.button_texts
    await chat.press(anne, label=FR("card.button_enrol"), message_id=card.message_id)
    [done] = [e for e in chat.sandbox.transcript(anne.id) if e.message_id == card.message_id]
    assert done.plain.startswith("C'est fait : vous êtes inscrit·e à Remise à niveau Excel")
    with Session(sqlite_engine) as db:
        assert db.get(TrainingSession, sid).seats_taken == 1  # type: ignore[union-attr]
        assert db.exec(select(Reminder)).all() == []  # no "tomorrow": its start is past
