"""A demand report as data: JSON (`demand --json`), CSV and XLSX (`--csv`, `--xlsx`, and the
chat's document later). Column names are the `DemandRow` field names, so a script reads the
same keys in all three; text cells pass through `spreadsheet_safe()`."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, fields
from pathlib import Path
from typing import IO, Any

from bot.demand.model import DemandReport, DemandRow
from bot.importer.values import spreadsheet_safe

COLUMNS = tuple(f.name for f in fields(DemandRow))


def as_json(report: DemandReport) -> dict[str, Any]:
    """The report as plain JSON data."""
    data = asdict(report)
    data["spaces"] = [
        {"name": name, "latitude": lat, "longitude": lon} for name, lat, lon in report.spaces
    ]
    return data


def _cells(row: DemandRow) -> list[Any]:
    values = asdict(row)
    return [
        spreadsheet_safe(value) if isinstance(value, str) else value
        for value in (values[name] for name in COLUMNS)
    ]


def write_csv(report: DemandReport, target: str | Path | IO[bytes]) -> None:
    """The rows as CSV (UTF-8 with BOM, `;`, what French spreadsheets open directly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(COLUMNS)
    for row in report.rows:
        writer.writerow(["" if v is None else v for v in _cells(row)])
    data = buffer.getvalue().encode("utf-8-sig")
    if isinstance(target, (str, Path)):
        Path(target).write_bytes(data)
    else:
        target.write(data)


def write_xlsx(report: DemandReport, target: str | Path | IO[bytes]) -> None:
    """The rows in a sheet "demande", and the report's scope and k-anonymity in "infos"."""
    from openpyxl import Workbook  # imported when used: 0.2 s of every CLI start otherwise

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = "demande"
    sheet.append(list(COLUMNS))
    for row in report.rows:
        sheet.append(_cells(row))
    info = workbook.create_sheet("infos")
    for key in ("scope", "days", "k", "hidden_cells", "total_searches", "organisation"):
        value = getattr(report, key)
        info.append([key, spreadsheet_safe(value) if isinstance(value, str) else value])
    workbook.save(target)
