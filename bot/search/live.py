"""The search index the running bot uses: built in the background, swapped whole.

At start-up and after each import a new :class:`SearchIndex` is built in a thread while the
bot keeps answering: before the first one is ready, searches go to the database
(:class:`bot.search.prefilter.DatabaseSource`, the same ranking, a little slower); after,
they use the previous index until the new one replaces it in one assignment.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from sqlalchemy.engine import Engine

from bot.search.index import SearchIndex
from bot.search.prefilter import DatabaseSource

logger = logging.getLogger(__name__)


class LiveIndex:
    """Holds the current index; readers never see a half-built one."""

    def __init__(self) -> None:
        self._index = SearchIndex()
        self._source: DatabaseSource | None = None  # set while the first index builds
        self._lock = threading.Lock()
        self._building: threading.Thread | None = None

    @property
    def current(self) -> SearchIndex | DatabaseSource:
        """The index, or the database while the first index is being built."""
        return self._source or self._index

    @property
    def ready(self) -> bool:
        return self._source is None

    def rebuild(self, engine: Engine, *, now: datetime) -> int:
        """Load upcoming sessions from the database and swap the index in; returns its size."""
        with self._lock:  # one build at a time; the latest data wins
            fresh = SearchIndex.from_engine(engine, now=now)
            self._index = fresh
            self._source = None
        logger.info("search index rebuilt: %d upcoming sessions", len(fresh))
        return len(fresh)

    def rebuild_in_background(self, engine: Engine, *, now: datetime) -> threading.Thread:
        """Start :meth:`rebuild` in a thread; until the first index is ready, searches read
        the database."""
        if len(self._index) == 0 and self._building is None:
            self._source = DatabaseSource(engine)
        thread = threading.Thread(
            target=self._rebuild_logged, args=(engine, now), name="search-index", daemon=True
        )
        self._building = thread
        thread.start()
        return thread

    def _rebuild_logged(self, engine: Engine, now: datetime) -> None:
        try:
            self.rebuild(engine, now=now)
        except Exception:
            logger.exception("search index: the rebuild failed; searches keep the previous one")

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a background build (tests, the demo); True when none is running."""
        if self._building is not None:
            self._building.join(timeout)
        return self._building is None or not self._building.is_alive()

    def seats_changed(self, session_id: int, seats_taken: int) -> None:
        """Keep the result lists' seat counts right after an enrolment or a cancellation."""
        self._index.set_seats_taken(session_id, seats_taken)
