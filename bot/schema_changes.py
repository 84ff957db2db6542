"""Whether a migration is safe to run while the previous version of the bot still runs.

The rule (README, "Deploying"): after the initial schema, migrations are additive. New tables,
new indexes, new columns that are nullable or have a server default: the older code neither
reads nor writes them, and its INSERTs still succeed. Dropping or renaming a table or column,
changing a column (`alter_column`), a NOT NULL column without a server default, or raw SQL
(`execute`, which may rewrite data) can break the version still running.

Such an operation is allowed only with a `# not additive: <why>` comment in `upgrade()`;
`python -m bot migrate` then prints that reason before applying it, so the operator stops the
old version first. `tests/integration/test_migrations.py` checks every revision.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.db import MIGRATIONS_DIR, current_revision

INITIAL = "0001"
# Operations that can break the code of the version before.
BREAKING = frozenset(
    {
        "drop_table", "drop_column", "drop_index", "drop_constraint", "alter_column",
        "rename_table", "execute", "create_primary_key",
    }
)  # fmt: skip
_NOTE = re.compile(r"#\s*not additive:\s*(.+)")
_REVISION = re.compile(r'^revision\s*(?::\s*str\s*)?=\s*"([^"]+)"', re.MULTILINE)


@dataclass(frozen=True)
class Revision:
    """One migration file as the safety rule sees it."""

    revision: str
    path: Path
    breaking: tuple[str, ...]  # what in upgrade() may break the previous version
    note: str | None  # the `# not additive:` reason, when the author gave one


def breaking_operations(source: str) -> tuple[tuple[str, ...], str | None]:
    """The breaking calls in the source's `upgrade()`, and its `# not additive:` note."""
    tree = ast.parse(source)
    upgrade = next(
        node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "upgrade"
    )
    calls = sorted(
        (call.lineno, call.func.attr)
        for call in ast.walk(upgrade)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and (call.func.attr in BREAKING or _required_column(call))
    )
    found = [f"{name} (line {line})" for line, name in calls]
    body = ast.get_source_segment(source, upgrade) or ""
    note = _NOTE.search(body)
    return tuple(found), note.group(1).strip() if note else None


def _required_column(call: ast.Call) -> bool:
    """`add_column(Column(..., nullable=False))` without a server default: the older code's
    INSERTs, which do not know the column, would fail."""
    if call.func.attr != "add_column":  # type: ignore[attr-defined]  # checked by the caller
        return False
    for column in (a for a in call.args if isinstance(a, ast.Call)):
        words = {k.arg: k.value for k in column.keywords}
        nullable = words.get("nullable")
        required = isinstance(nullable, ast.Constant) and nullable.value is False
        if required and "server_default" not in words:
            return True
    return False


def revisions() -> list[Revision]:
    """Every migration but the initial one, in file-name order."""
    found = []
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        match = _REVISION.search(source)
        if match is None or match.group(1) == INITIAL:
            continue
        breaking, note = breaking_operations(source)
        found.append(Revision(match.group(1), path, breaking, note))
    return found


def pending_warnings(engine: Engine) -> list[str]:
    """Sentences about the not-additive revisions `migrate` is about to apply."""
    from alembic.script import ScriptDirectory

    from bot.db import alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    current = current_revision(engine)
    pending = {
        rev.revision
        for rev in script.iterate_revisions("heads", current)  # newest first, down to current
        if rev.revision != current
    }
    return [
        f"Revision {rev.revision} is not additive ({rev.note}): stop the running bot before "
        "migrating, or it may fail until the new version starts."
        for rev in revisions()
        if rev.revision in pending and (rev.breaking or rev.note)
    ]
