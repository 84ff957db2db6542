"""`python -m bot reminders [--json]`: pending reminders with their due time in Paris."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

from bot import reminders
from bot.reminders import cli as reminders_cli
from tests.factories import add_user


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    reminders_cli.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["reminders", *argv])


def _settings(settings, engine):
    return settings.model_copy(
        update={"database_url": engine.url.render_as_string(hide_password=False)}
    )


def test_lists_pending_reminders_in_paris_time(sqlite_engine, settings, capsys) -> None:
    now = datetime(2027, 3, 27, 12, 0, tzinfo=UTC)
    add_user(sqlite_engine, 42)
    for key, due in (("b", datetime(2027, 3, 28, 9, 0, tzinfo=UTC)), ("a", now)):
        reminders.schedule(
            sqlite_engine, kind="session_day_before", recipient_id=42, due_at=due,
            dedupe_key=key, now=now,
        )  # fmt: skip
    assert reminders_cli.run(_args(), _settings(settings, sqlite_engine)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:5] == ["2027-03-27", "13:00", "CET", "session_day_before", "42"]
    assert lines[2].split()[:3] == ["2027-03-28", "11:00", "CEST"]  # after the clock change
    assert lines[-1] == "2 rappels en attente."


def test_json_output(sqlite_engine, settings, capsys) -> None:
    now = datetime(2027, 10, 30, 12, 0, tzinfo=UTC)
    add_user(sqlite_engine, 42)
    view = reminders.schedule(
        sqlite_engine, kind="k", recipient_id=42, due_at=now, dedupe_key="k", now=now
    )
    assert reminders_cli.run(_args("--json"), _settings(settings, sqlite_engine)) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["id"] == view.id
    assert row["due_at"] == "2027-10-30T12:00:00+00:00"
    assert row["due_local"] == "2027-10-30T14:00:00+02:00"
    assert (row["kind"], row["recipient_id"], row["status"]) == ("k", 42, "pending")


def test_nothing_pending(sqlite_engine, settings, capsys) -> None:
    assert reminders_cli.run(_args(), _settings(settings, sqlite_engine)) == 0
    assert capsys.readouterr().out.strip() == "Aucun rappel en attente."
