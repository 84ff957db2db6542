"""The update inbox around the real Application: an update queued twice (Telegram sending it
again after a failover) is answered once, and one a dead process left undone is answered by
the next. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlmodel import Session
from telegram import Update

from bot import inbox
from bot.application import build_application, post_init
from bot.models import UpdateInbox
from handlers.inbox import InboxQueue, OnceUpdateProcessor, handle_undone, mark_answered_in_inbox
from tests.e2e.conftest import until

ME, DEAD = "proxi-2:20:bbbbbb", "proxi-1:10:aaaaaa"


@pytest.fixture
async def inbox_app(sandbox, settings, engine, clock, error_watch) -> AsyncIterator[Any]:
    bot_settings = settings.model_copy(
        update={
            "telegram_bot_token": sandbox.token,
            "telegram_api_base_url": sandbox.base_url,
            "telegram_api_base_file_url": sandbox.base_file_url,
        }
    )
    app = build_application(
        bot_settings,
        engine=engine,
        clock=clock,
        update_processor=OnceUpdateProcessor(engine, clock.now),
        update_queue=InboxQueue(engine, ME, clock.now),
    )
    error_watch.observe(app)
    async with app:
        await post_init(app)
        error_watch.accept_startup_menus()
        await app.start()
        yield app
        await app.stop()


def _help_update(sandbox, app) -> Update:
    sandbox.user(42, "Anne").send("/help")
    (raw,) = sandbox.take_updates()
    return Update.de_json(raw, app.bot)


async def test_an_update_sent_again_is_answered_once(sandbox, inbox_app, engine) -> None:
    update = _help_update(sandbox, inbox_app)
    await inbox_app.update_queue.put(update)
    assert await sandbox.wait_for_async(lambda: len(sandbox.bot_messages(42)) == 1)
    assert await asyncio.to_thread(until, lambda: inbox.undone(engine) == [], 5)

    await inbox_app.update_queue.put(update)  # Telegram had not seen it confirmed

    assert not await sandbox.wait_for_async(lambda: len(sandbox.bot_messages(42)) > 1, 1)


async def test_an_update_a_dead_process_left_undone_is_answered(
    sandbox, inbox_app, engine, clock
) -> None:
    update = _help_update(sandbox, inbox_app)
    inbox.receive(
        engine, update_id=update.update_id, payload=update.to_json(), worker=DEAD, now=clock.now()
    )

    assert await handle_undone(inbox_app, engine, clock.now()) == 1

    assert await sandbox.wait_for_async(lambda: len(sandbox.bot_messages(42)) == 1)
    assert sandbox.bot_messages(42)[0].plain.startswith("Ce que je sais faire")
    assert await asyncio.to_thread(until, lambda: inbox.undone(engine) == [], 5)
    await inbox_app.update_queue.put(update)  # and Telegram's redelivery is skipped
    assert not await sandbox.wait_for_async(lambda: len(sandbox.bot_messages(42)) > 1, 1)


async def test_an_update_answered_before_its_process_died_is_not_answered_again(
    sandbox, inbox_app, engine, clock
) -> None:
    """The rate limiter marks an update answered as soon as its first message went out: a
    process taking over after a kill between that and the end of the update stays silent."""
    mark_answered_in_inbox(inbox_app, engine, clock.now)
    update = _help_update(sandbox, inbox_app)
    await inbox_app.update_queue.put(update)
    assert await sandbox.wait_for_async(lambda: len(sandbox.bot_messages(42)) == 1)
    assert await asyncio.to_thread(until, lambda: _answered(engine, update.update_id), 5)
    # As if the process had died right after the answer: the row is not done yet.
    with Session(engine) as session:
        row = session.get(UpdateInbox, update.update_id)
        row.done_at, row.worker = None, DEAD
        session.add(row)
        session.commit()

    assert await handle_undone(inbox_app, engine, clock.now()) == 0
    assert not await sandbox.wait_for_async(lambda: len(sandbox.bot_messages(42)) > 1, 1)
    assert inbox.undone(engine) == []


def _answered(engine, update_id: int) -> bool:
    with Session(engine) as session:
        row = session.get(UpdateInbox, update_id)
        return row is not None and row.answered_at is not None
