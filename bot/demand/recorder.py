"""`SearchRecorder`: searches kept for statistics in memory, written to the database in
batches, so that recording costs a search a few microseconds, not a commit (a commit is
0.5–25 ms on a busy machine, more on PostgreSQL, which syncs it to disk).

`add` builds the row and queues it; `flush` (the JobQueue every `FLUSH_SECONDS`, and when
`MAX_PENDING` rows wait) writes the queue in one transaction. `mark_alert` flips the alert
flag of a search still queued, or of one written recently (its id is remembered for the last
`REMEMBERED` searches). What is queued when the process dies is lost: statistics, not data
anyone relies on. Nothing here raises into a search: failures are logged.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import OrderedDict
from datetime import datetime

from sqlalchemy import insert, update
from sqlalchemy.engine import Engine

from bot.demand.recording import record_row
from bot.demand.tables import SearchRecord
from bot.gazetteer import Gazetteer
from bot.search.service import SearchOutcome

logger = logging.getLogger(__name__)

_TABLE = SearchRecord.__table__  # type: ignore[attr-defined]  # SQLModel sets it on tables
FLUSH_SECONDS = 5
MAX_PENDING = 500
REMEMBERED = 10_000


class SearchRecorder:
    """The process's queue of search records (one per application)."""

    def __init__(self, engine: Engine, *, secret: str, gazetteer: Gazetteer) -> None:
        self.engine = engine
        self.secret = secret
        self.gazetteer = gazetteer
        self._lock = threading.Lock()
        self._pending: dict[int, dict[str, object]] = {}
        self._written: OrderedDict[int, int] = OrderedDict()  # token → row id
        self._tokens = itertools.count(1)

    def add(self, outcome: SearchOutcome, *, user_id: int, now: datetime) -> int | None:
        """Queue one search; a token for `mark_alert`, None when it is not kept."""
        try:
            row = record_row(
                outcome, user_id=user_id, secret=self.secret, now=now, gazetteer=self.gazetteer
            )
        except Exception:  # statistics never break a search
            logger.exception("could not record a search for demand statistics")
            return None
        if row is None:
            return None
        with self._lock:
            token = next(self._tokens)
            self._pending[token] = row
            full = len(self._pending) >= MAX_PENDING
        if full:
            self.flush()
        return token

    def mark_alert(self, token: int) -> None:
        """An alert was saved from this search."""
        with self._lock:
            if token in self._pending:
                self._pending[token]["alert_saved"] = True
                return
            record_id = self._written.get(token)
        if record_id is None:
            return  # written long ago or by an earlier run: not worth a look-up
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    update(_TABLE).where(_TABLE.c.id == record_id).values(alert_saved=True)
                )
        except Exception:
            logger.exception("could not mark a search record as followed by an alert")

    def flush(self) -> int:
        """Write the queued rows in one transaction; how many were written."""
        with self._lock:
            pending, self._pending = self._pending, {}
        if not pending:
            return 0
        try:
            ids = self._write(list(pending.values()))
        except Exception:
            logger.exception("could not write %d search records (dropped)", len(pending))
            return 0
        with self._lock:
            self._written.update(zip(pending, ids, strict=True))
            while len(self._written) > REMEMBERED:
                self._written.popitem(last=False)
        return len(ids)

    def _write(self, rows: list[dict[str, object]]) -> list[int]:
        ids = []
        with self.engine.begin() as connection:
            for row in rows:
                key = connection.execute(insert(_TABLE).values(**row)).inserted_primary_key
                assert key is not None  # a single-row INSERT has one
                ids.append(int(key[0]))
        return ids

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._pending)
