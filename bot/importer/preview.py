"""The import preview an admin reads in chat: "Rien à changer" for a file already loaded,
else the changes in words (`bot.importer.words`) then the warnings; a refused file gets the
report of its problems (`bot.importer.report`), whose first line says nothing was imported."""

from __future__ import annotations

import logging
from dataclasses import asdict

from bot.i18n import translator
from bot.importer.report import change_lines, counts_in_words, render_report, warning_lines
from bot.importer.service import ImportOutcome, ImportPlan
from bot.importer.words import detail_lines, headline

logger = logging.getLogger(__name__)

TUTOR_LISTS = ("tutors_created", "tutors_updated", "tutors_deactivated", "tutors_linked")


def nothing_to_change(outcome: ImportOutcome) -> bool:
    """A valid file that changes nothing: already loaded (only "unchanged" counts)."""
    counts = asdict(outcome.counts)
    return outcome.ok and not any(n for name, n in counts.items() if "unchanged" not in name)


def preview_text(plan: ImportPlan, language: str = "fr", *, max_chars: int | None = None) -> str:
    """The chat's preview: "nothing to change", or the changes in words (then the warnings);
    a refused file keeps the report of its problems, whose first line says nothing was
    imported."""
    t = translator(language)
    if not plan.ok:
        return render_report(plan, language, max_chars=max_chars)
    if nothing_to_change(plan):
        return "\n".join([t("importer.words.nothing"), *warning_lines(plan, language)])
    counts = asdict(plan.counts)
    others = {k: n for k, n in counts.items() if k.split("_")[0] in ("tutors", "tutor")}
    others |= {"organisations_created": counts["organisations_created"]}
    details = [headline(t, plan.described), counts_in_words(others, t, will=True)]
    unchanged = {k: n for k, n in counts.items() if k.endswith("_unchanged")}
    lines = [
        t(
            "importer.words.preview",
            details=t("importer.summary.group_separator").join(d for d in details if d),
        ),
        *detail_lines(t, plan.described),
        *change_lines(plan, language, only=TUTOR_LISTS),  # tutors have no title or town
    ]
    if any(unchanged.values()):
        lines.append(t("importer.words.unchanged", details=counts_in_words(unchanged, t)))
    lines += warning_lines(plan, language)
    text = "\n".join(lines)
    if max_chars is not None and len(text) > max_chars:
        text = text[: max_chars - 1] + "…"
    return text
