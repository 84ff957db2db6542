"""Problems found while importing: what is wrong, where, and the values to explain it.

A problem is data, not text: `report.py` renders it from the catalog key
`importer.problem.<code>` in the admin's language, with `params` as placeholders.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

# How rows are counted, so the report says "ligne 14" for a spreadsheet and "objet n° 3" for
# JSON. LHEO files count sessions and training places.
LINE, ITEM, SESSION, PLACE = "line", "item", "session", "place"


@dataclass(frozen=True, slots=True)
class Problem:
    """One error or warning. `row` None means the whole file; `column` as written in the file."""

    file: str
    row: int | None
    column: str | None
    code: str
    params: Mapping[str, object] = field(default_factory=dict)
    unit: str = LINE
    # LHEO: the `numero` of the session (or of the place's action); `column` is then the
    # element path (`formation/action/session/periode/debut`).
    position: str | None = None


class FileProblem(Exception):
    """The whole file cannot be used (too large, wrong encoding, missing column...)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class BadValue(ValueError):
    """One value cannot be used; `code` and `params` explain why."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class ProblemLog:
    """Collects every error and warning: `--report`, `--json` and the chat's CSV document
    list them all (a file fixed from a partial list comes back with the rest). The chat's
    message and the CLI's text report show the first few (`report.MAX_LISTED`). `limit` only
    bounds a caller that wants a sample; the counts are always complete.
    """

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.error_count = 0
        self.warning_count = 0

    def error(self, problem: Problem) -> None:
        self.error_count += 1
        if self.limit is None or len(self.errors) < self.limit:
            self.errors.append(problem)

    def warn(self, problem: Problem) -> None:
        self.warning_count += 1
        if self.limit is None or len(self.warnings) < self.limit:
            self.warnings.append(problem)

    @property
    def ok(self) -> bool:
        return self.error_count == 0
