"""The bot's Prometheus metrics, all named `proxi_*`, in a registry of its own.

Counters and histograms are fed where things happen (updates and Bot API calls by
`handlers/observing.py`, imports by `handlers/importer.py`); the reminder figures are read
from the `reminder` table at each scrape (`ReminderCollector`), so they are true across
restarts and across processes sharing the database.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.db import READ_ONLY

logger = logging.getLogger(__name__)

# Handler latencies: a search answers in tens of milliseconds, an import in seconds.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
IMPORT_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
ROLES = ("active", "standby")
REMINDER_STATES = ("pending", "sending", "sent", "expired", "failed", "cancelled")
# A scrape never waits long for the database: the figures are then absent, not stale.
SCRAPE_TIMEOUT_S = 2


@dataclass
class Metrics:
    """Every metric of one bot process; `render()` is the `/metrics` page."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    role: Callable[[], str] = lambda: "active"

    def __post_init__(self) -> None:
        r = self.registry
        self.updates = Counter(
            "proxi_updates_processed", "Updates processed, by kind and outcome",
            ["kind", "outcome"], registry=r,
        )  # fmt: skip
        self.latency = Histogram(
            "proxi_handler_latency_seconds", "Time to process one update, by handler",
            ["handler"], buckets=LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.errors = Counter(
            "proxi_handler_errors", "Exceptions that reached the error handler, by type",
            ["error"], registry=r,
        )  # fmt: skip
        self.api_calls = Counter(
            "proxi_bot_api_calls", "Bot API calls, by method and final result (ok, error)",
            ["method", "result"], registry=r,
        )  # fmt: skip
        self.api_retries = Counter(
            "proxi_bot_api_retries", "Failed Bot API attempts that were tried again, by method",
            ["method"], registry=r,
        )  # fmt: skip
        self.imports = Counter(
            "proxi_import_runs", "Data loads, by stage (preview, apply) and outcome",
            ["stage", "outcome"], registry=r,
        )  # fmt: skip
        self.import_seconds = Histogram(
            "proxi_import_duration_seconds", "Duration of data loads, by stage",
            ["stage"], buckets=IMPORT_BUCKETS, registry=r,
        )  # fmt: skip
        self.state = Gauge(
            "proxi_role", "1 for this process's role (active or standby)", ["role"], registry=r
        )
        for role in ROLES:
            self.state.labels(role).set_function(self._is(role))
        self.last_api_ok: float | None = None  # time.monotonic() of the last successful call

    def _is(self, role: str) -> Callable[[], float]:
        return lambda: float(self.role() == role)  # read at each scrape: the live state

    def watch_reminders(self, engine: Engine) -> None:
        """Publish the reminder counts of this database at each scrape."""
        self.registry.register(ReminderCollector(engine))

    def api_call(self, method: str, *, ok: bool, retries: int) -> None:
        """One Bot API call ended: `retries` failed attempts before its final result."""
        self.api_calls.labels(method, "ok" if ok else "error").inc()
        if retries:
            self.api_retries.labels(method).inc(retries)
        if ok:
            self.last_api_ok = time.monotonic()

    def seconds_since_api_ok(self) -> float | None:
        """Seconds since the last successful Bot API call (None: none yet)."""
        if self.last_api_ok is None:
            return None
        return round(time.monotonic() - self.last_api_ok, 3)

    @contextmanager
    def import_run(self, stage: str) -> Iterator[dict[str, str]]:
        """Time one load; the block sets `outcome` in the yielded dict (else "error")."""
        started = time.monotonic()
        outcome = {"outcome": "error"}
        try:
            yield outcome
        finally:
            self.imports.labels(stage, outcome["outcome"]).inc()
            self.import_seconds.labels(stage).observe(time.monotonic() - started)

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)


class ReminderCollector(Collector):
    """`proxi_reminders{status=...}`: reminder rows by status, read at each scrape."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def describe(self) -> list[GaugeMetricFamily]:
        return [GaugeMetricFamily("proxi_reminders", "Reminder rows by status", labels=["status"])]

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("proxi_reminders", "Reminder rows by status", labels=["status"])
        try:
            counts = reminder_counts(self.engine)
        except Exception as exc:  # a scrape must answer even when the database does not
            logger.warning("reminder figures unavailable: %r", exc)
        else:
            for status in sorted(set(REMINDER_STATES) | set(counts)):
                family.add_metric([status], counts.get(status, 0))
        yield family


def reminder_counts(engine: Engine) -> dict[str, int]:
    """How many reminder rows are in each status (one grouped query, short timeout)."""
    # Read-only: on SQLite it takes no write lock (bot/db.py).
    with engine.execution_options(**{READ_ONLY: True}).connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SET LOCAL statement_timeout = {SCRAPE_TIMEOUT_S * 1000}")
        rows = connection.execute(text("SELECT status, count(*) FROM reminder GROUP BY status"))
        return {str(status): int(count) for status, count in rows}
