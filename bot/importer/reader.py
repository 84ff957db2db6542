"""Reading a data file into tables of rows, whatever its format.

`read_file(name, data)` looks at the size first (refused before parsing), then reads by
extension: CSV (`encoding.py`: UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252
when the whole file is consistent with it; `,`, `;` or tab), XLSX (cached values of formulas,
never evaluated), JSON (`jsonfile.py`) and LHEO XML (`lheo.py`). Rows carry the number the
admin sees: the spreadsheet row (header = 1), or the position of the object in a JSON list.

Rows are produced lazily (`Table.rows()` reads again each time): a 150,000-row file is
validated row by row instead of sitting in memory as 150,000 dictionaries. At most `MAX_ROWS`
data rows per table, counted while reading; XLSX sheets are streamed (openpyxl read-only) over
their first `MAX_COLUMNS` columns, and a sheet declaring more rows than the limit is refused
before any row is read.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import zipfile
from collections.abc import Generator, Iterator
from datetime import date, datetime, time
from pathlib import PurePath
from typing import Any

from bot.importer.columns import kind_of_name
from bot.importer.encoding import decode_text
from bot.importer.problems import FileProblem, Problem
from bot.importer.tables import (
    MAX_ROWS,
    FileContent,
    Row,
    Table,
    blank,
    check_row_count,
    clean_headers,
)
from bot.importer.values import FORMULA_WITHOUT_VALUE

__all__ = ["MAX_FILE_BYTES", "MAX_ROWS", "FileContent", "Row", "Table", "read_file"]

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024
# A 20 MB XLSX is a zip: refuse archives that would inflate beyond this (zip bombs).
MAX_XLSX_UNCOMPRESSED = 300 * 1024 * 1024
# openpyxl holds the shared strings in memory (sheets are streamed): keep them well below that.
MAX_XLSX_SHARED_STRINGS = 64 * 1024 * 1024
MAX_COLUMNS = 256  # columns read per sheet: a declared width of 16,384 is not padded to
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_PLAIN = (str, int, float, bool, datetime, date, time)


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
        from bot.importer.jsonfile import read_json

        return read_json(name, data)
    if suffix == ".xml":
        from bot.importer.lheo import read_lheo

        return read_lheo(name, data)
    if suffix in (".xls", ".ods"):
        raise FileProblem("old_spreadsheet", extension=suffix)
    raise FileProblem("unsupported_format", extension=suffix or "?")


# --- CSV -----------------------------------------------------------------------------------


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
            header_number, headers = number, clean_headers(record)
            break
    del text  # decoded again when the rows are read: a 40 MB text is not kept meanwhile
    if not headers:
        raise FileProblem("empty_file")

    def rows() -> Iterator[Row]:
        for number, record in _records(_csv_text(data), separator):
            if number <= header_number or not any(cell.strip() for cell in record):
                continue
            check_row_count(number, header_number)
            yield Row(number, dict(zip(headers, record, strict=False)))

    return Table(name, headers, rows)


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

    from bot.importer import xlsxsize

    xlsxsize.install()  # a sheet without <dimension> is not parsed whole when opened
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_inflated_sizes(archive)
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheets = {
                    ws.title: (getattr(ws, "_worksheet_path", None), _has_content(ws))
                    for ws in workbook.worksheets
                }
                declared = {ws.title: getattr(ws, "max_row", None) for ws in workbook.worksheets}
            finally:
                workbook.close()
            chosen = [title for title in sheets if kind_of_name(title)] or list(sheets)[:1]
            for title in chosen:  # a declared dimension beyond the limit: refused unread
                check_row_count(declared[title] or 0, 1)
            formulas = {}
            for title in chosen:
                formulas[title], rows = _scan_sheet(archive, sheets[title][0])
                check_row_count(rows, 1)  # more <row> elements than the limit: refused unread
    except FileProblem:
        raise
    except Exception as exc:  # openpyxl raises many kinds of errors for a damaged file
        logger.info("unreadable xlsx %s: %s", name, exc)
        raise FileProblem("bad_xlsx") from None
    return sheets, chosen, formulas


def _check_inflated_sizes(archive: zipfile.ZipFile) -> None:
    """Refuse a workbook that would inflate beyond what can be read (zip bombs)."""
    members = archive.infolist()
    if sum(info.file_size for info in members) > MAX_XLSX_UNCOMPRESSED:
        raise FileProblem("xlsx_too_large", max_mb=MAX_XLSX_UNCOMPRESSED // 1_048_576)
    if any(
        info.filename.lower().endswith("sharedstrings.xml")
        and info.file_size > MAX_XLSX_SHARED_STRINGS
        for info in members
    ):
        raise FileProblem("xlsx_too_large", max_mb=MAX_XLSX_SHARED_STRINGS // 1_048_576)


def _has_content(ws: object) -> bool:
    """Whether a sheet holds more than one cell (an ignored empty "Feuil2" is no news)."""
    max_row, max_col = getattr(ws, "max_row", None), getattr(ws, "max_column", None)
    return bool(max_row and max_col and (max_row > 1 or max_col > 1))


def _scan_sheet(archive: zipfile.ZipFile, path: str | None) -> tuple[int, int]:
    """Formula cells (`<f>` elements; -1 when the sheet cannot be found) and `<row>` elements
    of a sheet, in one streamed pass: a sheet of millions of rows that declares no size is
    refused here in seconds, before openpyxl parses a row."""
    if path is None:
        return -1, 0
    try:
        stream = archive.open(path.lstrip("/"))
    except KeyError:
        return -1, 0
    formulas, rows, tail = 0, 0, b""
    with stream:  # streamed: a sheet may inflate to hundreds of megabytes
        while chunk := stream.read(1 << 20):
            block = tail + chunk  # the tail: a tag cut in two by the chunking
            formulas += sum(1 for m in _FORMULA_TAG.finditer(block) if m.end() > len(tail))
            rows += sum(1 for m in _ROW_TAG.finditer(block) if m.end() > len(tail))
            tail = block[-64:]
    return formulas, rows


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
        values = values_book[title].iter_rows(values_only=True, max_col=MAX_COLUMNS)
        if formula_book is None:
            yield from enumerate(values, start=1)
            return
        formulas = formula_book[title].iter_rows(values_only=True, max_col=MAX_COLUMNS)
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
            check_row_count(number, 0)
            if not _blank_record(record):
                header_number, headers = number, clean_headers(record)
                break
    finally:
        records.close()
    if not headers:
        return None

    def rows() -> Iterator[Row]:
        for number, record in _sheet_records(data, title, with_formulas):
            check_row_count(number, header_number)  # blank rows too: they cost time
            if number <= header_number or _blank_record(record):
                continue
            yield Row(number, dict(zip(headers, record, strict=False)))

    return Table(name, headers, rows, sheet=title, kind_hint=kind_of_name(title))


def _blank_record(record: tuple[Any, ...]) -> bool:
    """Whether a row is empty; the common empty row (all None) is told at C speed."""
    return record.count(None) == len(record) or all(blank(cell) for cell in record)
