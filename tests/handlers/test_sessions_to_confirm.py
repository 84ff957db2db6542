"""Sessions to confirm through the real Application and the sandbox: the card's line, the
enrolment that reaches the minimum (everyone told, with the .ics, and the admins), the
decision date passing without it (everyone told with other dates and [M'alerter], the admins
get the list), exactly once, and after a restart."""

from datetime import datetime, timedelta

from icalendar import Calendar
from sqlmodel import Session, select

from bot.application import build_application, post_init
from bot.i18n import translator
from bot.models import Alert, Reminder, Role, RoleGrant, TrainingSession
from handlers import confirmation, delivery
from tests.factories import add_session, add_space, add_user

FR = translator("fr")
EN = translator("en")
ADMIN = 900


def _to_confirm(engine, now: datetime, *, minimum: int, confirm_by: datetime, **kwargs) -> int:
    session_id = add_session(engine, now=now, **kwargs)
    add_user(engine, ADMIN, name="Odile")
    with Session(engine) as session:
        training = session.get(TrainingSession, session_id)
        training.min_participants = minimum
        training.confirm_by = confirm_by
        session.add(
            RoleGrant(user_id=ADMIN, role=Role.ORG_ADMIN, organisation_id=training.organisation_id)
        )
        session.commit()
    return session_id


async def _enrol(chat, user, session_id: int):
    card, _ = await chat.send(user, f"/start s_{session_id}")
    return await chat.press(user, label=FR("card.button_enrol"), message_id=card.message_id)


def _edited(chat, user, message_id: int):
    return [e for e in chat.sandbox.transcript(user.id) if e.message_id == message_id][-1]


async def test_card_says_to_confirm_in_french_and_english(chat, sqlite_engine, clock) -> None:
    now = clock.now()  # Wednesday 25 November 2026
    sid = _to_confirm(
        sqlite_engine, now, minimum=6, confirm_by=datetime(2026, 12, 1, 17, 0, tzinfo=now.tzinfo)
    )
    with Session(sqlite_engine) as session:
        session.get(TrainingSession, sid).seats_taken = 4
        session.commit()
    card, _ = await chat.send(chat.user(), f"/start s_{sid}")
    assert "Session à confirmer : 4 inscrits sur 6 nécessaires, décision le 1er décembre." in (
        card.plain
    )
    card_en, _ = await chat.send(chat.user(43, "Bob", language="en"), f"/start s_{sid}")
    assert "Session to confirm: 4 registered of 6 needed, decision on 1 December." in (
        card_en.plain
    )


async def test_result_lines_mark_the_sessions_still_to_confirm(chat, sqlite_engine, clock) -> None:
    now = clock.now()
    space = add_space(sqlite_engine)
    plain = add_session(sqlite_engine, now=now, space_id=space, starts_in=timedelta(days=5))
    undecided = _to_confirm(
        sqlite_engine,
        now,
        minimum=3,
        confirm_by=now + timedelta(days=4),
        space_id=space,
        starts_in=timedelta(days=6),
        title="Excel perfectionnement",
    )
    chat.application.bot_data["services"].search.rebuild(sqlite_engine, now=now)
    [listed] = await chat.send(chat.user(), "une formation excel à Ploërmel")
    lines = {line.split(".")[0]: line for line in listed.plain.splitlines() if line[:1].isdigit()}
    assert lines["1"].startswith("1. Excel initiation") and "à confirmer" not in lines["1"]
    assert lines["2"].startswith("2. Excel perfectionnement")
    assert lines["2"].endswith("— à confirmer")
    english = await chat.send(chat.user(43, "Bob", language="en"), "excel training in Ploërmel")
    assert "— to confirm" in english[-1].plain
    with Session(sqlite_engine) as session:  # once confirmed, a line like the others
        session.get(TrainingSession, undecided).confirmed_at = now
        session.commit()
    [again] = await chat.send(chat.user(), "une formation excel à Ploërmel")
    assert "à confirmer" not in again.plain
    assert plain != undecided


async def test_minimum_reached_confirms_tells_everyone_once(
    app, chat, sqlite_engine, clock
) -> None:
    now = clock.now()
    sid = _to_confirm(sqlite_engine, now, minimum=2, confirm_by=now + timedelta(days=3))
    anne, bruno = chat.user(42, "Anne"), chat.user(43, "Bruno")
    chat.user(ADMIN, "Odile")

    card, _ = await chat.send(anne, f"/start s_{sid}")
    await chat.press(anne, label=FR("card.button_enrol"), message_id=card.message_id)
    done = _edited(chat, anne, card.message_id)
    assert "Cette session n'est pas encore confirmée : elle aura lieu si 2 personnes" in done.plain
    assert "(1 pour l'instant)" in done.plain
    assert chat.sandbox.bot_messages(ADMIN)[-1].plain.startswith("Nouvelle inscription")
    # No day-before reminder goes out while undecided: planned, dropped if still undecided.

    card_b, _ = await chat.send(bruno, f"/start s_{sid}")
    await chat.press(bruno, label=FR("card.button_enrol"), message_id=card_b.message_id)
    assert FR("confirm.confirmed_now") in _edited(chat, bruno, card_b.message_id).plain

    for learner in (anne, bruno):
        text, pin, document = chat.sandbox.bot_messages(learner.id)[-3:]
        assert text.plain.startswith("Bonne nouvelle : la session Excel initiation")
        assert "est confirmée" in text.plain
        assert pin.kind == "venue"
        assert document.kind == "document" and document.file_name.endswith(".ics")
        [event] = Calendar.from_ical(document.file_bytes).walk("VEVENT")
        assert str(event["SUMMARY"]) == "Excel initiation"
    assert chat.sandbox.bot_messages(ADMIN)[-2].plain.startswith(
        "Session confirmée : Excel initiation"
    )
    with Session(sqlite_engine) as session:
        rows = session.exec(select(Reminder).where(Reminder.session_id == sid)).all()
    kinds = sorted(r.kind for r in rows)
    assert kinds.count("session_confirmed") == 2 and kinds.count("session_confirmed_admin") == 1
    assert kinds.count("session_day_before") == 2

    # The sweep finds nothing more to decide or send; the card looks like any other.
    before = len(chat.sandbox.bot_messages(anne.id))
    settled = await confirmation.settle(chat.application)
    assert (settled.confirmed, settled.notices) == ([], [])
    assert len(chat.sandbox.bot_messages(anne.id)) == before
    card_again, _ = await chat.send(chat.user(44, "Chloé"), f"/start s_{sid}")
    assert "à confirmer" not in card_again.plain


async def test_deadline_missed_cancels_and_tells_once(app, chat, sqlite_engine, clock) -> None:
    now = clock.now()
    space = add_space(sqlite_engine, city="Ploërmel")
    sid = _to_confirm(
        sqlite_engine, now, minimum=3, confirm_by=now + timedelta(days=2), space_id=space
    )
    other = add_session(sqlite_engine, now=now, starts_in=timedelta(days=21), space_id=space)
    anne = chat.user(42, "Anne")
    odile = chat.user(ADMIN, "Odile")
    await _enrol(chat, anne, sid)

    clock.advance(timedelta(days=1))
    assert (await confirmation.settle(chat.application)).cancelled == []
    clock.advance(timedelta(days=1, minutes=1))
    settled = await confirmation.settle(chat.application)
    assert settled.cancelled == [sid]

    told = chat.last(anne)
    assert told.plain.startswith("Désolé : la session Excel initiation prévue")
    assert "faute d'un nombre suffisant de participants (3 nécessaires)" in told.plain
    assert "Le même programme à d'autres dates :" in told.plain
    labels = [b.text for row in told.buttons for b in row]
    assert labels[-1] == FR("confirm.button_alert")
    assert any(b.callback_data == f"card:{other}" for row in told.buttons for b in row)
    listing = chat.last(odile).plain
    assert listing.startswith("Session annulée faute de participants : Excel initiation")
    assert "• Anne (inscrit·e)" in listing

    # Exactly once: a second sweep, even much later, sends nothing.
    counts = (len(chat.sandbox.bot_messages(anne.id)), len(chat.sandbox.bot_messages(ADMIN)))
    clock.advance(timedelta(hours=2))
    assert (await confirmation.settle(chat.application)).notices == []
    after = (len(chat.sandbox.bot_messages(anne.id)), len(chat.sandbox.bot_messages(ADMIN)))
    assert after == counts
    [card] = await chat.send(anne, f"/start s_{sid}")  # cancelled: no venue pin
    assert "Session annulée" in card.plain
    assert "à confirmer" not in card.plain

    # [M'alerter des prochaines dates] saves an alert for the course around the town.
    [saved] = await chat.press(anne, label=FR("confirm.button_alert"), message_id=told.message_id)
    assert saved.plain.startswith("C'est noté : je vous écrirai dès qu'une session")
    with Session(sqlite_engine) as session:
        [alert] = session.exec(select(Alert).where(Alert.user_id == 42)).all()
    assert (alert.query, alert.place_label) == ("Excel initiation", "Ploërmel")


async def test_the_deadline_survives_a_restart(
    sandbox, settings, sqlite_engine, clock, chat, error_watch
) -> None:
    now = clock.now()
    sid = _to_confirm(sqlite_engine, now, minimum=2, confirm_by=now + timedelta(hours=5))
    anne = chat.user(42, "Anne")
    chat.user(ADMIN, "Odile")
    await _enrol(chat, anne, sid)
    await chat.application.shutdown()  # the bot stops before the decision date

    clock.advance(timedelta(hours=6))
    restarted = build_application(
        settings.model_copy(
            update={
                "telegram_bot_token": sandbox.token,
                "telegram_api_base_url": sandbox.base_url,
                "telegram_api_base_file_url": sandbox.base_file_url,
            }
        ),
        engine=sqlite_engine,
        clock=clock,
    )
    async with restarted:
        await post_init(restarted)
        error_watch.accept_startup_menus()
        assert restarted.job_queue.scheduler.get_job(confirmation.SETTLE_JOB) is not None
        await restarted.start()
        try:
            await confirmation.settle(restarted)  # what the job does at its first run
        finally:
            await restarted.stop()
    assert chat.last(anne).plain.startswith("Désolé : la session Excel initiation")
    assert "• Anne (inscrit·e)" in chat.sandbox.last_bot_message(ADMIN).plain
    with Session(sqlite_engine) as session:
        assert session.get(TrainingSession, sid).status == "cancelled"


async def test_no_day_before_reminder_until_confirmed(app, chat, sqlite_engine, clock) -> None:
    """The reminder falls due before the decision: dropped; planned again at confirmation."""
    now = clock.now()
    sid = _to_confirm(
        sqlite_engine,
        now,
        minimum=2,
        confirm_by=now + timedelta(days=2),
        starts_in=timedelta(days=2, hours=6),
    )
    anne, bruno = chat.user(42, "Anne"), chat.user(43, "Bruno")
    chat.user(ADMIN, "Odile")
    await _enrol(chat, anne, sid)
    before = len(chat.sandbox.bot_messages(anne.id))

    clock.advance(timedelta(days=1, hours=7))  # past the day-before time, still undecided
    await delivery.sweep(app)
    assert len(chat.sandbox.bot_messages(anne.id)) == before
    with Session(sqlite_engine) as session:
        [row] = session.exec(select(Reminder).where(Reminder.kind == "session_day_before")).all()
    assert row.status == "cancelled"

    await _enrol(chat, bruno, sid)  # the minimum: confirmed, reminders planned again
    await delivery.sweep(app)
    texts = [m.plain for m in chat.sandbox.bot_messages(anne.id)[before:] if m.kind == "text"]
    assert texts[0].startswith("Bonne nouvelle")
    assert any("Rappel : c'est demain" in text for text in texts[1:]), texts
