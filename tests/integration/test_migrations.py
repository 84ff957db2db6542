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


# Migrating while the older version runs (README, "Deploying") needs additive migrations.


def test_every_migration_after_the_first_is_additive_or_says_why() -> None:
    from bot.schema_changes import revisions

    found = revisions()
    assert [r.revision for r in found][:4] == ["0002", "0003", "0004", "0005"]
    unexplained = [
        f"{r.path.name}: {', '.join(r.breaking)}" for r in found if r.breaking and not r.note
    ]
    assert unexplained == [], "add `# not additive: <why>` in upgrade(), or make them additive"


def test_the_additivity_check_sees_what_breaks_an_older_version() -> None:
    from bot.schema_changes import breaking_operations

    source = """
def upgrade():
    op.create_table("x", sa.Column("id", sa.Integer()))
    op.add_column("t", sa.Column("a", sa.Integer(), nullable=True))
    op.add_column("t", sa.Column("b", sa.Boolean(), nullable=False, server_default="0"))
    op.add_column("t", sa.Column("c", sa.Integer(), nullable=False))
    with op.batch_alter_table("t") as batch:
        batch.drop_column("old")
        batch.alter_column("d", type_=sa.Text())
    op.execute("UPDATE t SET a = 1")


def downgrade():
    op.drop_table("x")
"""
    assert breaking_operations(source) == (
        (
            "add_column (line 6)",
            "drop_column (line 8)",
            "alter_column (line 9)",
            "execute (line 10)",
        ),
        None,
    )
    noted = source.replace("def upgrade():\n", "def upgrade():\n    # not additive: drops old\n")
    assert breaking_operations(noted)[1] == "drops old"


def test_migrate_names_a_pending_revision_that_is_not_additive(tmp_path, monkeypatch) -> None:
    from bot import schema_changes
    from bot.db import make_engine
    from bot.schema_changes import Revision, pending_warnings

    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade_schema(engine)
    assert pending_warnings(engine) == []  # nothing pending
    from alembic import command

    from bot.db import alembic_config

    command.downgrade(alembic_config(f"sqlite:///{tmp_path / 'old.sqlite3'}"), "0004")
    fake = Revision("0005", tmp_path / "0005.py", ("drop_column (line 3)",), "drops x")
    monkeypatch.setattr(schema_changes, "revisions", lambda: [fake])
    assert pending_warnings(engine) == [
        "Revision 0005 is not additive (drops x): stop the running bot before migrating, "
        "or it may fail until the new version starts."
    ]
    engine.dispose()
