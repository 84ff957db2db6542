"""The search index the running bot uses: loaded or built in the background, swapped whole.

At start-up a thread loads the index saved by the last run (:mod:`bot.search.snapshot`,
about a second at the 2030 scale) or, when the data changed since, builds a new one from
the database (5–9 s, in a child process for a large offer: :func:`bot.search.snapshot.
build_in_child`); meanwhile searches go to the database
(:class:`bot.search.prefilter.DatabaseSource`, the same ranking, a little slower). After
each import a new index is built in a thread while searches use the previous one until the
new one replaces it in one assignment; every build is saved for the next start.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.search import snapshot
from bot.search.index import SearchIndex
from bot.search.prefilter import DatabaseSource

logger = logging.getLogger(__name__)

CHILD_BUILD_MIN = 20_000


class LiveIndex:
    """Holds the current index; readers never see a half-built one."""

    def __init__(self, snapshot_path: Path | None = None) -> None:
        self._index = SearchIndex()
        self._source: DatabaseSource | None = None  # set while the first index builds
        self._lock = threading.Lock()
        self._building: threading.Thread | None = None
        self.snapshot_path = snapshot_path  # None: never saved nor loaded
        # From this many sessions the index is built in a child process (memory, GIL); a
        # small offer is built here, without the child's second of start-up.
        self.child_build_min = CHILD_BUILD_MIN

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
            path = self.snapshot_path
            # Read before the build: a change during it leaves the saved file stale, not wrong.
            fresh = self._build(engine, now, path)
            self._swap(fresh)
        logger.info("search index rebuilt: %d upcoming sessions", len(fresh))
        return len(fresh)

    def load_or_rebuild(self, engine: Engine, *, now: datetime) -> int:
        """The saved index if it is still the database's, else :meth:`rebuild`."""
        if self.snapshot_path is not None:
            with self._lock:
                saved = snapshot.load(self.snapshot_path, engine, now=now)
                if saved is not None:
                    self._swap(saved)
                    return len(saved)
        return self.rebuild(engine, now=now)

    def _build(self, engine: Engine, now: datetime, path: Path | None) -> SearchIndex:
        if path is None:
            return SearchIndex.from_engine(engine, now=now)
        # Read before the build: a change during it leaves the saved file stale, not wrong.
        data, seats = snapshot.fingerprint(engine), snapshot.seats_fingerprint(engine)
        if data[0] >= self.child_build_min and engine.url.database not in (None, "", ":memory:"):
            built = snapshot.build_in_child(engine, path, now=now)
            if built is not None:
                return built
        fresh = SearchIndex.from_engine(engine, now=now)
        try:
            snapshot.save(fresh, path, built_at=now, data=data, seats=seats)
        except OSError:
            logger.warning("search snapshot %s not written", path, exc_info=True)
        return fresh

    def _swap(self, fresh: SearchIndex) -> None:
        self._index = fresh
        self._source = None

    def rebuild_in_background(self, engine: Engine, *, now: datetime) -> threading.Thread:
        """Start :meth:`load_or_rebuild` in a thread; until the first index is ready,
        searches read the database."""
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
            self.load_or_rebuild(engine, now=now)
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
