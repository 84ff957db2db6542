"""The gazetteer saved ready to use, so that a start does not read and index the CSV again.

Reading `data/communes.csv` and indexing its 35,000 communes and 2,900 former names takes
0.35–0.5 s, paid by every `python -m bot` command and every bot start; unpickling the built
:class:`~bot.gazetteer.resolution.Gazetteer` takes 0.2 s. The file is named by a key: the
bytes of the CSV files and of this package's code, and the Python version, so any change to
the data or to how it is indexed is a new file and never a stale gazetteer. It lives under
`var/` (next to the demo database and the search snapshot); when it cannot be written the
gazetteer is simply built each time. Like the search snapshot, it is a pickle the bot wrote
itself in its own data directory.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from bot.heap import long_lived

if TYPE_CHECKING:
    from bot.gazetteer.resolution import Gazetteer

logger = logging.getLogger(__name__)

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "var"
_CODE = Path(__file__).resolve().parent


def cache_key(*data: Path) -> str:
    """A digest of the data files, the gazetteer's code and the Python version."""
    digest = hashlib.sha256(sys.version.encode())
    for path in (*data, *sorted(_CODE.glob("*.py"))):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def load_cached(key: str, directory: Path = DEFAULT_DIR) -> Gazetteer | None:
    """The gazetteer saved under ``key``, or None (absent or unreadable)."""
    path = directory / f"gazetteer-{key}.pickle"
    try:
        with path.open("rb") as file, long_lived():
            gazetteer: Gazetteer = pickle.load(file)
    except FileNotFoundError:
        return None
    except Exception:  # a truncated or foreign file is only a missed shortcut
        logger.warning("gazetteer cache %s unreadable; reading the CSV", path, exc_info=True)
        return None
    return gazetteer


def save(gazetteer: Gazetteer, key: str, directory: Path = DEFAULT_DIR) -> None:
    """Save under ``key`` (atomically), and remove the files of older keys; best effort."""
    temporary: Path | None = None
    try:
        directory.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=directory, prefix=".gazetteer-")
        temporary = Path(name)
        with os.fdopen(handle, "wb") as out:
            pickle.dump(gazetteer, out, protocol=pickle.HIGHEST_PROTOCOL)
        target = directory / f"gazetteer-{key}.pickle"
        os.replace(temporary, target)
        temporary = None
        for old in directory.glob("gazetteer-*.pickle"):
            if old != target:
                old.unlink(missing_ok=True)
    except OSError as exc:  # a read-only installation: built each time, nothing else lost
        logger.info("gazetteer cache not written in %s: %s", directory, exc)
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
