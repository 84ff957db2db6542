"""Former communes by their own INSEE code: `14762`-style codes of communes merged into a
commune nouvelle (Béon 01039 → Culoz-Béon 01138), which place lists exported before the merger
still carry.

The gazetteer's API (`read_communes`, `Gazetteer`) keeps only the former *names* with their
current commune; `data/communes.csv` also holds each former commune's own code (rows with
`kind` = `former`: `insee` → `current_insee`). This reads those two columns from the file the
gazetteer reads, and nothing else; a file without them gives no former codes (logged), never
an error.
"""

from __future__ import annotations

import csv
import functools
import logging
from collections.abc import Mapping
from pathlib import Path

from bot.gazetteer.communes import DEFAULT_PATH

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=4)
def former_codes(path: Path = DEFAULT_PATH) -> Mapping[str, str]:
    """Former commune INSEE code → its current commune's code (codes that changed only)."""
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            if not {"insee", "kind", "current_insee"} <= set(reader.fieldnames or ()):
                logger.warning("%s: no former INSEE codes (columns missing)", path)
                return {}
            return {
                row["insee"]: row["current_insee"]
                for row in reader
                if row["kind"] == "former"
                and row["current_insee"]
                and row["insee"] != row["current_insee"]
            }
    except OSError as exc:
        logger.warning("%s: no former INSEE codes (%s)", path, exc)
        return {}
