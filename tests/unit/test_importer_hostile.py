"""Hostile or garbled files: refused with a problem that says where, never a traceback and
never imported as mojibake (encodings, control characters, deep JSON, huge numbers, rows)."""

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.importer import tables
from bot.importer.problems import FileProblem
from bot.importer.reader import read_file

SAMPLE_BAD = Path(__file__).resolve().parents[2] / "data" / "sample" / "bad"
HEADER = "session_id,title,organisation,space_id,start,end,seats\n"
ROW = "S1,Écrire un CV – niveau 1,Org,esp-1,2027-03-02 09:00,2027-03-02 12:00,8\n"


def _refused(name: str, data: bytes) -> FileProblem:
    with pytest.raises(FileProblem) as caught:
        content = read_file(name, data)
        for table in content.tables:  # some problems show only while the rows are read
            list(table.rows())
    return caught.value


def _titles(name: str, data: bytes) -> list[object]:
    return [row.values["title"] for row in read_file(name, data).tables[0].rows()]


# --- encodings -----------------------------------------------------------------------------


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_valid_utf8_is_read_as_utf8(bom) -> None:
    assert _titles("s.csv", bom + (HEADER + ROW).encode()) == ["Écrire un CV – niveau 1"]


def test_utf8_with_one_stray_windows_1252_byte_is_refused_with_line_and_character() -> None:
    data = (HEADER + ROW).encode() + b"S2,Excel \x96 niveau 2,Org,esp-1,x,y,8\n"
    problem = _refused("s.csv", data)
    assert (problem.code, problem.params) == (
        "stray_byte",
        {"line": 3, "char": "–", "byte": "0x96"},
    )


def test_windows_1252_is_read_when_the_whole_file_is_consistent_with_it() -> None:
    data = (HEADER + ROW).encode("cp1252")
    assert _titles("s.csv", data) == ["Écrire un CV – niveau 1"]


@pytest.mark.parametrize("codec", ["shift_jis", "gb18030", "euc-kr", "mac_roman"], ids=lambda c: c)
def test_other_encodings_are_refused_not_imported_as_mojibake(codec) -> None:
    text = {
        "shift_jis": "研修の日程、会場：東京都千代田区。申し込みは電話で。",
        "gb18030": "培训课程安排，地点：北京市海淀区。请电话报名参加。",
        "euc-kr": "교육 일정 안내, 장소: 서울특별시 중구. 전화로 신청하세요.",
        "mac_roman": "Formation «Excel» – été : œuvre, mémoire, où, ça, déjà vu… prix 10 €",
    }[codec]
    data = (HEADER + f"S1,{text},Org,esp-1,2027-03-02 09:00,2027-03-02 12:00,8\n").encode(codec)
    assert _refused("s.csv", data).code in ("encoding", "stray_byte")


def test_utf16_with_bom_is_decoded() -> None:
    assert _titles("s.csv", (HEADER + ROW).encode("utf-16")) == ["Écrire un CV – niveau 1"]


def test_utf16_without_bom_is_refused_clearly() -> None:
    assert _refused("s.csv", (HEADER + ROW).encode("utf-16-le")).code == "utf16_without_bom"


def test_json_must_be_utf8() -> None:
    data = json.dumps([{"session_id": "S1", "title": "Été"}], ensure_ascii=False)
    assert _refused("s.json", data.encode("cp1252")).code == "stray_byte"


# --- control characters --------------------------------------------------------------------


def test_control_characters_are_refused_anywhere_in_the_file() -> None:
    rows = "".join(ROW.replace("S1", f"S{i}") for i in range(1, 3000))  # beyond 64 KiB
    data = (HEADER + rows + "S9999,Bell \x07 here,Org,esp-1,x,y,8\n").encode()
    assert len(data) > 65536
    problem = _refused("s.csv", data)
    assert (problem.code, problem.params) == ("control_char", {"line": 3001, "char": "U+0007"})


def test_tabs_and_line_ends_are_not_control_problems() -> None:
    data = "session_id\ttitle\r\nS1\tÉcrire\r\n".encode()
    assert _titles("s.tsv", data) == ["Écrire"]


def test_escaped_control_characters_in_json_are_refused() -> None:
    problem = _refused("s.json", b'[{"session_id": "S1", "title": "a\\u0007b"}]')
    assert (problem.code, problem.params) == (
        "json_control_char",
        {"key": "title", "char": "U+0007"},
    )


# --- hostile JSON --------------------------------------------------------------------------


def test_json_nested_thousands_deep_is_refused() -> None:
    assert _refused("s.json", b"[" * 100_000 + b"]" * 100_000).code == "json_too_deep"


def test_json_integer_of_thousands_of_digits_is_refused() -> None:
    data = b'[{"session_id": "S1", "seats": ' + b"9" * 5000 + b"}]"
    problem = _refused("s.json", data)
    assert (problem.code, problem.params) == ("json_number_too_long", {"digits": 5000, "max": 20})


def test_repeated_json_keys_are_a_warning_naming_the_key() -> None:
    data = b'[{"session_id": "S1", "title": "A", "title": "B"}]'
    content = read_file("s.json", data)
    assert [(w.code, w.params) for w in content.warnings] == [
        ("json_repeated_key", {"key": "title", "count": 1})
    ]
    assert [row.values["title"] for row in content.tables[0].rows()] == ["B"]


# --- row limits ----------------------------------------------------------------------------


def test_csv_rows_beyond_the_limit_are_refused_while_reading(monkeypatch) -> None:
    monkeypatch.setattr(tables, "MAX_ROWS", 3)
    rows = read_file("s.csv", (HEADER + ROW * 10).encode()).tables[0].rows()
    assert [next(rows).number for _ in range(3)] == [2, 3, 4]
    with pytest.raises(FileProblem) as caught:
        next(rows)
    assert (caught.value.code, caught.value.params) == ("too_many_rows", {"max": 3})


def test_json_lists_beyond_the_limit_are_refused(monkeypatch) -> None:
    monkeypatch.setattr(tables, "MAX_ROWS", 3)
    from bot.importer import jsonfile

    monkeypatch.setattr(jsonfile, "MAX_ROWS", 3)
    assert _refused("s.json", json.dumps([{"session_id": "S"}] * 4).encode()).code == (
        "too_many_rows"
    )


def _xlsx_bomb(*, dimension: str | None) -> bytes:
    """A few kilobytes: a header, one row, and a last row at 1,048,576 (and, with
    `dimension`, a declared size of that many rows by 16,384 columns)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "sessions"
    sheet.append(HEADER.strip().split(","))
    sheet.append(ROW.strip().split(","))
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                replacement = (
                    b"" if dimension is None else f'<dimension ref="{dimension}"/>'.encode()
                )
                body = re.sub(rb"<dimension[^>]*/>", replacement, body)
                last = (
                    b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
                )
                body = body.replace(b"</sheetData>", last + b"</sheetData>")
            target.writestr(info.filename, body)
    return out.getvalue()


def test_xlsx_declaring_a_million_rows_is_refused_before_reading_them() -> None:
    data = _xlsx_bomb(dimension="A1:XFD1048576")
    assert len(data) < 20_000
    problem = _refused("bomb.xlsx", data)
    assert (problem.code, problem.params) == ("too_many_rows", {"max": tables.MAX_ROWS})


def test_xlsx_with_a_far_row_and_no_dimension_is_refused_while_reading() -> None:
    problem = _refused("bomb.xlsx", _xlsx_bomb(dimension=None))
    assert (problem.code, problem.params) == ("too_many_rows", {"max": tables.MAX_ROWS})


def test_xlsx_of_many_rows_without_dimension_is_refused_unread(monkeypatch) -> None:
    """The 1 MB file inflating to 280 MB (issue 9): no <dimension>, millions of <row>s. The
    rows are counted in the streamed scan, before openpyxl opens the sheet (which, looking
    for a <dimension>, used to parse it whole at each opening)."""
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    monkeypatch.setattr(tables, "MAX_ROWS", 5)
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 20
    data = _xlsx_bomb(dimension=None)  # the far row becomes 20 rows
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = re.sub(rb'<row r="1048576">.*?</row>', row, body)
            target.writestr(info.filename, body)
    opened: list[str] = []
    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", lambda *a, **k: opened.append("x"))
    problem = _refused("bomb.xlsx", out.getvalue())
    assert (problem.code, opened) == ("too_many_rows", [])


def test_declared_xlsx_size_is_read_from_the_sheet_head() -> None:
    from openpyxl import load_workbook

    from bot.importer import xlsxsize

    xlsxsize.install()
    sheet = load_workbook(io.BytesIO(_xlsx_bomb(dimension="A1:O3")), read_only=True).active
    assert (sheet.min_row, sheet.min_column, sheet.max_row, sheet.max_column) == (1, 1, 3, 15)
    sheet = load_workbook(io.BytesIO(_xlsx_bomb(dimension=None)), read_only=True).active
    assert sheet.max_row is None  # unknown: the rows are streamed and counted


def test_xlsx_rows_are_read_over_a_bounded_number_of_columns() -> None:
    rows = read_file("wide.xlsx", _xlsx_bomb(dimension="A1:XFD3")).tables[0].rows()
    first = next(rows)
    assert first.values["title"] == "Écrire un CV – niveau 1"


def test_bad_samples_are_refused_with_a_problem() -> None:
    expected = {
        "stray_byte.csv": "stray_byte",
        "shift_jis.csv": "encoding",
        "utf16_no_bom.csv": "utf16_without_bom",
        "control_char.csv": "control_char",
        "deep.json": "json_too_deep",
        "huge_number.json": "json_number_too_long",
        "rows_bomb.xlsx": "too_many_rows",
    }
    for name, code in expected.items():
        assert _refused(name, (SAMPLE_BAD / name).read_bytes()).code == code, name
