"""Reading a JSON file: a list of objects, or lists under "spaces"/"sessions"/"tutors".

Hostile structure is refused with a `FileProblem`, never a traceback: nesting thousands deep
(the parser's RecursionError), integers longer than `MAX_DIGITS`
(Python refuses to convert more than 4,300 digits; no field needs more than 20), more than
`MAX_ROWS` objects. A key repeated in one object is a warning naming it (the last value wins,
as in every JSON parser).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from bot.importer.columns import Kind, kind_of_name
from bot.importer.encoding import CONTROL_CHARS, decode_text
from bot.importer.problems import ITEM, FileProblem, Problem
from bot.importer.tables import MAX_ROWS, FileContent, Row, Table, blank

logger = logging.getLogger(__name__)

MAX_DIGITS = 20


def read_json(name: str, data: bytes) -> FileContent:
    """The tables of a JSON file, and a warning for each key repeated in an object."""
    text = decode_text(data, allow_cp1252=False)
    repeated: dict[str, int] = {}
    try:
        document = json.loads(
            text,
            object_pairs_hook=lambda pairs: _object(pairs, repeated),
            parse_int=_integer,
        )
    except json.JSONDecodeError as exc:
        raise FileProblem("bad_json", line=exc.lineno, column=exc.colno) from None
    except RecursionError:  # nested thousands deep: the parser gives up
        raise FileProblem("json_too_deep") from None
    warnings = [
        Problem(name, None, None, "json_repeated_key", {"key": key, "count": count})
        for key, count in repeated.items()
    ]
    return FileContent(_tables(name, document), warnings)


def _integer(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_DIGITS:
        raise FileProblem("json_number_too_long", digits=len(digits), max=MAX_DIGITS)
    return int(digits)


def _object(pairs: list[tuple[str, Any]], repeated: dict[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            repeated[key] = repeated.get(key, 0) + 1
        if isinstance(value, str) and CONTROL_CHARS.search(value):  # written as \u0007
            char = CONTROL_CHARS.search(value)
            assert char is not None
            raise FileProblem("json_control_char", key=key, char=f"U+{ord(char.group()):04X}")
        result[key] = value
    return result


def _tables(name: str, document: object) -> list[Table]:
    if isinstance(document, list):
        return [_table(name, document, None)]
    if isinstance(document, dict) and document:
        tables = []
        for key, items in document.items():
            kind = kind_of_name(key)
            if kind is None or not isinstance(items, list):
                raise FileProblem("json_shape")
            tables.append(_table(name, items, kind))
        return tables
    raise FileProblem("json_shape")


def _table(name: str, items: list[object], kind: Kind | None) -> Table:
    if len(items) > MAX_ROWS:
        raise FileProblem("too_many_rows", max=MAX_ROWS)
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
            if any(not blank(v) for v in values.values()):
                yield Row(index, values)

    return Table(name, list(headers), rows, unit=ITEM, kind_hint=kind)
