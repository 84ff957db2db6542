"""The search index saved on disk, so that a start or a one-off search need not rebuild it.

Building the index reads every upcoming session and segments 80,000 distinct titles into
concepts (5–9 s at the 2030 scale); loading what a build produced takes well under a second.
The file holds the index's state (columns, texts, profiles, vocabulary counts) as one pickle,
with what it was built from:

* a *fingerprint* of the data (:func:`fingerprint`): counts and latest ``updated_at`` of the
  sessions, spaces and organisations. Every change the importer, the confirmation sweep or an
  admin makes to a session stamps ``updated_at`` (or adds or removes a row); seat counts do
  not, so they are re-read at a load when their own sum moved (:func:`seats_fingerprint`);
* a *code version* (:func:`code_version`): a hash of the topic table and of the modules that
  shape the index, so a snapshot written by other code is never read;
* the moment it was built: it holds the sessions starting after it. Loaded later, it also
  holds sessions that have since started, as the running bot's index does until its next
  rebuild; searches skip them (``Filters.after``). Older than :data:`MAX_AGE` it is rebuilt.

Any mismatch, or a file that cannot be read, means "no snapshot": the caller builds from the
database (:class:`bot.search.live.LiveIndex`). Written after each build (the bot's start,
imports and cancellations; a child left running by ``python -m bot import``) to a temporary
file renamed over the old one, so readers never see a half-written file. The file is the
bot's own (its data directory), hence pickle.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from bot.db import make_engine, reading
from bot.heap import long_lived
from bot.models import Organisation, SessionStatus, Space, TrainingSession
from bot.search.index import SearchIndex
from bot.search.matcher import Vocabulary
from bot.search.topics import TopicTable, default_topics

__all__ = [
    "MAX_AGE",
    "build_in_child",
    "code_version",
    "fingerprint",
    "load",
    "refresh_in_background",
    "save",
    "seats_fingerprint",
]

logger = logging.getLogger(__name__)

FORMAT = 1  # bump when the file's layout changes in a way the code hash would not see
MAX_AGE = timedelta(hours=24)
_SOURCES = ("index.py", "store.py", "matcher.py", "topics.py", "docs.py", "snapshot.py")
_ROOT = Path(__file__).resolve().parents[2]
_TOPICS_FILE = _ROOT / "data" / "topics.toml"

Fingerprint = tuple[Any, ...]


def code_version() -> str:
    """A hash of what decides the index's content: the topic table and the index's code."""
    digest = hashlib.sha256(f"format {FORMAT}".encode())
    here = Path(__file__).resolve().parent
    for path in (*(here / name for name in _SOURCES), _TOPICS_FILE):
        digest.update(path.read_bytes() if path.exists() else b"-")
    return digest.hexdigest()[:16]


def fingerprint(engine: Engine) -> Fingerprint:
    """What changes whenever a session, space or organisation the index shows changes."""
    ts, sp, org = TrainingSession, Space, Organisation
    scheduled = func.sum(case((col(ts.status) == SessionStatus.SCHEDULED, 1), else_=0))
    with reading(engine) as session:
        sessions = session.execute(
            select(func.count(), scheduled, func.max(col(ts.updated_at)), func.max(col(ts.id)))
        ).one()
        spaces = session.execute(select(func.count(), func.max(col(sp.updated_at)))).one()
        orgs = session.execute(select(func.count(), func.max(col(org.id)))).one()
    return tuple(_plain(v) for v in (*sessions, *spaces, *orgs))


def seats_fingerprint(engine: Engine) -> int:
    """A sum that moves with any seat count (weighted by id: one up here and one down there
    does not cancel out)."""
    ts = TrainingSession
    with reading(engine) as session:
        total = session.execute(select(func.sum(col(ts.seats_taken) * col(ts.id)))).scalar()
    return int(total or 0)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def save(
    index: SearchIndex, path: Path, *, built_at: datetime, data: Fingerprint, seats: int
) -> None:
    """Write ``index``, built at ``built_at`` from data with fingerprints ``data`` and
    ``seats`` (both read before the build began: a change during it makes the file stale)."""
    started = time.perf_counter()
    state = dict(index.__dict__)
    del state["topics"]  # the table is the code's (code_version), shared, not saved
    vocabulary = state.pop("vocabulary")
    state["vocabulary_counts"] = (vocabulary._targets, vocabulary._known)
    head = {"code": code_version(), "data": data, "built_at": built_at, "seats": seats}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            pickle.dump(head, out, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(state, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    logger.info(
        "search snapshot written: %s, %.0f ms", path, (time.perf_counter() - started) * 1000
    )


def load(
    path: Path, engine: Engine, *, now: datetime, topics: TopicTable | None = None
) -> SearchIndex | None:
    """The index saved at ``path`` if it is still the database's, else None (rebuild)."""
    started = time.perf_counter()
    try:
        with path.open("rb") as file:
            head = pickle.load(file)
            reason = _stale(head, engine, now)
            if reason:
                logger.info("search snapshot %s not used: %s", path, reason)
                return None
            with long_lived():  # millions of small objects, no cycles (bot/heap.py)
                state = pickle.load(file)
    except FileNotFoundError:
        return None
    except Exception:  # a truncated or foreign file is only a missed shortcut
        logger.warning("search snapshot %s unreadable; rebuilding", path, exc_info=True)
        return None
    with long_lived():
        index = _restore(state, topics or default_topics())
    if head.get("seats") != seats_fingerprint(engine):
        _refresh_seats(index, engine, since=head["built_at"])
    logger.info(
        "search index loaded from %s: %d sessions in %.0f ms",
        path,
        len(index),
        (time.perf_counter() - started) * 1000,
    )
    return index


def _stale(head: Any, engine: Engine, now: datetime) -> str | None:
    """Why this snapshot cannot be used now (None: it can)."""
    if not isinstance(head, dict) or head.get("code") != code_version():
        return "written by other code"
    built_at = head["built_at"]
    if not built_at <= now < built_at + MAX_AGE:
        return f"built at {built_at:%Y-%m-%d %H:%M}, now {now:%Y-%m-%d %H:%M}"
    if head["data"] != fingerprint(engine):
        return "the sessions changed since"
    return None


def _restore(state: dict[str, Any], topics: TopicTable) -> SearchIndex:
    index = SearchIndex.__new__(SearchIndex)
    targets, known = state.pop("vocabulary_counts")
    vocabulary = Vocabulary(topics)
    vocabulary._targets, vocabulary._known = targets, known
    index.__dict__.update(state, topics=topics, vocabulary=vocabulary)
    return index


def _refresh_seats(index: SearchIndex, engine: Engine, *, since: datetime) -> None:
    """Seat counts move without stamping ``updated_at`` (enrolments): read them afresh."""
    ts = TrainingSession
    stmt = select(col(ts.id), col(ts.seats_taken)).where(
        col(ts.status) == SessionStatus.SCHEDULED, col(ts.starts_at) > since
    )
    rows = index.rows
    with reading(engine) as session:
        for session_id, taken in session.execute(stmt):
            r = rows.find(session_id)
            if r is not None:
                rows.taken[r] = taken


def _child(engine: Engine, path: Path, now: datetime) -> tuple[list[str], str]:
    """The child's command line and its stdin (the URL with its password: not on the
    command line others can read)."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database:
        url = url.set(database=str(Path(url.database).resolve()))  # the child runs from _ROOT
    command = [sys.executable, "-m", "bot.search.snapshot", str(path.resolve()), now.isoformat()]
    return command, url.render_as_string(hide_password=False)


def refresh_in_background(engine: Engine, path: Path, *, now: datetime) -> None:
    """Start a child that rebuilds the saved index and leave it running (``python -m bot
    import``: the command returns at once, the bot's next start finds a current file; a
    start before the child is done builds as usual)."""
    command, url = _child(engine, path, now)
    child = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        text=True, cwd=_ROOT, start_new_session=True,
    )  # fmt: skip
    assert child.stdin is not None
    child.stdin.write(url + "\n")
    child.stdin.close()


def build_in_child(engine: Engine, path: Path, *, now: datetime) -> SearchIndex | None:
    """Build and save the index in a child process, then load it: the build's transient
    objects leave a process's memory fragmented (285 MB after it at 150,000 sessions, 231
    when loaded), and a build in a thread holds the interpreter lock for seconds. None when
    the child failed or the data changed meanwhile (the caller builds here)."""
    command, url = _child(engine, path, now)
    done = subprocess.run(
        command, input=url, text=True, capture_output=True, check=False, cwd=_ROOT
    )
    if done.returncode != 0:
        logger.warning("search index: the child build failed: %s", done.stderr[-2000:])
        return None
    return load(path, engine, now=now)


def _main(argv: list[str]) -> int:
    """``python -m bot.search.snapshot PATH NOW`` with the database URL on stdin."""
    path, now = Path(argv[0]), datetime.fromisoformat(argv[1])
    engine = make_engine(sys.stdin.readline().strip())
    try:
        data, seats = fingerprint(engine), seats_fingerprint(engine)
        save(SearchIndex.from_engine(engine, now=now), path, built_at=now, data=data, seats=seats)
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    sys.exit(_main(sys.argv[1:]))
