"""Loading the demo's data files: the same import as `python -m bot load`, dates moved.

`bot/demo.py` calls `load_for_demo` on a fresh database; the sample files use fixed dates, and
`shift_days` moves every session so that the demo never shows past sessions.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import Engine

from bot.clock import Clock, SystemClock
from bot.importer.report import render_report, summary_line
from bot.importer.service import Actor, apply_import

logger = logging.getLogger(__name__)


def load_for_demo(
    engine: Engine,
    files: Sequence[Path],
    *,
    shift_days: int,
    out: TextIO,
    language: str = "fr",
    clock: Clock | None = None,
) -> bool:
    """Load `files` as the platform admin; print the summary (or the report) to `out`.
    Returns whether the data was loaded."""
    from bot.gazetteer import default_gazetteer

    data = [(path.name, path.read_bytes()) for path in files]
    result = apply_import(
        engine,
        data,
        gazetteer=default_gazetteer(),
        actor=Actor(),
        now=(clock or SystemClock()).now(),
        date_shift_days=shift_days,
    )
    print(summary_line(result, language) if result.applied else render_report(result, language),
          file=out)  # fmt: skip
    if not result.applied:
        logger.warning("demo data not loaded: %d problems", result.problem_count)
    return result.applied
