"""The Alembic migrations and the SQLModel models describe the same schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from bot.db import upgrade_schema


def test_models_and_migrations_agree(engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_upgrade_is_idempotent(engine) -> None:
    upgrade_schema(engine)
    tables = set(inspect(engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_sqlite_readers_do_not_wait_for_a_writer(sqlite_engine) -> None:
    """A long write (an import) must not stall the cards and lists learners read."""
    import threading

    from sqlalchemy import text

    from bot.db import reading, unit_of_work

    read: list[int] = []
    with unit_of_work(sqlite_engine) as writer:  # holds SQLite's write lock until the end
        writer.execute(
            text("INSERT INTO organisation (name, created_at) VALUES ('x', '2026-01-01')")
        )

        def reader() -> None:
            with reading(sqlite_engine) as session:
                read.append(session.execute(text("SELECT count(*) FROM organisation")).scalar())

        thread = threading.Thread(target=reader)
        thread.start()
        thread.join(timeout=5)  # a locked reader would wait the 15 s busy timeout
        assert read == [0]  # done while the write is still open, and it saw no half-write
