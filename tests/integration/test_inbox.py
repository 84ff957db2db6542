"""The update inbox: an update is handled once, and one left undone by a dead process is
handled by the next one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot import inbox

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
DEAD, ME = "proxi-1:10:aaaaaa", "proxi-2:20:bbbbbb"


def _receive(engine, update_id: int, worker: str) -> bool:
    payload = f'{{"update_id": {update_id}}}'
    return inbox.receive(engine, update_id=update_id, payload=payload, worker=worker, now=NOW)


def test_a_new_update_is_handled_and_sent_again_it_is_skipped(engine) -> None:
    assert _receive(engine, 7, ME) is True
    assert _receive(engine, 7, ME) is False  # Telegram sent it again: already ours
    inbox.done(engine, update_id=7, now=NOW)
    assert _receive(engine, 7, DEAD) is False  # done: nobody handles it again
    assert inbox.undone(engine) == []


def test_updates_left_undone_by_a_dead_process_are_taken_over_once(engine) -> None:
    for update_id in (3, 1, 2):
        assert _receive(engine, update_id, DEAD)
    inbox.done(engine, update_id=1, now=NOW)

    assert inbox.undone(engine) == ['{"update_id": 2}', '{"update_id": 3}']
    assert _receive(engine, 2, ME) is True  # the replay takes it over
    assert _receive(engine, 2, ME) is False  # and Telegram's redelivery is skipped
    assert _receive(engine, 1, ME) is False


def test_done_updates_are_forgotten_after_a_day(engine) -> None:
    assert _receive(engine, 1, ME) and _receive(engine, 2, ME)
    inbox.done(engine, update_id=1, now=NOW)
    assert inbox.prune(engine, now=NOW + timedelta(hours=23)) == 0
    assert inbox.prune(engine, now=NOW + timedelta(days=1, seconds=1)) == 1
    assert inbox.undone(engine) == ['{"update_id": 2}']


def test_an_update_answered_by_a_dead_process_is_not_handled_again(engine) -> None:
    for update_id in (1, 2):
        assert _receive(engine, update_id, DEAD)
    inbox.answered(engine, update_id=1, now=NOW)  # its answer went out, then the process died

    assert inbox.undone(engine) == ['{"update_id": 2}']  # only the unanswered one is redone
    assert _receive(engine, 1, ME) is False  # Telegram's redelivery is skipped too
    assert inbox.settle_answered(engine, now=NOW) == 1
    assert inbox.prune(engine, now=NOW + timedelta(days=1, seconds=1)) == 1  # counted done
