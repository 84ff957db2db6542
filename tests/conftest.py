"""Shared fixtures: databases (SQLite always, PostgreSQL when reachable), settings, clocks,
the Bot API sandbox.

PostgreSQL tests use TEST_DATABASE_URL. Without it they are skipped with a visible reason,
unless PROXI_REQUIRE_POSTGRES=1 (set by .ci/run), where a missing server fails the run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import bot.models  # noqa: F401  (registers the tables)
from bot.clock import FrozenClock
from bot.config import Settings
from bot.db import make_engine, upgrade_schema
from bot.sandbox import BotApiSandbox

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
REQUIRE_POSTGRES = os.environ.get("PROXI_REQUIRE_POSTGRES") == "1"


def pytest_report_header(config: pytest.Config) -> str:
    if POSTGRES_URL:
        return f"PostgreSQL tests: on ({POSTGRES_URL.rsplit('@', 1)[-1]})"
    return "PostgreSQL tests: SKIPPED (set TEST_DATABASE_URL to run them)"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database, copied for each test (migrating once is faster)."""
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_schema(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    """A migrated PostgreSQL database, shared by the session and emptied between tests."""
    if not POSTGRES_URL:
        message = "PostgreSQL not configured: set TEST_DATABASE_URL"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    engine = make_engine(POSTGRES_URL)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    except Exception as exc:
        message = f"PostgreSQL unreachable at TEST_DATABASE_URL: {exc.__class__.__name__}"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    upgrade_schema(engine)
    yield engine
    engine.dispose()


def recreate_postgres_schema(engine: Engine) -> None:
    """The schema as the session fixture makes it, with no planner statistics: those of
    earlier tests' rows survive TRUNCATE (autovacuum analyses busy tables) and change plans."""
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade_schema(engine)


def _empty_postgres(engine: Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[Engine]:
    """A migrated, empty database: every test using it runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "proxi.sqlite3"
        shutil.copyfile(sqlite_template, path)
        sqlite_engine = make_engine(f"sqlite:///{path}")
        yield sqlite_engine
        sqlite_engine.dispose()
    else:
        pg: Engine = request.getfixturevalue("postgres_engine")
        _empty_postgres(pg)
        yield pg


@pytest.fixture
def sqlite_engine(tmp_path: Path, sqlite_template: Path) -> Iterator[Engine]:
    """SQLite only, for tests about the bot rather than the database."""
    path = tmp_path / "proxi.sqlite3"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture
def sandbox() -> Iterator[BotApiSandbox]:
    """The offline Bot API server, running for the test."""
    with BotApiSandbox() as server:
        yield server


@pytest.fixture
def clock() -> FrozenClock:
    """Wednesday 25 November 2026, 10:00 in Paris."""
    return FrozenClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings that ignore the developer's environment and `.env`."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_bot_token="123456:SANDBOX-TOKEN",
        database_url=f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        admin_ids=frozenset({1000}),
    )
