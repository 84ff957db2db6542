"""Bytes → text for CSV and JSON files, refusing anything that would be stored garbled.

`decode_text(data)` accepts:
- UTF-8, with or without BOM (what "CSV UTF-8" in Excel writes);
- UTF-16 with its BOM ("Unicode text" in Excel), decoded properly;
- Windows-1252, only when the file is NOT valid UTF-8, holds no UTF-8 sequence at all and reads
  as plausible Western European text (letters and « » – ’ … €, not runs of symbols).

It refuses, with a `FileProblem` that says where:
- a UTF-8 file with a stray byte (an Excel copy-paste in Windows-1252): `stray_byte` names the
  line and the character, the file is never re-decoded whole as Windows-1252;
- UTF-16 without BOM (every other byte NUL): `utf16_without_bom`; other NUL bytes: `not_text`;
- bytes undefined in Windows-1252 (0x81, 0x8D, 0x8F, 0x90, 0x9D) or an implausible mix of
  symbols (Shift-JIS, GB18030, Mac Roman...): `encoding`;
- control characters anywhere in the file (tab, line ends and form feed excepted):
  `control_char`, with the line and the code point.
"""

from __future__ import annotations

import logging
import re

from bot.importer.problems import FileProblem

logger = logging.getLogger(__name__)

_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
# C0 controls but tab, LF, FF and CR; DEL; C1 controls (never typed, often a wrong decoding).
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
# A well-formed UTF-8 sequence of two bytes or more: never in Windows-1252 French text.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
# What Windows-1252 French (or Western European) text holds besides ASCII: letters and these.
_TYPOGRAPHY = set("«»–—‘’‚“”„…€°·•\xa0\u202f×÷§©®™")
_RUN = re.compile(r"[^\x00-\x7f\xa0\u202f]{3,}")  # three non-ASCII characters in a row
STRAY_BYTES_MAX = 3  # up to this many (or 1 in 10): a UTF-8 file with pasted bytes
NUL_SHARE_UTF16 = 0.3  # at least this share of NUL bytes on one parity: UTF-16 without BOM


def decode_text(data: bytes, *, allow_cp1252: bool = True) -> str:
    """The text of a file (see the module docstring); raises FileProblem when refused."""
    text = _decode(data, allow_cp1252=allow_cp1252)
    check_controls(text)
    return text


def check_controls(text: str) -> None:
    """Refuse a text holding a control character, naming its line and code point."""
    found = CONTROL_CHARS.search(text)
    if found is not None:
        raise FileProblem(
            "control_char",
            line=text.count("\n", 0, found.start()) + 1,
            char=f"U+{ord(found.group()):04X}",
        )


def _decode(data: bytes, *, allow_cp1252: bool) -> str:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _with_bom(data[len(bom) :], codec)
    if b"\x00" in data:
        raise FileProblem("utf16_without_bom" if _looks_utf16(data) else "not_text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not allow_cp1252 or _mostly_utf8(data):
            raise _stray_byte(data, exc.start) from None
    return _windows_1252(data)


def _mostly_utf8(data: bytes) -> bool:
    """UTF-8 with a few stray bytes (not a whole file in another encoding whose bytes happen
    to form some UTF-8 sequences, as Shift-JIS does)."""
    sequences = len(_UTF8_SEQUENCE.findall(data))
    if not sequences:
        return False
    stray = data.decode("utf-8", errors="replace").count("\ufffd")
    return stray <= STRAY_BYTES_MAX or stray * 10 <= sequences


def _with_bom(data: bytes, codec: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        if codec == "utf-8":
            raise _stray_byte(data, exc.start) from None
        raise FileProblem("encoding") from None


def _looks_utf16(data: bytes) -> bool:
    """Mostly-ASCII UTF-16 without BOM: NUL bytes on every other position."""
    sample = data[:65536]
    half = max(len(sample) // 2, 1)
    return max(sample[0::2].count(0), sample[1::2].count(0)) / half >= NUL_SHARE_UTF16


def _stray_byte(data: bytes, position: int) -> FileProblem:
    """A UTF-8 file with a byte that is not UTF-8: where it is and what it probably was."""
    byte = data[position : position + 1]
    try:
        char = byte.decode("cp1252")
    except UnicodeDecodeError:
        char = "?"
    return FileProblem(
        "stray_byte", line=data.count(b"\n", 0, position) + 1, char=char, byte=f"0x{byte.hex()}"
    )


def _windows_1252(data: bytes) -> str:
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D: undefined in Windows-1252
        raise FileProblem("encoding") from None
    if not plausible_western(text):
        raise FileProblem("encoding")
    return text


def plausible_western(text: str) -> bool:
    """Whether the non-ASCII characters look like Western European text: letters and common
    typography, seldom three in a row. Shift-JIS or GB18030 read as Windows-1252 give runs
    of symbols and accented letters ("ÅàÑµ", "Œ¤ƒ")."""
    others = [ch for ch in text if ord(ch) > 0x7F]
    if not others:
        return True
    odd = sum(1 for ch in others if not ch.isalpha() and ch not in _TYPOGRAPHY)
    in_runs = sum(len(run) for run in _RUN.findall(text))
    return odd * 5 <= len(others) and in_runs * 5 <= len(others)
