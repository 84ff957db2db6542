"""Decoding Bot API request bodies: query string, form-urlencoded, multipart and JSON.

Every parameter comes out as a string, as Telegram sees them on the wire: nested objects
(reply_markup, commands, scope...) stay JSON text, numbers and booleans stay text. Uploaded
files come out separately. The multipart parser is hand-written because `cgi` is deprecated
and the email parser is not byte-exact for binary parts.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote

logger = logging.getLogger(__name__)

_HTML5_ESCAPE_RE = re.compile(r"%(22|[01][0-9A-Fa-f])")
_PARAM_RE = re.compile(r';\s*([\w*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))')


class BodyError(ValueError):
    """The request body cannot be decoded."""


@dataclass
class UploadedFile:
    """One file part of a multipart request."""

    field: str
    filename: str
    content_type: str | None
    content: bytes


def _header_params(value: str) -> tuple[str, dict[str, str]]:
    """Split `form-data; name="x"; filename="y"` into ("form-data", {name, filename})."""
    main, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for match in _PARAM_RE.finditer(";" + rest):
        key = match.group(1).lower()
        raw = match.group(2) if match.group(2) is not None else (match.group(3) or "").strip()
        if key.endswith("*"):
            # RFC 5987: charset'lang'percent-encoded
            charset, _, encoded = raw.partition("'")
            _, _, encoded = encoded.partition("'")
            params[key[:-1]] = unquote(encoded, encoding=charset or "utf-8")
            continue
        # httpx (HTML5 form encoding) escapes `"` and control characters as %XX and doubles
        # backslashes; undo exactly that so a literal "%41" in a name survives.
        raw = re.sub(r"\\(.)", r"\1", raw)
        raw = _HTML5_ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), raw)
        params.setdefault(key, raw)
    return main.strip().lower(), params


def parse_multipart(
    body: bytes, content_type: str
) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    """Parse multipart/form-data into (fields, files)."""
    _, ct_params = _header_params(content_type)
    boundary = ct_params.get("boundary")
    if not boundary:
        raise BodyError("multipart body without boundary")
    delimiter = b"--" + boundary.encode("latin-1")
    fields: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break  # closing delimiter
        chunk = chunk.removeprefix(b"\r\n")
        head, sep, content = chunk.partition(b"\r\n\r\n")
        if not sep:
            raise BodyError("multipart part without header separator")
        content = content.removesuffix(b"\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        _, disposition = _header_params(headers.get("content-disposition", ""))
        field_name = disposition.get("name")
        if field_name is None:
            continue
        if "filename" in disposition:
            files[field_name] = UploadedFile(
                field_name, disposition["filename"], headers.get("content-type"), content
            )
        else:
            fields[field_name] = content.decode("utf-8", "replace")
    return fields, files


def _stringify(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def parse_body(
    body: bytes, content_type: str | None, query: str = ""
) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    """All parameters of a request (query string first, body wins) and its uploaded files."""
    fields = dict(parse_qsl(query, keep_blank_values=True))
    files: dict[str, UploadedFile] = {}
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if not body:
        return fields, files
    if kind == "multipart/form-data":
        parsed, files = parse_multipart(body, content_type or "")
        fields.update(parsed)
    elif kind == "application/json":
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise BodyError(f"invalid JSON body: {exc}") from exc
        if not isinstance(data, dict):
            raise BodyError("JSON body must be an object")
        fields.update({key: _stringify(value) for key, value in data.items()})
    else:
        # Form-urlencoded is PTB's default; unknown types are decoded the same way.
        text = body.decode("utf-8", "replace")
        fields.update(parse_qsl(text, keep_blank_values=True))
    return fields, files
