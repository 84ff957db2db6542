"""Failover end to end (issue 14): two bot processes on PostgreSQL, a storm of messages and
due reminders, the active one SIGKILLed three times; every message is answered, every
reminder sent once, and each takeover takes well under 15 s (printed; `pytest -s`)."""

from __future__ import annotations

import pytest

from tests.conftest import POSTGRES_URL, _empty_postgres
from tests.e2e import failover

TAKEOVER_LIMIT = 15.0  # seconds, the promise


@pytest.mark.postgres
def test_killing_the_active_process_loses_and_doubles_nothing(
    sandbox, bot_env, tmp_path, postgres_engine
) -> None:
    _empty_postgres(postgres_engine)
    env = {**bot_env, "DATABASE_URL": POSTGRES_URL}
    outcome = failover.run(sandbox, postgres_engine, env, tmp_path, rounds=3, log=print)

    print("takeover times (s):", ", ".join(f"{t:.2f}" for t in outcome.takeovers))
    assert max(outcome.takeovers) < TAKEOVER_LIMIT
    assert outcome.unanswered == 0, outcome.logs
    assert outcome.doubled_answers == 0, outcome.logs
    assert (outcome.reminders_lost, outcome.reminders_doubled) == (0, 0), outcome.logs
    assert set(outcome.reminders_sent.values()) == {1}
    assert set(outcome.statuses) == {"sent"}
    assert "Traceback" not in outcome.logs
    # Two clients never polled at once: Telegram (and the sandbox) would answer 409.
    assert [c for c in sandbox.failed_calls if c.status == 409] == []
