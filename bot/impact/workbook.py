"""The XLSX an organisation puts in its CSR report: quarters, sessions, method.

Only aggregates: one row per quarter, one row per session (title, date, space, counts),
never a learner. Column titles and the method come from the catalogs (`impact.toml`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.i18n import Translator
from bot.impact.distances import ROAD_FACTOR
from bot.impact.service import HOURS_PER_DAY, MAX_DAYS, Method, QuarterImpact

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

QUARTER_COLUMNS = ("quarter", "learners", "places", "days", "km", "kg", "unknown_town")
SESSION_COLUMNS = ("quarter", "title", "date", "space", "city", "learners", "days", "km", "kg")


def impact_workbook(
    quarters: Sequence[QuarterImpact], *, method: Method, t: Translator, scope_label: str
) -> bytes:
    """The workbook: "quarters" (one row each), "sessions" (each quarter's), "method"."""
    from openpyxl import Workbook  # when used: importing it costs every CLI start 0.2 s

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = t("impact.xlsx.sheet_quarters")
    _append(sheet, [t(f"impact.xlsx.col_{name}") for name in QUARTER_COLUMNS])
    for q in quarters:
        _append(
            sheet,
            [str(q.quarter), q.learners, q.places, q.days, round(q.km, 1), round(q.kg_co2e, 1),
             q.unknown_town],
        )  # fmt: skip
    sessions = book.create_sheet(t("impact.xlsx.sheet_sessions"))
    _append(sessions, [t(f"impact.xlsx.col_{name}") for name in SESSION_COLUMNS])
    for q in quarters:
        for s in q.sessions:
            _append(
                sessions,
                [str(q.quarter), s.title, s.starts_at.astimezone(t.tz).date(), s.space, s.city,
                 s.learners, s.days, round(s.km, 1), round(s.km * method.co2_kg_per_km, 1)],
            )  # fmt: skip
    notes = book.create_sheet(t("impact.xlsx.sheet_method"))
    for line in method_lines(method, t, scope_label=scope_label):
        _append(notes, [line])
    for ws in (sheet, sessions, notes):
        ws.column_dimensions["A"].width = 14 if ws is not notes else 120
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def method_lines(method: Method, t: Translator, *, scope_label: str) -> list[str]:
    """The method in full: what counts, how far, how many days, which factor."""
    values = {
        "population": t.number(method.min_population),
        "road_factor": t.number(ROAD_FACTOR),
        "factor": t.number(method.co2_kg_per_km),
        "hours": HOURS_PER_DAY,
        "max_days": MAX_DAYS,
        "scope": scope_label,
    }
    return [t(f"impact.method.line{n}", **values) for n in range(1, 8)]


def _append(sheet: Worksheet, values: list[object]) -> None:
    """A row whose text is stored as text: a title starting with "=" is never a formula."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"
