"""Frozen dataclasses to and from plain JSON data (for what a chat remembers across restarts).

`to_plain` turns a dataclass (nested dataclasses, tuples, frozensets, aware datetimes, str,
int, float, bool, None) into dicts, lists and scalars; `from_plain` rebuilds it from the
field types, so a new field with a default reads older data. Anything else is a TypeError or
a ValueError: stored data of an older shape is dropped by the caller, never half-read.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

_SCALARS = (str, int, float, bool)


def to_plain(value: Any) -> Any:
    """JSON-ready data for a dataclass value (recursively)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous: pass an aware datetime")
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [to_plain(item) for item in value]
    if isinstance(value, frozenset | set):
        return sorted(to_plain(item) for item in value)
    if value is None or isinstance(value, _SCALARS):
        return value
    raise TypeError(f"not plain data: {type(value).__name__}")


def from_plain(kind: Any, data: Any) -> Any:
    """The value of type `kind` that `to_plain` turned into `data`."""
    if kind is Any:
        return data
    origin = get_origin(kind)
    if origin is None and dataclasses.is_dataclass(kind):
        return _dataclass(kind, data)
    reader = _READERS.get(origin if origin is not None else kind)
    if reader is None:
        raise TypeError(f"cannot read {kind!r}")
    return reader(kind, data)


def _dataclass(kind: Any, data: Any) -> Any:
    if not isinstance(data, dict):
        raise TypeError(f"{kind.__name__}: expected an object")
    hints = _hints(kind)
    values = {
        f.name: from_plain(hints[f.name], data[f.name])
        for f in dataclasses.fields(kind)
        if f.init and f.name in data
    }
    return kind(**values)


@cache
def _hints(kind: type) -> dict[str, Any]:
    return get_type_hints(kind)


def _union(kind: Any, data: Any) -> Any:
    options = get_args(kind)
    if data is None and type(None) in options:
        return None
    for option in options:
        if option is type(None):
            continue
        try:
            return from_plain(option, data)
        except (TypeError, ValueError):
            continue
    raise ValueError(f"{data!r} is none of {options}")


def _literal(kind: Any, data: Any) -> Any:
    if data not in get_args(kind):
        raise ValueError(f"{data!r} is not one of {get_args(kind)}")
    return data


def _sequence(kind: Any, data: Any) -> Any:
    if not isinstance(data, list):
        raise TypeError(f"{kind!r}: expected a list")
    args = get_args(kind)
    origin = get_origin(kind)
    if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
        if len(args) != len(data):
            raise ValueError(f"{kind!r}: expected {len(args)} items")
        return tuple(from_plain(arg, item) for arg, item in zip(args, data, strict=True))
    items = [from_plain(args[0] if args else Any, item) for item in data]
    return origin(items)


def _datetime(_kind: Any, data: Any) -> datetime:
    value = datetime.fromisoformat(data)
    if value.tzinfo is None:
        raise ValueError("a stored datetime lost its time zone")
    return value


def _scalar(kind: Any, data: Any) -> Any:
    if kind is float and isinstance(data, int) and not isinstance(data, bool):
        return float(data)  # JSON writes 30.0 as 30
    if type(data) is not kind:
        raise TypeError(f"{data!r} is not a {kind.__name__}")
    return data


_READERS: dict[Any, Callable[[Any, Any], Any]] = {
    Union: _union,
    types.UnionType: _union,
    Literal: _literal,
    tuple: _sequence,
    list: _sequence,
    frozenset: _sequence,
    set: _sequence,
    datetime: _datetime,
    **{scalar: _scalar for scalar in _SCALARS},
}
