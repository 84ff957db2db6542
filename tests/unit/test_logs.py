"""The log format an operator reads: plain or JSON lines, users hashed, update context."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from bot.observability.logs import configure_logging, hash_user, update_context, user_ref


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_a_user_is_a_short_salted_digest() -> None:
    digest = hash_user(42, "salt")
    assert digest is not None and len(digest) == 12 and "42" not in digest
    assert digest == hash_user(42, "salt") != hash_user(42, "other") != hash_user(43, "salt")
    assert hash_user(None, "salt") is None


def test_plain_lines_carry_the_update_being_processed(restore_logging, capsys) -> None:
    configure_logging("INFO", "plain")
    logger = logging.getLogger("bot.example")
    logger.info("before")
    token = update_context.set({"update_id": 812, "user": "3f2a9c01d4e7"})
    try:
        logger.info("a seat was booked")
        logger.debug("never shown at INFO")
    finally:
        update_context.reset(token)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    assert lines[0].endswith(" INFO bot.example: before")
    assert lines[1].endswith(" INFO bot.example: a seat was booked [update 812 user 3f2a9c01d4e7]")


def test_json_lines_hold_the_fields_and_the_traceback(restore_logging, capsys) -> None:
    configure_logging("INFO", "json")
    logger = logging.getLogger("bot.example")
    token = update_context.set({"update_id": 7, "user": "abcdefabcdef"})
    try:
        try:
            raise ValueError("boom")
        except ValueError:
            logger.exception("it failed")
    finally:
        update_context.reset(token)
    logging.getLogger("httpx").info("chatty library, turned down")
    [line] = capsys.readouterr().err.splitlines()
    entry = json.loads(line)
    assert {k: entry[k] for k in ("level", "logger", "message", "update_id", "user")} == {
        "level": "ERROR",
        "logger": "bot.example",
        "message": "it failed",
        "update_id": 7,
        "user": "abcdefabcdef",
    }
    assert "ValueError: boom" in entry["exc"]
    assert entry["ts"].endswith("+00:00")


def test_lines_outside_an_update_name_a_person_by_the_installation_salt(restore_logging) -> None:
    configure_logging("INFO", "plain", salt="pepper")
    assert user_ref(42) == f"user:{hash_user(42, 'pepper')}"
    configure_logging("INFO", "plain", salt="other")
    assert user_ref(42) != f"user:{hash_user(42, 'pepper')}"
