"""Import outcomes in words, for the admin: a one-line summary and the problems.

Plain text in the admin's language (fr by default, en). The CLI prints it as is; the chat
handler sends the same text through `html.escape` (values come from the admin's files).

    Import terminé : 12 sessions créées, 3 sessions mises à jour ; 2 espaces créés.
    • ligne 14, colonne « seats » : « douze » n'est pas un nombre de places
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict

from bot.i18n import Translator, translator
from bot.importer.problems import PLACE, SESSION, Problem
from bot.importer.service import ImportOutcome, ImportPlan, ImportResult

logger = logging.getLogger(__name__)

MAX_LISTED = 30
MAX_IDS = 10
_SESSION_COUNTS = (
    "sessions_created",
    "sessions_updated",
    "sessions_cancelled",
    "sessions_unchanged",
)
_OTHER_COUNTS = (
    ("spaces_created", "spaces_updated", "spaces_unchanged"),
    (
        "tutors_created",
        "tutors_updated",
        "tutors_deactivated",
        "tutors_unchanged",
        "tutor_roles_granted",
    ),
    ("organisations_created",),
)


def summary_line(outcome: ImportOutcome, language: str = "fr") -> str:
    """The one-line summary: `Import terminé : 12 sessions créées, …` after an import,
    `Aperçu de l'import : …` for a preview, or the number of problems when there are some."""
    t = translator(language)
    preview = isinstance(outcome, ImportPlan)
    if not outcome.ok and not _partly_applied(outcome):
        key = "importer.summary.preview_failed" if preview else "importer.summary.failed"
        return t(key, count=outcome.problem_count)
    details = counts_in_words(asdict(outcome.counts), t, will=preview)
    if not details:
        return t("importer.summary.nothing")
    return t("importer.summary.preview" if preview else "importer.summary.done", details=details)


def counts_in_words(counts: Mapping[str, int], t: Translator, *, will: bool = False) -> str:
    """ "12 sessions créées, 3 sessions mises à jour ; 2 espaces créés" ("" when all zero);
    `counts` holds ImportCounts' fields (as the audit log keeps them)."""
    mode = "will" if will else "did"
    groups = []
    for names in (_SESSION_COUNTS, *_OTHER_COUNTS):
        parts = [
            t(f"importer.summary.{mode}.{name}", count=counts[name])
            for name in names
            if counts.get(name)
        ]
        if parts:
            groups.append(t("importer.summary.separator").join(parts))
    return t("importer.summary.group_separator").join(groups)


def _partly_applied(outcome: ImportOutcome) -> bool:
    """Written with `skip_invalid`: the problems are the rows skipped."""
    return isinstance(outcome, ImportResult) and outcome.applied and not outcome.ok


def describe(problem: Problem, t: Translator, *, with_file: bool = True) -> str:
    """One problem: "ligne 14, colonne « seats » : « douze » n'est pas un nombre de places"."""
    # Sizes and prices in the language's style ("20,5 Mo"); ids and row numbers stay as is.
    params = {k: t.number(x) if isinstance(x, float) else x for k, x in problem.params.items()}
    if "first_row" in params:  # where the duplicated id was seen first
        first = t(f"importer.where.{params.pop('first_unit', 'line')}", row=params["first_row"])
        params["first"] = t("importer.where.first", file=params["first_file"], where=first)
    message = t(f"importer.problem.{problem.code}", **params)
    location = []
    if problem.file and (with_file or problem.row is None):
        location.append(problem.file)
    if problem.row is not None:
        location.append(where(problem, t))
    if problem.column:
        location.append(column(problem, t))
    if not location:
        return message
    return t("importer.problem_line", location=", ".join(location), message=message)


def where(problem: Problem, t: Translator) -> str:
    """ "ligne 14", or for LHEO "session « S-12 » (n° 3)" (its `numero` when it has one)."""
    if problem.position:
        return t(f"importer.where.{problem.unit}_numero", row=problem.row, numero=problem.position)
    return t(f"importer.where.{problem.unit}", row=problem.row)


def column(problem: Problem, t: Translator) -> str:
    """ "colonne « seats »", or for LHEO "élément « formation/action/session/periode/debut »"."""
    if problem.unit in (SESSION, PLACE):
        return t("importer.where.element", path=problem.column)
    return t("importer.where.column", column=problem.column)


def problem_lines(
    problems: Sequence[Problem],
    total: int,
    language: str = "fr",
    *,
    files: Sequence[str] = (),
    limit: int = MAX_LISTED,
    more_key: str = "importer.report.more_problems",
) -> list[str]:
    """The first `limit` problems by file and row, one per line, then "… et 12 autres
    problèmes". The file is named when the load has several (`files`, in load order)."""
    t = translator(language)
    names = dict.fromkeys([*files, *(p.file for p in problems)])
    order = {name: i for i, name in enumerate(names)}
    ranked = sorted(problems, key=lambda p: (order[p.file], p.row or 0))
    with_file = len(order) > 1
    lines = [
        t("importer.bullet", text=describe(p, t, with_file=with_file)) for p in ranked[:limit]
    ]
    hidden = total - len(lines)
    if hidden > 0:
        lines.append(t(more_key, count=hidden))
    return lines


def change_lines(
    outcome: ImportOutcome,
    language: str = "fr",
    *,
    limit: int = MAX_IDS,
    only: tuple[str, ...] | None = None,
) -> list[str]:
    """What would be created, updated, cancelled, deactivated or linked, by id (for
    `--dry-run` and the preview); `only` these lists (e.g. the tutors') when given."""
    t = translator(language)
    lists = (
        ("sessions_created", outcome.created_sessions),
        ("sessions_updated", outcome.updated_sessions),
        ("sessions_cancelled", outcome.cancelled_sessions),
        ("spaces_created", outcome.created_spaces),
        ("spaces_updated", outcome.updated_spaces),
        ("tutors_created", outcome.created_tutors),
        ("tutors_updated", outcome.updated_tutors),
        ("tutors_deactivated", outcome.deactivated_tutors),
        ("tutors_linked", outcome.linked_tutors),
        ("organisations_created", outcome.new_organisations),
    )
    lines = []
    for label, ids in lists:
        if not ids or (only is not None and label not in only):
            continue
        shown = ", ".join(ids[:limit])
        if len(ids) > limit:
            shown += " " + t("importer.report.more_ids", count=len(ids) - limit)
        lines.append(t("importer.report.list", label=t(f"importer.report.{label}"), ids=shown))
    return lines


def warning_lines(
    outcome: ImportOutcome, language: str = "fr", *, limit: int = MAX_LISTED
) -> list[str]:
    """ "Avertissements :" and the warnings (unknown columns, ignored sheets...)."""
    if not outcome.warning_count:
        return []
    return [
        translator(language)("importer.report.warnings"),
        *problem_lines(
            outcome.warnings,
            outcome.warning_count,
            language,
            files=outcome.file_names,
            limit=limit,
            more_key="importer.report.more_warnings",
        ),
    ]


def render_report(
    outcome: ImportOutcome,
    language: str = "fr",
    *,
    limit: int = MAX_LISTED,
    with_changes: bool = False,
    max_chars: int | None = None,
) -> str:
    """Summary, then (with_changes) the ids concerned, the problems and the warnings.

    `max_chars` lists fewer problems until the text fits (a Telegram message holds 4,096
    characters, counted after HTML escaping)."""
    text = _report(outcome, language, limit, with_changes)
    while max_chars is not None and len(text) > max_chars and limit > 1:
        limit = min(limit - 1, limit * max_chars // len(text))
        text = _report(outcome, language, max(limit, 1), with_changes)
    return text


def _report(outcome: ImportOutcome, language: str, limit: int, with_changes: bool) -> str:
    t = translator(language)
    lines = [summary_line(outcome, language)]
    if with_changes and outcome.ok:
        lines += change_lines(outcome, language)
    if outcome.problem_count:
        header = "skipped" if _partly_applied(outcome) else "problems"
        lines += ["", t(f"importer.report.{header}")]
        lines += problem_lines(
            outcome.problems,
            outcome.problem_count,
            language,
            files=outcome.file_names,
            limit=limit,
        )
    if outcome.warning_count:
        lines += ["", *warning_lines(outcome, language, limit=limit)]
    return "\n".join(lines)
