"""Admins load data by sending a file in chat; others are refused and nothing is stored."""

from pathlib import Path

from sqlmodel import Session, func, select

from bot.i18n import translator
from bot.models import ImportUpload, Space, TrainingSession

FR = translator("fr")
SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
SUPER_ADMIN = 1000


def _count(engine, model) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


async def test_admin_previews_then_imports_a_spreadsheet(chat, sqlite_engine) -> None:
    admin = chat.user(SUPER_ADMIN, "Admin")
    [preview] = await chat.do(
        admin, "upload_document", (SAMPLE / "spaces.csv").read_bytes(), "spaces.csv"
    )
    assert "38 espaces" in preview.plain
    assert [b.text for row in preview.buttons for b in row] == [
        FR("admin.button_import"),
        FR("admin.button_cancel_import"),
    ]
    assert _count(sqlite_engine, Space) == 0  # a preview writes nothing
    await chat.press(admin, label=FR("admin.button_import"), message_id=preview.message_id)
    assert _count(sqlite_engine, Space) == 38
    [done] = [e for e in chat.sandbox.transcript(admin.id) if e.message_id == preview.message_id]
    assert done.plain.startswith("Import terminé")

    # The same button again (a double tap) does nothing more.
    await chat.press(admin, message_id=preview.message_id, data="imp:ok:whatever")
    assert chat.sandbox.callback_answers(admin.id)[-1][1] == FR("admin.import_expired")


async def _bad_seats_after_spaces(chat):
    """The spaces loaded, then bad_seats.csv sent: (the admin, the preview)."""
    admin = chat.user(SUPER_ADMIN, "Admin")
    await chat.do(admin, "upload_document", (SAMPLE / "spaces.csv").read_bytes(), "spaces.csv")
    await chat.press(admin, label=FR("admin.button_import"))
    bad = (SAMPLE / "bad" / "bad_seats.csv").read_bytes()
    [report] = await chat.do(admin, "upload_document", bad, "bad_seats.csv")
    return admin, report


async def test_a_bad_file_offers_only_its_valid_rows(chat, sqlite_engine) -> None:
    _admin, report = await _bad_seats_after_spaces(chat)
    assert "« douze » n'est pas un nombre de places" in report.plain
    # Line 2 is valid: it may be loaded alone; [Importer] is not offered.
    assert [b.text for row in report.buttons for b in row] == [
        FR("admin.button_import_valid", count=1),
        FR("admin.button_cancel_import"),
    ]
    assert _count(sqlite_engine, TrainingSession) == 0


async def test_the_valid_rows_of_a_refused_file_can_be_imported(chat, sqlite_engine) -> None:
    admin, report = await _bad_seats_after_spaces(chat)
    label = FR("admin.button_import_valid", count=1)
    await chat.press(admin, label=label, message_id=report.message_id)
    assert _count(sqlite_engine, TrainingSession) == 1
    [done] = [e for e in chat.sandbox.transcript(admin.id) if e.message_id == report.message_id]
    assert done.plain.startswith("Import terminé : 1 session créée ; 1 organisme créé.")
    assert "Lignes ignorées :" in done.plain
    document = chat.last(admin)  # the rows skipped, to fix and send again
    assert (document.kind, document.file_name) == ("document", FR("admin.skipped_file_name"))
    lines = document.file_bytes.decode("utf-8-sig").splitlines()
    assert lines[0] == "file,row,column,value,problem,suggestion,severity"
    assert len(lines) == 1 + 4  # SEATS-002 to 005: empty, 0, -3, "douze"
    assert lines[1].startswith("bad_seats.csv,ligne 3,seats,,")
    assert lines[4].startswith("bad_seats.csv,ligne 6,seats,douze,")


async def test_a_file_without_valid_rows_offers_no_button(chat, sqlite_engine) -> None:
    admin = chat.user(SUPER_ADMIN, "Admin")
    bad = (SAMPLE / "bad" / "bad_seats.csv").read_bytes()  # no space loaded: every row bad
    [report] = await chat.do(admin, "upload_document", bad, "bad_seats.csv")
    assert report.buttons == []
    assert _count(sqlite_engine, TrainingSession) == 0


async def test_a_long_problem_list_comes_as_a_csv_document(chat, sqlite_engine) -> None:
    admin = chat.user(SUPER_ADMIN, "Admin")
    header, row = (SAMPLE / "bad" / "bad_seats.csv").read_text(encoding="utf-8").splitlines()[:2]
    rows = [row.replace("SEATS-001", f"LONG-{i:03d}").replace(",8,", ",douze,") for i in range(40)]
    data = "\n".join([header, *rows]).encode()
    document, report = await chat.do(admin, "upload_document", data, "long.csv")
    assert document.kind == "document"
    assert document.file_name == "problemes-import.csv"
    lines = document.file_bytes.decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 40 + 0  # header, then every problem
    assert lines[0] == "file,row,column,value,problem,suggestion,severity"
    assert "… et " in report.plain  # the message lists the first ones only
    assert _count(sqlite_engine, TrainingSession) == 0


async def test_every_problem_of_2500_bad_rows_is_in_the_document(chat, sqlite_engine) -> None:
    admin = chat.user(SUPER_ADMIN, "Admin")
    header, row = (SAMPLE / "bad" / "bad_seats.csv").read_text(encoding="utf-8").splitlines()[:2]
    rows = [
        row.replace("SEATS-001", f"LONG-{i:04d}").replace(",8,", ",douze,") for i in range(2500)
    ]
    data = "\n".join([header, *rows]).encode()
    document, report = await chat.do(admin, "upload_document", data, "long.csv")
    lines = document.file_bytes.decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 2500  # not the first 1,000
    assert len(report.plain) < 4096 and "LONG-2499" not in report.plain


async def test_a_newer_file_makes_the_older_preview_stale_and_drops_its_file(
    chat, sqlite_engine
) -> None:
    admin = chat.user(SUPER_ADMIN, "Admin")
    [preview] = await chat.do(
        admin, "upload_document", (SAMPLE / "spaces.csv").read_bytes(), "spaces.csv"
    )
    assert _count(sqlite_engine, ImportUpload) == 1  # the file waits in the database
    bad = (SAMPLE / "bad" / "bad_seats.csv").read_bytes()
    await chat.do(admin, "upload_document", bad, "bad_seats.csv")
    assert _count(sqlite_engine, ImportUpload) == 0  # a bad file has no buttons to wait for
    await chat.press(admin, label=FR("admin.button_import"), message_id=preview.message_id)
    assert chat.sandbox.callback_answers(admin.id)[-1][1] == FR("admin.import_expired")
    assert _count(sqlite_engine, Space) == 0


async def test_cancel_writes_nothing(chat, sqlite_engine) -> None:
    admin = chat.user(SUPER_ADMIN, "Admin")
    [preview] = await chat.do(
        admin, "upload_document", (SAMPLE / "spaces.csv").read_bytes(), "spaces.csv"
    )
    await chat.press(admin, label=FR("admin.button_cancel_import"), message_id=preview.message_id)
    assert chat.last(admin).plain == FR("admin.import_cancelled")
    assert _count(sqlite_engine, Space) == 0


async def test_learners_files_are_refused_and_not_downloaded(chat, sqlite_engine) -> None:
    anne = chat.user(42, "Anne")
    [reply] = await chat.do(
        anne, "upload_document", (SAMPLE / "spaces.csv").read_bytes(), "spaces.csv"
    )
    assert reply.plain == FR("admin.upload_not_allowed")
    assert chat.sandbox.calls_for("getFile") == []
    assert _count(sqlite_engine, Space) == 0


async def test_binary_file_named_csv_is_rejected_whole(chat, sqlite_engine) -> None:
    admin = chat.user(SUPER_ADMIN, "Admin")
    binary = (SAMPLE / "bad" / "binary.csv").read_bytes()
    [report] = await chat.do(admin, "upload_document", binary, "binary.csv")
    assert "ce n'est pas un fichier texte" in report.plain
    assert report.buttons == []


async def test_every_format_loads_through_the_chat(chat, sqlite_engine) -> None:
    admin = chat.user(SUPER_ADMIN, "Admin")
    expected_sessions = 0
    for name, sessions in [
        ("spaces.csv", 0),
        ("sessions.xlsx", 27),
        ("spaces.json", 0),
        ("sessions.json", 20),
        ("offre.lheo.xml", 12),
    ]:
        [preview] = await chat.do(admin, "upload_document", (SAMPLE / name).read_bytes(), name)
        if name == "spaces.json":  # the same spaces as spaces.csv: nothing to import
            assert (preview.plain, preview.buttons) == (FR("importer.words.nothing"), [])
            continue
        await chat.press(admin, label=FR("admin.button_import"), message_id=preview.message_id)
        expected_sessions += sessions
        assert _count(sqlite_engine, TrainingSession) == expected_sessions, name
