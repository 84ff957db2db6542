"""The terminal chat of the demo: a person types, the sandbox delivers, the transcript prints.

Grammar (one line each):
  plain text        a message from the current user
  [n]               press button n (1-based, reading order) of the latest message with buttons
  /loc PLACE        share a location (a commune name, or LAT,LON)
  /file PATH        upload a document
  /user NAME        become another person (`admin` is an admin of the demo, `tuteur` a tutor)
  /quit             leave (end of input does the same)
Any other line starting with "/" is a bot command sent as text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

logger = logging.getLogger(__name__)

PRESS = re.compile(r"^\[(\d+)\]$")
LAT_LON = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[,; ]\s*(-?\d+(?:\.\d+)?)\s*$")


class CommandError(Exception):
    """A line of the grammar could not be carried out; the message says why."""


@dataclass
class DemoPeople:
    """The people of the demo: names mapped to distinct Telegram users."""

    admin_id: int
    tutor_id: int = 900001  # linked to tutor T01 by data/sample/tutors.csv
    company_id: int = 800001  # the company whose request the demo holds (bot/companies/demo)
    next_id: int = 2001
    ids: dict[str, int] = field(default_factory=dict)

    def id_for(self, name: str) -> int:
        key = name.strip().lower()
        if key == "admin":
            return self.admin_id
        if key in ("tuteur", "tutrice", "tutor"):
            return self.tutor_id
        if key in ("entreprise", "company"):
            return self.company_id
        if key not in self.ids:
            self.ids[key] = self.next_id
            self.next_id += 1
        return self.ids[key]


@dataclass
class Action:
    """What one line asks for: a kind and its arguments."""

    kind: str  # text | press | location | file | user | quit | empty
    text: str = ""
    index: int = 0
    latitude: float = 0.0
    longitude: float = 0.0
    path: Path | None = None


def parse_line(line: str, *, geocode: Callable[[str], tuple[float, float] | None]) -> Action:
    """Turn one typed line into an action (raises CommandError with a reason)."""
    stripped = line.strip()
    if not stripped:
        return Action("empty")
    if match := PRESS.match(stripped):
        return Action("press", index=int(match.group(1)))
    head, _, rest = stripped.partition(" ")
    rest = rest.strip()
    if head == "/quit":
        return Action("quit")
    if head == "/user":
        if not rest:
            raise CommandError("usage: /user NAME")
        return Action("user", text=rest)
    if head == "/loc":
        if not rest:
            raise CommandError("usage: /loc PLACE or /loc LAT,LON")
        if match := LAT_LON.match(rest):
            return Action(
                "location", latitude=float(match.group(1)), longitude=float(match.group(2))
            )
        point = geocode(rest)
        if point is None:
            raise CommandError(f"unknown place: {rest}")
        return Action("location", latitude=point[0], longitude=point[1])
    if head == "/file":
        if not rest:
            raise CommandError("usage: /file PATH")
        path = Path(rest).expanduser()
        if not path.is_file():
            raise CommandError(f"no such file: {rest}")
        return Action("file", path=path)
    return Action("text", text=line.rstrip("\n"))


def render_entry(entry: Any, *, edited: bool = False) -> list[str]:
    """Lines for one bot message as the person sees it (buttons as `[1] Label`)."""
    lines = _message_lines(entry, "Proxi (modifié)" if edited else "Proxi")
    labels = [button.text for row in entry.buttons for button in row]
    if labels:
        lines.append("    " + "  ".join(f"[{i}] {label}" for i, label in enumerate(labels, 1)))
    if entry.reply_keyboard:
        keys = [str(key.get("text", "")) for row in entry.reply_keyboard for key in row]
        lines.append("    clavier : " + " | ".join(keys))
    return lines


def _message_lines(entry: Any, who: str) -> list[str]:
    """The message itself, by kind: a venue, a location, a file, or text."""
    if entry.kind == "venue":
        return [
            f"{who} > [lieu] {entry.title}, {entry.address} "
            f"({entry.latitude:.5f}, {entry.longitude:.5f})"
        ]
    if entry.kind == "location":
        return [f"{who} > [position] {entry.latitude:.5f}, {entry.longitude:.5f}"]
    if entry.kind in ("document", "photo"):
        size = len(entry.file_bytes or b"")
        lines = [f"{who} > [fichier] {entry.file_name or entry.kind} ({size} octets)"]
        if entry.text:
            lines.append(f"    {entry.plain}")
        return lines
    body = entry.plain.splitlines() or [""]
    return [f"{who} > {body[0]}", *(f"    {rest}" for rest in body[1:])]


def write_lines(out: TextIO, lines: list[str]) -> None:
    for line in lines:
        out.write(line + "\n")
    out.flush()
