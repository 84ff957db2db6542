"""Reading `.dlg` files into conversations (the format is described in the package docstring)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent

# One line of a conversation: its kind and its argument.
KINDS = {
    ">": "send",
    "<": "expect",
    "!": "forbid",
    "^": "first_line",
    "user:": "user",
    "file:": "file",
    "setup:": "setup",
    "clock:": "clock",
    "sticker:": "sticker",
    "location:": "location",
    "sweep:": "sweep",
}
BUTTON = re.compile(r"^\[\s*(.+?)\s*\]\s*(?:#.*)?$")


@dataclass(frozen=True)
class Step:
    kind: str
    argument: str
    line: int


@dataclass
class Dialogue:
    title: str
    path: Path
    line: int
    steps: list[Step] = field(default_factory=list)

    @property
    def name(self) -> str:
        """A pytest id: the file's stem and the title."""
        return f"{self.path.stem}: {self.title}"


class ScriptError(ValueError):
    """A line the format does not know."""


def parse_line(text: str, number: int) -> Step | None:
    """One step, or None for a blank line or a comment."""
    line = text.strip()
    if not line or (line.startswith("#") and not line.startswith("# title:")):
        return None
    button = BUTTON.match(line)
    if button:
        return Step("press", button.group(1), number)
    for prefix, kind in KINDS.items():
        if line.startswith(prefix):
            return Step(kind, line[len(prefix) :].strip(), number)
    raise ScriptError(f"line {number}: what is {line!r}? (see tests/dialogues/__init__.py)")


def read(path: Path) -> list[Dialogue]:
    """The conversations of one file; each starts at a `# title:` line."""
    dialogues: list[Dialogue] = []
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if text.strip().startswith("# title:"):
            title = text.split(":", 1)[1].strip()
            dialogues.append(Dialogue(title, path, number))
            continue
        step = parse_line(text, number)
        if step is None:
            continue
        if not dialogues:
            raise ScriptError(f"{path.name}:{number}: a step before any '# title:'")
        dialogues[-1].steps.append(step)
    return dialogues


def every_dialogue(directory: Path = HERE) -> list[Dialogue]:
    """All conversations of the `.dlg` files, in file order."""
    return [d for path in sorted(directory.glob("*.dlg")) for d in read(path)]
