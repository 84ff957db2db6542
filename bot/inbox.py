"""The update inbox: every update the active process accepts, until it is handled.

PTB confirms a batch of updates to Telegram with its next getUpdates, as soon as the batch is
queued, not once it is handled: a process killed with a queue of updates would lose them.
So each update is written here before it is queued (the next getUpdates waits for that), and
marked done once handled. A process taking over (`bot.leadership`) first handles the rows left
undone, and an update Telegram sends again (not confirmed before the kill) is skipped if it is
done or already taken by this process. Only the active process receives updates, so a row
left undone by another worker is one of a process that is gone: taking it is safe.

Guarantee: every update is handled; one in the middle of its handling at the kill is handled
again (its answer may then come twice: at-least-once for those few, as Telegram itself).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import col

from bot.db import rowcount, unit_of_work
from bot.models import UpdateInbox

logger = logging.getLogger(__name__)

KEEP_DONE = timedelta(days=1)  # done rows are kept this long (Telegram keeps updates 24 h)


def receive(engine: Engine, *, update_id: int, payload: str, worker: str, now: datetime) -> bool:
    """Record an update for `worker`; True if it is to be handled now (new, or left undone
    by a process that is gone), False if it is done or already being handled here."""
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    with unit_of_work(engine) as session:
        added = session.execute(
            insert(UpdateInbox)
            .values(update_id=update_id, payload=payload, worker=worker, received_at=now)
            .on_conflict_do_nothing(index_elements=["update_id"])
            .returning(col(UpdateInbox.update_id))
        ).first()
        if added is not None:
            return True
        taken = session.execute(
            update(UpdateInbox)
            .where(
                col(UpdateInbox.update_id) == update_id,
                col(UpdateInbox.done_at).is_(None),
                col(UpdateInbox.answered_at).is_(None),  # answered: not again
                col(UpdateInbox.worker) != worker,
            )
            .values(worker=worker, received_at=now)
        )
    if rowcount(taken) == 1:
        logger.info("update %s left undone by a process that is gone: handled now", update_id)
        return True
    logger.info("update %s was already handled: skipped", update_id)
    return False


def done(engine: Engine, *, update_id: int, now: datetime) -> None:
    """The update was handled (answered, or its error reported)."""
    with unit_of_work(engine) as session:
        session.execute(
            update(UpdateInbox)
            .where(col(UpdateInbox.update_id) == update_id, col(UpdateInbox.done_at).is_(None))
            .values(done_at=now)
        )


def answered(engine: Engine, *, update_id: int, now: datetime) -> None:
    """The update's first answer reached Telegram (see `UpdateInbox.answered_at`)."""
    with unit_of_work(engine) as session:
        session.execute(
            update(UpdateInbox)
            .where(col(UpdateInbox.update_id) == update_id, col(UpdateInbox.answered_at).is_(None))
            .values(answered_at=now)
        )


def settle_answered(engine: Engine, *, now: datetime) -> int:
    """At takeover: the updates a dead process had answered but not finished count as done
    (handling them again would answer twice); returns how many."""
    with unit_of_work(engine) as session:
        return rowcount(
            session.execute(
                update(UpdateInbox)
                .where(
                    col(UpdateInbox.done_at).is_(None), col(UpdateInbox.answered_at).isnot(None)
                )
                .values(done_at=now)
            )
        )


def undone(engine: Engine, *, limit: int = 10_000) -> list[str]:
    """Payloads of the updates not handled yet, oldest first (to handle at takeover)."""
    with unit_of_work(engine) as session:
        rows = session.scalars(
            select(col(UpdateInbox.payload))
            .where(col(UpdateInbox.done_at).is_(None), col(UpdateInbox.answered_at).is_(None))
            .order_by(col(UpdateInbox.update_id))
            .limit(limit)
        )
        return list(rows)


def prune(engine: Engine, *, now: datetime, keep: timedelta = KEEP_DONE) -> int:
    """Forget the updates handled before now - keep; returns how many."""
    with unit_of_work(engine) as session:
        return rowcount(
            session.execute(delete(UpdateInbox).where(col(UpdateInbox.done_at) < now - keep))
        )
