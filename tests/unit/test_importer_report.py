"""What the admin reads: the one-line summary and the problems, in French and English."""

import pytest

from bot.i18n import translator
from bot.importer.problems import Problem
from bot.importer.report import change_lines, describe, render_report, summary_line
from bot.importer.service import ImportCounts, ImportPlan, ImportResult


def _outcome(cls=ImportResult, *, counts=None, problems=(), total=None, warnings=(), **kw):
    fields = dict(
        file_names=kw.pop("file_names", ("sessions.csv",)),
        counts=counts or ImportCounts(),
        problems=list(problems),
        problem_count=len(problems) if total is None else total,
        warnings=list(warnings),
        warning_count=len(warnings),
        created_sessions=[],
        updated_sessions=[],
        cancelled_sessions=[],
        changed_sessions=[],
        created_spaces=[],
        updated_spaces=[],
        new_organisations=[],
    )
    fields.update(kw)
    if cls is ImportResult:
        fields["applied"] = fields["problem_count"] == 0
    return cls(**fields)


COUNTS = ImportCounts(
    spaces_created=2, sessions_created=12, sessions_updated=3, sessions_cancelled=1,
    sessions_unchanged=40,
)  # fmt: skip


def test_summary_after_an_import() -> None:
    assert summary_line(_outcome(counts=COUNTS)) == (
        "Import terminé : 12 sessions créées, 3 sessions mises à jour, 1 session annulée, "
        "40 sessions inchangées ; 2 espaces créés."
    )
    assert summary_line(_outcome(counts=COUNTS), "en") == (
        "Import done: 12 sessions created, 3 sessions updated, 1 session cancelled, "
        "40 sessions unchanged; 2 spaces created."
    )


def test_summary_of_a_preview_and_of_nothing() -> None:
    counts = ImportCounts(sessions_created=1, spaces_unchanged=1, organisations_created=1)
    assert summary_line(_outcome(ImportPlan, counts=counts)) == (
        "Aperçu de l'import : 1 session à créer ; 1 espace inchangé ; 1 organisme à créer."
    )
    assert summary_line(_outcome()) == "Aucune donnée à importer."


def test_numbers_use_the_language_separators() -> None:
    counts = ImportCounts(sessions_created=150_000)
    assert summary_line(_outcome(counts=counts), "en") == "Import done: 150,000 sessions created."
    assert (
        summary_line(_outcome(counts=counts)) == "Import terminé : 150\u202f000 sessions créées."
    )


SEATS = Problem("sessions.csv", 14, "seats", "seats_invalid", {"value": "douze"})


def test_a_row_problem_names_line_column_and_value() -> None:
    t = translator("fr")
    assert describe(SEATS, t, with_file=False) == (
        "ligne 14, colonne « seats » : « douze » n'est pas un nombre de places"
    )
    assert describe(SEATS, translator("en"), with_file=True) == (
        "sessions.csv, line 14, column “seats”: “douze” is not a number of seats"
    )


def test_a_file_problem_names_the_file() -> None:
    problem = Problem("binary.csv", None, None, "not_text")
    assert describe(problem, translator("fr"), with_file=False) == (
        "binary.csv : ce n'est pas un fichier texte : envoyez un fichier CSV, XLSX, JSON "
        "ou XML (LHEO)"
    )


def test_duplicate_points_at_the_first_occurrence_in_its_own_unit() -> None:
    problem = Problem(
        "b.json", 2, "session_id", "duplicate_id",
        {"id": "S1", "first_file": "a.csv", "first_row": 9, "first_unit": "line"}, "item",
    )  # fmt: skip
    assert describe(problem, translator("fr"), with_file=True) == (
        "b.json, objet n° 2, colonne « session_id » : l'identifiant « S1 » est déjà utilisé "
        "(a.csv, ligne 9)"
    )


def test_failed_report_lists_problems_sorted_and_capped() -> None:
    problems = [Problem("sessions.csv", row, "seats", "seats_too_low", {"value": "0"})
                for row in range(45, 1, -1)]  # fmt: skip
    text = render_report(_outcome(problems=problems, total=50), limit=30)
    lines = text.splitlines()
    assert lines[0] == "Rien n'a été importé : 50 problèmes à corriger."
    assert lines[1:3] == ["", "Problèmes :"]
    assert lines[3] == "• ligne 2, colonne « seats » : « 0 » : il faut au moins 1 place"
    assert len(lines) == 3 + 30 + 1
    assert lines[-1] == "… et 20 autres problèmes"


def test_several_files_are_named_in_load_order() -> None:
    problems = [
        Problem("b.csv", 3, "seats", "required"),
        Problem("a.csv", None, None, "empty_file"),
    ]
    text = render_report(_outcome(problems=problems, file_names=("a.csv", "b.csv")), "en")
    assert text.splitlines()[3:] == [
        "• a.csv: the file is empty",
        "• b.csv, line 3, column “seats”: required value missing",
    ]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_warnings_follow_the_summary(language) -> None:
    warning = Problem("s.csv", None, None, "unknown_column", {"column": "couleur"})
    text = render_report(_outcome(counts=COUNTS, warnings=[warning]), language)
    assert text.splitlines()[-1] in (
        "• s.csv : colonne « couleur » inconnue, ignorée",
        "• s.csv: unknown column “couleur”, ignored",
    )


def test_dry_run_lists_ids_capped() -> None:
    created = [f"S{i}" for i in range(1, 13)]
    plan = _outcome(ImportPlan, created_sessions=created, cancelled_sessions=["X"])
    assert change_lines(plan, "fr", limit=3) == [
        "Sessions à créer : S1, S2, S3 … et 9 autres",
        "Sessions à annuler : X",
    ]


def test_chat_reports_fit_in_a_message() -> None:
    problems = [
        Problem("sessions.csv", row, "description", "too_long", {"max": 5000, "length": 6000})
        for row in range(2, 200)
    ]
    text = render_report(_outcome(problems=problems), max_chars=1000)
    assert len(text) <= 1000
    assert text.splitlines()[-1].startswith("… et ")
    assert text.splitlines()[-1].endswith(" autres problèmes")


def test_tutor_counts_in_the_summary() -> None:
    counts = ImportCounts(tutors_created=8, tutor_roles_granted=2, organisations_created=1)
    assert summary_line(_outcome(counts=counts)) == (
        "Import terminé : 8 tuteurs créés, 2 rôles de tuteur accordés ; 1 organisme créé."
    )
    counts = ImportCounts(
        sessions_unchanged=3, tutors_updated=1, tutors_deactivated=1, tutors_unchanged=6
    )
    assert summary_line(_outcome(ImportPlan, counts=counts), "en") == (
        "Import preview: 3 sessions unchanged; 1 tutor to update, 1 tutor to deactivate, "
        "6 tutors unchanged."
    )
    counts = ImportCounts(tutors_created=1, tutor_roles_granted=1)
    assert summary_line(_outcome(ImportPlan, counts=counts)) == (
        "Aperçu de l'import : 1 tuteur à créer, 1 rôle de tuteur à accorder."
    )


def test_preview_lists_tutors_by_id() -> None:
    plan = _outcome(
        ImportPlan,
        created_tutors=["T01", "T02", "T03"],
        deactivated_tutors=["T07"],
        linked_tutors=["T01"],
    )
    assert change_lines(plan, "fr") == [
        "Tuteurs à créer : T01, T02, T03",
        "Tuteurs à désactiver : T07",
        "Tuteurs à lier à leur compte Telegram : T01",
    ]
    assert change_lines(plan, "en")[2] == "Tutors to link to their Telegram account: T01"


def test_telegram_id_problems_in_words() -> None:
    problem = Problem(
        "tutors.csv", 4, "telegram_user_id", "duplicate_telegram_id",
        {"id": 900001, "first_file": "tutors.csv", "first_row": 2, "first_unit": "line"},
    )  # fmt: skip
    assert describe(problem, translator("fr"), with_file=False) == (
        "ligne 4, colonne « telegram_user_id » : le compte Telegram 900001 est déjà donné à un "
        "autre tuteur (tutors.csv, ligne 2)"
    )
    taken = Problem("t.csv", 2, "telegram_user_id", "telegram_id_taken",
                    {"id": 900001, "tutor": "T01"})  # fmt: skip
    assert describe(taken, translator("en"), with_file=False) == (
        "line 2, column “telegram_user_id”: Telegram account 900001 is already linked to tutor "
        "“T01”"
    )
