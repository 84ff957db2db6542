"""The declared size of a read-only XLSX sheet, read from the sheet's head only.

openpyxl's read-only worksheet looks for the `<dimension>` element when the workbook is opened
(`ReadOnlyWorksheet._get_size`), by parsing the sheet until its `sheetData` element *ends*:
a sheet without `<dimension>` (allowed by the format; what hostile or home-made files do) is
parsed whole, keeping every row, each time a workbook is opened. A 1 MB file inflating to
280 MB took about 50 s and 300 MB per opening before its rows were even read.

`install()` replaces that method with one that reads the sheet's first 64 KiB, where the
element must be (it comes before `sheetData`): same result for every sheet that has one,
None (size unknown, rows streamed and counted) for the others. Called before each opening.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

logger = logging.getLogger(__name__)

HEAD_BYTES = 64 * 1024
_DIMENSION = re.compile(
    rb'<(?:\w+:)?dimension\b[^>]*?\bref="([A-Za-z]{1,3}\d+(?::[A-Za-z]{1,3}\d+)?)"'
)
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData\b")


def _get_size(self: Any) -> None:
    source = self._get_source()
    try:
        head = source.read(HEAD_BYTES)
    finally:
        source.close()
    data = _SHEET_DATA.search(head)
    found = _DIMENSION.search(head, 0, data.start() if data else len(head))
    if found is None:
        return
    try:
        bounds = range_boundaries(found.group(1).decode("ascii").upper())
    except ValueError:
        return
    self._min_column, self._min_row, self._max_column, self._max_row = bounds


def install() -> None:
    """Make openpyxl read the declared size from the sheet's head (idempotent)."""
    ReadOnlyWorksheet._get_size = _get_size  # type: ignore[attr-defined]  # private openpyxl method, replaced on purpose (module docstring)
