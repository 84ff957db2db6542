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


async def test_a_bad_file_gets_the_report_and_no_import_button(chat, sqlite_engine) -> None:
    admin = chat.user(SUPER_ADMIN, "Admin")
    await chat.do(admin, "upload_document", (SAMPLE / "spaces.csv").read_bytes(), "spaces.csv")
    await chat.press(admin, label=FR("admin.button_import"))
    bad = (SAMPLE / "bad" / "bad_seats.csv").read_bytes()
    [report] = await chat.do(admin, "upload_document", bad, "bad_seats.csv")
    assert "« douze » n'est pas un nombre de places" in report.plain
    assert report.buttons == []
    assert _count(sqlite_engine, TrainingSession) == 0


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
        await chat.press(admin, label=FR("admin.button_import"), message_id=preview.message_id)
        expected_sessions += sessions
        assert _count(sqlite_engine, TrainingSession) == expected_sessions, name
