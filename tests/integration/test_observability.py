"""Readiness and the reminder figures read the database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from prometheus_client.parser import text_string_to_metric_families

from bot.db import alembic_config, head_revision, unit_of_work
from bot.models import Reminder
from bot.observability.health import HealthState, readiness
from bot.observability.metrics import Metrics, reminder_counts
from tests.factories import add_user

DUE = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _reminders(engine, statuses: list[str]) -> None:
    add_user(engine, 7)
    with unit_of_work(engine) as session:
        for number, status in enumerate(statuses):
            session.add(
                Reminder(
                    kind="test", dedupe_key=f"k{number}", recipient_id=7, due_at=DUE, status=status
                )
            )


def test_reminder_figures_by_status(engine) -> None:
    _reminders(engine, ["pending", "pending", "sent", "expired", "failed", "sent", "sent"])
    assert reminder_counts(engine) == {"pending": 2, "sent": 3, "expired": 1, "failed": 1}
    metrics = Metrics()
    metrics.watch_reminders(engine)
    [family] = [
        f for f in text_string_to_metric_families(metrics.render().decode())
        if f.name == "proxi_reminders"
    ]  # fmt: skip
    values = {s.labels["status"]: s.value for s in family.samples}
    assert values == {
        "pending": 2, "sending": 0, "sent": 3, "expired": 1, "failed": 1, "cancelled": 0,
    }  # fmt: skip


def test_ready_when_everything_is(engine) -> None:
    report = readiness(HealthState(engine, Metrics(), jobs_running=lambda: True))
    assert report["ready"] is True
    assert report["schema"] == {"current": head_revision(), "head": head_revision()}
    assert report["seconds_since_bot_api_ok"] is None  # no call yet


def test_not_ready_with_the_schema_behind_or_no_jobs(engine) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    command.downgrade(config, "0004")
    try:
        report = readiness(HealthState(engine, Metrics()))
    finally:
        command.upgrade(config, "head")
    assert report["ready"] is False
    assert report["problems"] == [
        f"schema at 0004, code needs {head_revision()}",
        "JobQueue not running",
    ]
