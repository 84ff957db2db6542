"""What every reader produces: tables of rows, read lazily, and the limit on their size.

`MAX_ROWS` data rows per table (300,000: twice the largest offer we know of) is checked while
reading, row by row: a file declaring a million rows is refused after reading the limit, never
held in memory.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from bot.importer.columns import Kind
from bot.importer.problems import LINE, FileProblem, Problem
from bot.importer.values import Cell

logger = logging.getLogger(__name__)

MAX_ROWS = 300_000


class Row(NamedTuple):
    number: int  # as the admin sees it: spreadsheet row, or position in a JSON list
    values: dict[str, Cell]  # header as written → value


@dataclass(slots=True)
class Table:
    """One table of a file: its headers and a way to read its rows (again)."""

    file: str
    headers: list[str]
    source: Callable[[], Iterator[Row]] = field(repr=False)
    unit: str = LINE
    sheet: str | None = None
    kind_hint: Kind | None = None
    # Row number and contract column → (position, element path): LHEO tables name their
    # values by `numero` and path, not by the CSV-like columns they are read into.
    element: Callable[[int, str | None], tuple[str | None, str | None]] | None = None

    def rows(self) -> Iterator[Row]:
        """The data rows, read lazily; may raise FileProblem when the file is damaged."""
        return self.source()


@dataclass(slots=True)
class FileContent:
    tables: list[Table]
    warnings: list[Problem] = field(default_factory=list)


def check_row_count(number: int, header_number: int) -> None:
    """Refuse a table once its row `number` goes beyond MAX_ROWS data rows."""
    if number - header_number > MAX_ROWS:
        raise FileProblem("too_many_rows", max=MAX_ROWS)


def clean_headers(cells: Sequence[object]) -> list[str]:
    headers = ["" if cell is None else str(cell).strip() for cell in cells]
    while headers and not headers[-1]:
        headers.pop()
    return headers


def blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())
