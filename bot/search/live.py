"""The search index the running bot uses, rebuilt and swapped whole after each import."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from sqlalchemy.engine import Engine

from bot.search.index import SearchIndex

logger = logging.getLogger(__name__)


class LiveIndex:
    """Holds the current index; readers never see a half-built one."""

    def __init__(self) -> None:
        self._index = SearchIndex()
        self._lock = threading.Lock()

    @property
    def current(self) -> SearchIndex:
        return self._index

    def rebuild(self, engine: Engine, *, now: datetime) -> int:
        """Load upcoming sessions from the database and swap the index in; returns its size."""
        fresh = SearchIndex.from_engine(engine, now=now)
        with self._lock:
            self._index = fresh
        logger.info("search index rebuilt: %d upcoming sessions", len(fresh))
        return len(fresh)

    def seats_changed(self, session_id: int, seats_taken: int) -> None:
        """Keep the result lists' seat counts right after an enrolment or a cancellation."""
        self._index.set_seats_taken(session_id, seats_taken)
