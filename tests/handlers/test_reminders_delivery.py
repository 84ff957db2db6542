"""Reminders through the real Application and the sandbox, on a frozen clock.

APScheduler's wall clock cannot be frozen, so timers count from the Services clock (they never
fire early here) and each test moves the FrozenClock, then calls `delivery.sweep`, which delivers
everything due and waits for it: what the sandbox shows afterwards is final.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from bot import reminders
from bot.application import build_application
from bot.db import make_engine
from bot.models import Enrolment, Reminder, TrainingSession, User
from handlers import delivery
from handlers.notices import base as notices
from tests.factories import add_session, add_space, add_user

PARIS = ZoneInfo("Europe/Paris")

# PTB itself reads RetryAfter.retry_after (an int until PTB_TIMEDELTA) when building the error.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Deprecated since version v22.2:telegram.warnings.PTBDeprecationWarning"
)


def _engine(app):
    return app.bot_data["services"].engine


def _person(sandbox, engine, user_id: int, name: str = "Anne", language: str = "fr") -> int:
    sandbox.user(user_id, name, language_code=language)
    add_user(engine, user_id, name=name, language=language)
    return user_id


def _tomorrow_session(engine, clock, *user_ids: int, title: str = "Excel & co") -> int:
    """A session in 2 days at 14:00 Paris (13:00 UTC), the given learners enrolled."""
    space_id = add_space(engine, name="Relais d'Entreprises", latitude=47.93, longitude=-2.39)
    session_id = add_session(
        engine,
        now=clock.now(),
        starts_in=timedelta(days=2, hours=4),
        title=title,
        space_id=space_id,
    )
    with Session(engine) as session:
        for user_id in user_ids:
            session.add(Enrolment(session_id=session_id, user_id=user_id, status="enrolled"))
        session.commit()
    return session_id


def _plan(engine, clock, user_id: int, *, kind: str, due_in: timedelta, urgent: bool = False):
    return reminders.schedule(
        engine,
        kind=kind,
        recipient_id=user_id,
        due_at=clock.now() + due_in,
        dedupe_key=f"{kind}:{user_id}:{due_in}",
        urgent=urgent,
        now=clock.now(),
    )


def _status(engine, reminder_id: int) -> tuple[str, int]:
    with Session(engine) as session:
        row = session.get(Reminder, reminder_id)
        return row.status, row.attempts


def _sends_to(sandbox, chat_id: int) -> int:
    return sum(
        1
        for _, params, _ in sandbox.calls_for("sendMessage")
        if params.get("chat_id") == str(chat_id)
    )


@pytest.fixture
def echo_kind(monkeypatch) -> str:
    """A test kind whose text is the reminder id."""

    def render(reminder, services, t):
        return notices.Message(text=f"reminder {reminder.id} ({t.language})")

    monkeypatch.setitem(notices.RENDERERS, "echo", render)
    return "echo"


async def test_session_reminders_go_the_day_before_once_silently_in_one_message(
    app, chat, sandbox, clock
) -> None:
    engine = _engine(app)
    anne = _person(sandbox, engine, 42, "Anne")
    john = _person(sandbox, engine, 7, "John", "en")
    session_id = _tomorrow_session(engine, clock, anne, john)
    planned = reminders.schedule_session_day_before(engine, session_id=session_id, now=clock.now())
    assert len(planned) == 2

    report = await delivery.sweep(app)
    assert report["sent"] == 0
    assert sandbox.bot_messages(anne) == []

    clock.advance(timedelta(days=1, hours=4))  # tomorrow, 14:00 in Paris
    report = await delivery.sweep(app)
    assert report["sent"] == 2

    [text] = sandbox.bot_messages(anne)  # one message: the morning wave fits Telegram's rate
    assert text.kind == "text"
    assert text.disable_notification is True
    assert text.plain.splitlines()[:4] == [
        "⏰ Rappel : c'est demain !",
        "Excel & co",
        "Quand : vendredi 27 novembre à 14:00",
        "Où : Relais d'Entreprises, 1 rue de la Gare, 56800 Ploërmel",
    ]
    # The map pin is sent when asked, from the reminder's button.
    assert text.button_texts == ["📍 Voir le lieu sur la carte"]
    [pin] = await chat.press(sandbox.user(anne), message_id=text.message_id, index=1)
    assert (pin.kind, pin.title, pin.latitude, pin.longitude) == (
        "venue",
        "Relais d'Entreprises",
        47.93,
        -2.39,
    )
    assert pin.address == "1 rue de la Gare, 56800 Ploërmel"
    english = sandbox.bot_messages(john)[0]
    assert english.plain.splitlines()[2] == "When: Friday 27 November at 14:00"

    # Sweeping again, later, sends nothing more.
    clock.advance(timedelta(hours=1))
    assert (await delivery.sweep(app))["sent"] == 0
    assert [len(sandbox.bot_messages(chat)) for chat in (anne, john)] == [2, 1]
    assert {_status(engine, v.id)[0] for v in planned} == {"sent"}


async def test_urgent_reminders_notify(app, sandbox, clock, echo_kind) -> None:
    engine = _engine(app)
    anne = _person(sandbox, engine, 42)
    _plan(engine, clock, anne, kind=echo_kind, due_in=timedelta(0), urgent=True)
    await delivery.sweep(app)
    [message] = sandbox.bot_messages(anne)
    assert message.disable_notification is False


async def test_a_timer_delivers_through_the_job_queue(app, sandbox, clock, echo_kind) -> None:
    engine = _engine(app)
    anne = _person(sandbox, engine, 42)
    view = _plan(engine, clock, anne, kind=echo_kind, due_in=timedelta(0))
    delivery.arm(app.job_queue, view)  # due now: the timer fires at once
    assert await sandbox.wait_for_async(lambda: len(sandbox.bot_messages(anne)) == 1, 10)
    assert (await delivery.sweep(app))["sent"] == 0  # the timer already sent it
    assert _status(engine, view.id) == ("sent", 1)
    assert _sends_to(sandbox, anne) == 1


async def test_start_up_arms_the_next_hour_only(application, sandbox, clock, echo_kind) -> None:
    engine = application.bot_data["services"].engine
    _person(sandbox, engine, 42)
    soon = _plan(engine, clock, 42, kind=echo_kind, due_in=timedelta(minutes=30))
    overdue = _plan(engine, clock, 42, kind=echo_kind, due_in=-timedelta(minutes=5))
    later = _plan(engine, clock, 42, kind=echo_kind, due_in=timedelta(hours=3))
    delivery.install(application)
    assert await delivery.arm_pending(application) == 2
    await application.start()
    try:
        scheduler = application.job_queue.scheduler
        assert scheduler.get_job(delivery.job_id(soon.id)) is not None
        assert scheduler.get_job(delivery.job_id(later.id)) is None
        assert scheduler.get_job(delivery.SWEEP_JOB) is not None
        # The overdue one fired at once (and was sent); the 3-hour one is armed by a sweep
        # once it comes within the window.
        clock.advance(timedelta(hours=2, minutes=30))
        report = await delivery.sweep(application)
        assert report["armed"] == 1
        assert scheduler.get_job(delivery.job_id(later.id)) is not None
        assert _status(engine, overdue.id)[0] == "sent"
    finally:
        await application.stop()


async def test_cancelled_reminders_are_disarmed_and_never_sent(app, sandbox, clock) -> None:
    engine = _engine(app)
    anne = _person(sandbox, engine, 42)
    session_id = _tomorrow_session(engine, clock, anne)
    [view] = reminders.schedule_session_day_before(engine, session_id=session_id, now=clock.now())
    clock.advance(timedelta(days=1, hours=3, minutes=30))
    assert (await delivery.sweep(app))["armed"] == 1
    assert reminders.cancel_for(engine, session_id=session_id) == [view.id]
    assert delivery.disarm(app.job_queue, view.id) is True
    assert delivery.disarm(app.job_queue, view.id) is False
    clock.advance(timedelta(hours=1))
    await delivery.sweep(app)
    assert sandbox.bot_messages(anne) == []


async def test_a_session_cancelled_after_planning_cancels_its_reminder(
    app, sandbox, clock
) -> None:
    engine = _engine(app)
    anne = _person(sandbox, engine, 42)
    session_id = _tomorrow_session(engine, clock, anne)
    [view] = reminders.schedule_session_day_before(engine, session_id=session_id, now=clock.now())
    with Session(engine) as session:
        session.get(TrainingSession, session_id).status = "cancelled"
        session.commit()
    clock.advance(timedelta(days=1, hours=4))
    assert (await delivery.sweep(app))["cancelled"] == 1
    assert sandbox.bot_messages(anne) == []
    assert _status(engine, view.id)[0] == "cancelled"


async def test_too_late_is_expired_not_sent(app, sandbox, clock) -> None:
    engine = _engine(app)
    anne = _person(sandbox, engine, 42)
    session_id = _tomorrow_session(engine, clock, anne)
    [view] = reminders.schedule_session_day_before(engine, session_id=session_id, now=clock.now())
    clock.advance(timedelta(days=3))  # the bot was down until after the session started
    assert (await delivery.sweep(app))["expired"] == 1
    assert sandbox.bot_messages(anne) == []
    assert _status(engine, view.id)[0] == "expired"


async def test_a_kind_without_renderer_fails_with_a_log_line(app, sandbox, clock, caplog) -> None:
    engine = _engine(app)
    anne = _person(sandbox, engine, 42)
    view = _plan(engine, clock, anne, kind="nobody_renders_this", due_in=timedelta(0))
    with caplog.at_level(logging.ERROR, logger="handlers.delivery.sending"):
        assert (await delivery.sweep(app))["failed"] == 1
    assert "no renderer for reminder kind 'nobody_renders_this'" in caplog.text
    assert _status(engine, view.id) == ("failed", 1)
    assert sandbox.bot_messages(anne) == []


# -- faults ----------------------------------------------------------------------------------


@pytest.mark.expect_api_errors(429)  # injected flood limit
async def test_a_429_once_is_absorbed_and_the_reminder_goes_once(
    app, sandbox, clock, echo_kind
) -> None:
    engine = _engine(app)
    anne = _person(sandbox, engine, 42)
    view = _plan(engine, clock, anne, kind=echo_kind, due_in=timedelta(0))
    sandbox.inject_fault("sendMessage", "retry_after", retry_after=1)
    assert (await delivery.sweep(app))["sent"] == 1
    assert [m.plain for m in sandbox.bot_messages(anne)] == [f"reminder {view.id} (fr)"]
    assert _sends_to(sandbox, anne) == 2  # the 429, then the message


@pytest.mark.expect_api_errors(429)  # injected flood limits
async def test_repeated_429s_release_the_reminder_until_retry_after(
    app, sandbox, clock, echo_kind
) -> None:
    engine = _engine(app)
    anne = _person(sandbox, engine, 42)
    view = _plan(engine, clock, anne, kind=echo_kind, due_in=timedelta(0))
    # More 429s than the AIORateLimiter retries (2): the error reaches the sender.
    sandbox.inject_fault("sendMessage", "retry_after", times=3, retry_after=1)
    assert (await delivery.sweep(app))["retry"] == 1
    assert _status(engine, view.id) == ("pending", 1)
    assert reminders.get(engine, reminder_id=view.id).due_at == clock.now() + timedelta(seconds=1)
    clock.advance(timedelta(seconds=1))
    assert (await delivery.sweep(app))["sent"] == 1
    assert len(sandbox.bot_messages(anne)) == 1
    assert _status(engine, view.id) == ("sent", 2)


@pytest.mark.expect_api_errors(403)  # the user blocked the bot
async def test_a_blocked_user_is_marked_inactive_and_never_retried(
    app, sandbox, clock, echo_kind
) -> None:
    engine = _engine(app)
    anne = _person(sandbox, engine, 42)
    first = _plan(engine, clock, anne, kind=echo_kind, due_in=timedelta(0))
    second = _plan(engine, clock, anne, kind=echo_kind, due_in=timedelta(hours=1))
    sandbox.block(anne)
    assert (await delivery.sweep(app))["failed"] == 1
    with Session(engine) as session:
        assert session.get(User, anne).is_active is False
    assert _status(engine, first.id) == ("failed", 1)
    clock.advance(timedelta(hours=2))
    await delivery.sweep(app)
    # Neither is tried again: the next one fails without a call, as the user is inactive.
    assert _sends_to(sandbox, anne) == 1
    assert _status(engine, first.id) == ("failed", 1)
    assert _status(engine, second.id) == ("failed", 1)


@pytest.mark.expect_api_errors(502)  # injected server errors
async def test_network_errors_are_retried_with_backoff(app, sandbox, clock, echo_kind) -> None:
    engine = _engine(app)
    anne = _person(sandbox, engine, 42)
    view = _plan(engine, clock, anne, kind=echo_kind, due_in=timedelta(0))
    sandbox.inject_fault("sendMessage", "server_error", times=2, status=502)
    assert (await delivery.sweep(app))["retry"] == 1
    assert _status(engine, view.id) == ("pending", 1)

    clock.advance(timedelta(seconds=29))
    assert (await delivery.sweep(app))["retry"] == 0  # 30 s backoff not over
    clock.advance(timedelta(seconds=1))
    assert (await delivery.sweep(app))["retry"] == 1
    clock.advance(timedelta(minutes=1, seconds=59))
    assert (await delivery.sweep(app))["sent"] == 0  # 2 min backoff not over
    clock.advance(timedelta(seconds=1))
    assert (await delivery.sweep(app))["sent"] == 1
    assert len(sandbox.bot_messages(anne)) == 1
    assert _status(engine, view.id) == ("sent", 3)


@pytest.mark.expect_api_errors(502)  # injected server errors
async def test_network_errors_give_up_after_the_last_attempt(
    app, sandbox, clock, echo_kind, caplog
) -> None:
    engine = _engine(app)
    anne = _person(sandbox, engine, 42)
    view = _plan(engine, clock, anne, kind=echo_kind, due_in=timedelta(0))
    sandbox.inject_fault("sendMessage", "server_error", times=10)
    with caplog.at_level(logging.ERROR, logger="bot.reminders"):
        for _ in range(reminders.MAX_ATTEMPTS):
            await delivery.sweep(app)
            clock.advance(timedelta(minutes=10))
    assert _status(engine, view.id) == ("failed", reminders.MAX_ATTEMPTS)
    assert f"reminder {view.id} failed after {reminders.MAX_ATTEMPTS} attempts" in caplog.text
    assert sandbox.bot_messages(anne) == []


async def test_many_due_at_once_are_each_sent_once(app, sandbox, clock, echo_kind) -> None:
    engine = _engine(app)
    people = [_person(sandbox, engine, 1000 + i, f"P{i}") for i in range(60)]
    for user_id in people:
        _plan(engine, clock, user_id, kind=echo_kind, due_in=timedelta(minutes=user_id % 7))
    clock.advance(timedelta(minutes=10))
    report = await delivery.sweep(app)
    assert report["sent"] == 60
    assert [len(sandbox.bot_messages(user_id)) for user_id in people] == [1] * 60


async def test_two_bot_processes_sharing_the_database_send_each_once(
    app, sandbox, clock, echo_kind
) -> None:
    engine = _engine(app)
    people = [_person(sandbox, engine, 2000 + i, f"P{i}") for i in range(120)]
    for user_id in people:
        _plan(engine, clock, user_id, kind=echo_kind, due_in=timedelta(0))
    # A second Application, with its own engine on the same database, as a second process.
    other_engine = make_engine(engine.url.render_as_string(hide_password=False))
    services = app.bot_data["services"]
    other = build_application(services.settings, engine=other_engine, clock=clock)
    delivery.install(other)
    async with other:
        await other.start()
        try:
            first, second = await asyncio.gather(delivery.sweep(app), delivery.sweep(other))
        finally:
            await other.stop()
    other_engine.dispose()
    assert first["sent"] + second["sent"] == 120
    assert first["sent"] and second["sent"], "both processes should have sent some"
    assert [len(sandbox.bot_messages(user_id)) for user_id in people] == [1] * 120


@pytest.mark.expect_api_errors(502)  # an injected server error
async def test_a_retry_falling_in_the_quiet_hours_waits_for_8(
    app, sandbox, clock, echo_kind
) -> None:
    engine = _engine(app)
    anne = _person(sandbox, engine, 42)
    clock.set(datetime(2026, 11, 25, 20, 59, 45, tzinfo=PARIS))
    view = _plan(engine, clock, anne, kind=echo_kind, due_in=timedelta(0))
    sandbox.inject_fault("sendMessage", "server_error")
    assert (await delivery.sweep(app))["retry"] == 1
    clock.advance(timedelta(seconds=30))  # 21:00:15
    assert (await delivery.sweep(app))["postponed"] == 1
    assert reminders.get(engine, reminder_id=view.id).due_at == datetime(
        2026, 11, 26, 8, 0, tzinfo=PARIS
    )
    clock.set(datetime(2026, 11, 26, 7, 59, tzinfo=PARIS))
    assert (await delivery.sweep(app))["sent"] == 0
    clock.advance(timedelta(minutes=1))
    assert (await delivery.sweep(app))["sent"] == 1
    assert len(sandbox.bot_messages(anne)) == 1
    assert _status(engine, view.id) == ("sent", 2)
