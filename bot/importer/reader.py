"""Reading a data file into tables of rows, whatever its format.

`read_file(name, data)` looks at the size first (refused before parsing), then reads by
extension: CSV (UTF-8 with or without BOM, else Windows-1252; `,`, `;` or tab), XLSX
(cached values of formulas, never evaluated), JSON (a list of objects, or lists under
"spaces"/"sessions"/"tutors") and LHEO XML (`lheo.py`). Rows carry the number the admin sees: the
spreadsheet row (header = 1), or the position of the object in a JSON list.

Rows are produced lazily (`Table.rows()` reads again each time): a 150,000-row file is
validated row by row instead of sitting in memory as 150,000 dictionaries.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import zipfile
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import PurePath
from typing import Any, NamedTuple

from bot.importer.columns import Kind, kind_of_name
from bot.importer.problems import ITEM, LINE, FileProblem, Problem
from bot.importer.values import FORMULA_WITHOUT_VALUE, Cell

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024
# A 20 MB XLSX is a zip: refuse archives that would inflate beyond this (zip bombs).
MAX_XLSX_UNCOMPRESSED = 300 * 1024 * 1024
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_PLAIN = (str, int, float, bool, datetime, date, time)


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

    def rows(self) -> Iterator[Row]:
        """The data rows, read lazily; may raise FileProblem when the file is damaged."""
        return self.source()


@dataclass(slots=True)
class FileContent:
    tables: list[Table]
    warnings: list[Problem] = field(default_factory=list)


def read_file(name: str, data: bytes, *, max_bytes: int = MAX_FILE_BYTES) -> FileContent:
    """The tables of one file; raises FileProblem when the file cannot be used at all."""
    if len(data) > max_bytes:
        raise FileProblem(
            "too_large", size_mb=round(len(data) / 1_048_576, 1), max_mb=max_bytes // 1_048_576
        )
    if not data or data.isspace():
        raise FileProblem("empty_file")
    suffix = PurePath(name).suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return FileContent([_csv_table(name, data)])
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(name, data)
    if suffix == ".json":
        return FileContent(_json_tables(name, data))
    if suffix == ".xml":
        from bot.importer.lheo import read_lheo

        return read_lheo(name, data)
    if suffix in (".xls", ".ods"):
        raise FileProblem("old_spreadsheet", extension=suffix)
    raise FileProblem("unsupported_format", extension=suffix or "?")


# --- CSV -----------------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """UTF-8 (BOM or not), else Windows-1252; refuse binaries and other encodings."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileProblem("encoding")  # UTF-16 ("Unicode text" in Excel)
    if b"\x00" in data:
        raise FileProblem("not_text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise FileProblem("encoding") from None
    if _CONTROL_CHARS.search(text, 0, 65536):
        raise FileProblem("not_text")
    return text


def _lines(text: str) -> Iterator[str]:
    """Lines with their ends, split on "\\n" only (cp1252 "…" must not end a line)."""
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start)
        if end == -1:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def _separator(line: str) -> str:
    """`,`, `;` or tab: the one seen most often outside quotes in the header line."""
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _records(text: str, separator: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(_lines(text), delimiter=separator)
    number = 0
    try:
        for record in reader:
            number += 1
            yield number, record
    except csv.Error as exc:
        raise FileProblem("bad_csv", line=number + 1, detail=str(exc)) from None


def _csv_text(data: bytes) -> str:
    text = decode_text(data)
    if "\n" not in text and "\r" in text:
        text = text.replace("\r", "\n")  # classic Mac line ends
    return text


def _csv_table(name: str, data: bytes) -> Table:
    text = _csv_text(data)
    first = next((line for line in _lines(text) if line.strip()), "")
    separator = _separator(first)
    header_number, headers = 0, []
    for number, record in _records(text, separator):
        if any(cell.strip() for cell in record):
            header_number, headers = number, _clean_headers(record)
            break
    del text  # decoded again when the rows are read: a 40 MB text is not kept meanwhile
    if not headers:
        raise FileProblem("empty_file")

    def rows() -> Iterator[Row]:
        for number, record in _records(_csv_text(data), separator):
            if number <= header_number or not any(cell.strip() for cell in record):
                continue
            yield Row(number, dict(zip(headers, record, strict=False)))

    return Table(name, headers, rows)


def _clean_headers(cells: Sequence[object]) -> list[str]:
    headers = ["" if cell is None else str(cell).strip() for cell in cells]
    while headers and not headers[-1]:
        headers.pop()
    return headers


# --- XLSX ----------------------------------------------------------------------------------


def _read_xlsx(name: str, data: bytes) -> FileContent:
    """The sheets named like a kind ("sessions", "espaces"...), else the first one."""
    sheets, chosen, formulas = _xlsx_sheets(name, data)
    content = FileContent([])
    for title, (_path, has_content) in sheets.items():
        if title not in chosen and has_content:
            content.warnings.append(Problem(name, None, None, "sheet_ignored", {"sheet": title}))
    for title in chosen:
        if formulas[title] > 0:
            params = {"sheet": title, "count": formulas[title]}
            content.warnings.append(Problem(name, None, None, "formulas_used", params))
        table = _sheet_table(name, data, title, with_formulas=formulas[title] != 0)
        if table is not None:
            content.tables.append(table)
    if not content.tables:
        raise FileProblem("empty_file")
    return content


def _xlsx_sheets(
    name: str, data: bytes
) -> tuple[dict[str, tuple[str | None, bool]], list[str], dict[str, int]]:
    """The sheets (title → zip path, holds more than one cell), the titles to read and their
    formula counts; a damaged or oversized workbook is refused here, before any row is read."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNCOMPRESSED:
                raise FileProblem("xlsx_too_large", max_mb=MAX_XLSX_UNCOMPRESSED // 1_048_576)
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheets = {
                    ws.title: (getattr(ws, "_worksheet_path", None), _has_content(ws))
                    for ws in workbook.worksheets
                }
            finally:
                workbook.close()
            chosen = [title for title in sheets if kind_of_name(title)] or list(sheets)[:1]
            formulas = {title: _count_formulas(archive, sheets[title][0]) for title in chosen}
    except FileProblem:
        raise
    except Exception as exc:  # openpyxl raises many kinds of errors for a damaged file
        logger.info("unreadable xlsx %s: %s", name, exc)
        raise FileProblem("bad_xlsx") from None
    return sheets, chosen, formulas


def _has_content(ws: object) -> bool:
    """Whether a sheet holds more than one cell (an ignored empty "Feuil2" is no news)."""
    max_row, max_col = getattr(ws, "max_row", None), getattr(ws, "max_column", None)
    return bool(max_row and max_col and (max_row > 1 or max_col > 1))


def _count_formulas(archive: zipfile.ZipFile, path: str | None) -> int:
    """Formula cells of a sheet (`<f>` elements), or -1 when the sheet cannot be found."""
    if path is None:
        return -1
    try:
        return len(_FORMULA_TAG.findall(archive.read(path.lstrip("/"))))
    except KeyError:
        return -1


def _sheet_records(
    data: bytes, title: str, with_formulas: bool
) -> Generator[tuple[int, tuple[Any, ...]]]:
    """(row number, values) of one sheet; a formula without a cached value is marked."""
    try:
        yield from _sheet_cells(data, title, with_formulas)
    except FileProblem:
        raise
    except Exception as exc:  # a damaged sheet shows only when its rows are read
        logger.info("unreadable sheet %r: %s", title, exc)
        raise FileProblem("bad_xlsx") from None


def _sheet_cells(data: bytes, title: str, with_formulas: bool) -> Iterator[tuple[int, tuple]]:
    from openpyxl import load_workbook

    values_book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    # Formulas are never evaluated: the second reading only tells which cells hold one.
    formula_book = (
        load_workbook(io.BytesIO(data), read_only=True, data_only=False) if with_formulas else None
    )
    try:
        values = values_book[title].iter_rows(values_only=True)
        if formula_book is None:
            yield from enumerate(values, start=1)
            return
        formulas = formula_book[title].iter_rows(values_only=True)
        for number, (record, raw) in enumerate(zip(values, formulas, strict=False), start=1):
            yield (
                number,
                tuple(
                    FORMULA_WITHOUT_VALUE if value is None and _is_formula(source) else value
                    for value, source in zip(record, raw, strict=False)
                ),
            )
    finally:
        values_book.close()
        if formula_book is not None:
            formula_book.close()


def _is_formula(source: object) -> bool:
    if isinstance(source, str):
        return source.startswith("=")
    return source is not None and not isinstance(source, _PLAIN)  # ArrayFormula & co.


def _sheet_table(name: str, data: bytes, title: str, *, with_formulas: bool) -> Table | None:
    header_number, headers = 0, []
    records = _sheet_records(data, title, with_formulas)
    try:
        for number, record in records:
            if any(not _blank(cell) for cell in record):
                header_number, headers = number, _clean_headers(record)
                break
    finally:
        records.close()
    if not headers:
        return None

    def rows() -> Iterator[Row]:
        for number, record in _sheet_records(data, title, with_formulas):
            if number <= header_number or all(_blank(cell) for cell in record):
                continue
            yield Row(number, dict(zip(headers, record, strict=False)))

    return Table(name, headers, rows, sheet=title, kind_hint=kind_of_name(title))


def _blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


# --- JSON ----------------------------------------------------------------------------------


def _json_tables(name: str, data: bytes) -> list[Table]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileProblem("encoding") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileProblem("bad_json", line=exc.lineno, column=exc.colno) from None
    if isinstance(document, list):
        return [_json_table(name, document, None)]
    if isinstance(document, dict) and document:
        tables = []
        for key, items in document.items():
            kind = kind_of_name(key)
            if kind is None or not isinstance(items, list):
                raise FileProblem("json_shape")
            tables.append(_json_table(name, items, kind))
        return tables
    raise FileProblem("json_shape")


def _json_table(name: str, items: list[object], kind: Kind | None) -> Table:
    headers: dict[str, None] = {}
    objects: list[dict[Any, Any]] = []  # parsed JSON objects
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise FileProblem("json_not_object", item=index)
        objects.append(item)
        headers.update(dict.fromkeys(str(key) for key in item))

    def rows() -> Iterator[Row]:
        for index, item in enumerate(objects, start=1):
            values = {str(k): v for k, v in item.items()}
            if any(not _blank(v) for v in values.values()):
                yield Row(index, values)

    return Table(name, list(headers), rows, unit=ITEM, kind_hint=kind)
