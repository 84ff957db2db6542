"""Loading spaces, sessions (issue 3) and tutors (issue 5) from CSV, XLSX, JSON and LHEO XML.

Layers: `reader` (bytes → tables of rows, `lheo` for XML) → `columns` (kind and headers) →
`validation` (rows → typed records and problems, pure) → `plan` (compare with the database:
the `Changes` of `changes`) → `write` (bulk writes) → `service` (preview / apply in one
transaction) → `report` (the words).
No Telegram here: the chat handler and `cli.py` both call `preview_import` / `apply_import`.

Values are stored as written: a text starting with `=`, `+`, `-` or `@` is never evaluated by
Proxi, but a spreadsheet opening an export could run it. Whoever writes CSV or XLSX from Proxi
data must pass text through `spreadsheet_safe()` (a leading apostrophe).

The names below are imported lazily, so that `python -m bot --help` does not load SQLAlchemy
just to list the `load` command.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "MAX_FILE_BYTES": "bot.importer.reader",
    "Actor": "bot.importer.service",
    "ImportCounts": "bot.importer.service",
    "ImportOutcome": "bot.importer.service",
    "ImportPlan": "bot.importer.service",
    "ImportResult": "bot.importer.service",
    "apply_import": "bot.importer.service",
    "apply_plan": "bot.importer.service",
    "preview_import": "bot.importer.service",
    "Problem": "bot.importer.problems",
    "SessionChange": "bot.importer.changes",
    "render_report": "bot.importer.report",
    "summary_line": "bot.importer.report",
    "spreadsheet_safe": "bot.importer.values",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'bot.importer' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
