"""The failover scenario, shared by tests/e2e/test_failover.py and bench/bench_failover.py.

Two `python -m bot run` processes on one PostgreSQL database against the sandbox. Each round,
every chat user sends /help and the active process is SIGKILLed once a fifth are answered
(the rest queued or being handled), a replacement is started (what a supervisor does), and
the time from the kill to the new active process's first getUpdates is the takeover. Each
kill waits for the standby to be up (its lock session open), as in production between two
failures. Reminders fall due all along. At the end: how many answers each message got and
how many times each reminder went.
"""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot import reminders
from bot.leadership import APP_NAME_PREFIX
from bot.models import Enrolment, Reminder
from bot.sandbox import BotApiSandbox
from tests.e2e.conftest import BotProcess, until
from tests.factories import add_session, add_user

WAIT = 30.0  # generous: a cold interpreter start on a busy machine
HELP = "Ce que je sais faire"
FIRST_CHAT_USER, FIRST_LEARNER = 1000, 2000


@dataclass
class Outcome:
    takeovers: list[float] = field(default_factory=list)  # seconds from SIGKILL to polling
    sent: int = 0  # messages the users sent
    answers: dict[int, int] = field(default_factory=dict)  # user → /help answers received
    expected: dict[int, int] = field(default_factory=dict)  # user → /help messages sent
    # learner → reminder texts received (the map pin after it is best effort: not counted)
    reminders_sent: dict[int, int] = field(default_factory=dict)
    statuses: list[str] = field(default_factory=list)  # of the reminder rows
    logs: str = ""

    @property
    def rehandled(self) -> int:
        """Updates a new active process took over from the inbox: the only ones whose
        answer may come twice (those being handled at the kill)."""
        return len(re.findall(r"update \d+ left undone by a process that is gone", self.logs))

    @property
    def released(self) -> int:
        """Reminder claims of killed processes sent again: the only ones that may be doubled
        (those between Telegram's answer and their booking at the kill)."""
        found = re.findall(r"(\d+) reminders claimed by processes that died", self.logs)
        return sum(int(n) for n in found)

    @property
    def unanswered(self) -> int:
        return sum(max(0, n - self.answers.get(u, 0)) for u, n in self.expected.items())

    @property
    def doubled_answers(self) -> int:
        return sum(max(0, self.answers.get(u, 0) - n) for u, n in self.expected.items())

    @property
    def reminders_lost(self) -> int:
        return sum(1 for n in self.reminders_sent.values() if n == 0)

    @property
    def reminders_doubled(self) -> int:
        return sum(n - 1 for n in self.reminders_sent.values() if n > 1)


def sessions(engine: Engine) -> list[str]:
    """application_name of the Proxi processes' lock connections (active and standbys)."""
    with engine.connect() as connection:
        names = connection.execute(
            text("SELECT application_name FROM pg_stat_activity WHERE application_name LIKE :p"),
            {"p": APP_NAME_PREFIX + "%"},
        )
        return list(names.scalars())


def leader_pid(engine: Engine) -> int | None:
    """The pid (on this machine) of the process holding the leadership lock, if any."""
    with engine.connect() as connection:
        name = connection.execute(
            text(
                "SELECT a.application_name FROM pg_locks l "
                "JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE :p"
            ),
            {"p": APP_NAME_PREFIX + "%"},
        ).scalar()
    return int(name.rsplit(":", 2)[1]) if name else None


def _plan_reminders(engine: Engine, count: int, span: float) -> list[int]:
    """`count` learners enrolled in a session tomorrow, their reminders due over `span` s."""
    now = datetime.now(UTC)
    session_id = add_session(engine, now=now, seats=count + 1, starts_in=timedelta(days=1))
    ids = []
    with Session(engine) as session:
        for i in range(count):
            add_user(engine, FIRST_LEARNER + i)
            session.add(
                Enrolment(session_id=session_id, user_id=FIRST_LEARNER + i, status="enrolled")
            )
        session.commit()
    for i in range(count):
        view = reminders.schedule(
            engine,
            kind=reminders.SESSION_DAY_BEFORE,
            recipient_id=FIRST_LEARNER + i,
            due_at=now + timedelta(seconds=2 + span * i / count),
            deadline_at=now + timedelta(days=1),
            session_id=session_id,
            dedupe_key=f"failover:{i}",
            now=now,
            urgent=True,  # not held back by the quiet hours when this runs at night
        )
        assert view is not None
        ids.append(view.id)
    return ids


def run(
    sandbox: BotApiSandbox,
    engine: Engine,
    env: dict[str, str],
    cwd: Path,
    *,
    rounds: int = 3,
    users: int = 30,
    learners: int = 50,
    log: Callable[[str], None] = lambda _: None,
) -> Outcome:
    """Play the scenario; the processes are stopped when it returns."""
    outcome = Outcome()
    for i in range(learners):
        sandbox.user(FIRST_LEARNER + i, f"Learner {i}")
    reminder_ids = _plan_reminders(engine, learners, span=6.0 * rounds)
    chat_users = [FIRST_CHAT_USER + i for i in range(users)]
    for user_id in chat_users:
        sandbox.user(user_id, f"User {user_id}")
        outcome.expected[user_id] = 0
    processes = [BotProcess(env, cwd, name=f"bot-{n}") for n in range(2)]
    try:
        assert until(lambda: leader_pid(engine) is not None, WAIT), "no process became active"
        assert sandbox.wait_for(lambda: bool(sandbox.calls_for("getUpdates")), WAIT)
        for round_number in range(1, rounds + 1):
            # Every process up (the active one and a waiting standby) before the kill, so
            # the takeover measured is a standby's, not a cold start's.
            assert until(lambda: _all_up(engine, processes), WAIT), "a standby is missing"
            for user_id in chat_users:
                sandbox.send_text(user_id, "/help")
                outcome.expected[user_id] += 1
                outcome.sent += 1
            # Killed in the middle of the storm: its batch fetched (and confirmed by the next
            # poll), a few answered, the rest queued or being handled.
            answered = sum(outcome.expected.values()) - len(chat_users) + len(chat_users) // 5
            assert sandbox.wait_for(lambda n=answered: _answers(sandbox, outcome) >= n, WAIT)
            takeover = _kill_the_active_one(sandbox, engine, processes)
            processes.append(BotProcess(env, cwd, name=f"bot-{len(processes)}"))
            outcome.takeovers.append(takeover)
            log(f"round {round_number}: takeover in {takeover:.2f} s")
            answered = sandbox.wait_for(lambda: _all_answered(sandbox, outcome), WAIT)
            assert answered, f"unanswered: {_missing(sandbox, outcome)}"
        learners_ids = [FIRST_LEARNER + i for i in range(learners)]
        assert sandbox.wait_for(
            lambda: all(_count(sandbox, u, "text") for u in learners_ids), WAIT
        ), "reminders not all sent"
        # Let a late duplicate, if any, arrive before counting; and every replacement finish
        # starting (a standby, with its session), so that stopping it is a clean stop.
        sandbox.wait_for(lambda: False, 1.5)
        assert until(lambda: _all_up(engine, processes), WAIT), "a standby did not start"
    finally:
        for process in processes:
            process.stop()
        outcome.logs = "\n".join(f"--- {p.name}\n{p.output()}" for p in processes)
    for user_id in chat_users:
        outcome.answers[user_id] = _count(sandbox, user_id, "text", HELP)
    for i in range(learners):
        outcome.reminders_sent[FIRST_LEARNER + i] = _count(sandbox, FIRST_LEARNER + i, "text")
    with Session(engine) as session:
        outcome.statuses = [session.get(Reminder, i).status for i in reminder_ids]  # type: ignore[union-attr]
    return outcome


def _kill_the_active_one(
    sandbox: BotApiSandbox, engine: Engine, processes: list[BotProcess]
) -> float:
    pid = leader_pid(engine)
    active = next(p for p in processes if p.process.pid == pid)
    active.process.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    active.process.wait(WAIT)

    def polled_since() -> bool:
        return any(at > killed_at for _, _, at in sandbox.calls_for("getUpdates"))

    assert sandbox.wait_for(polled_since, WAIT), "no standby took over"
    first = min(at for _, _, at in sandbox.calls_for("getUpdates") if at > killed_at)
    return first - killed_at


def _all_up(engine: Engine, processes: list[BotProcess]) -> bool:
    """Every running process has its lock session: the active one and waiting standbys."""
    alive = sum(1 for p in processes if p.process.poll() is None)
    return len(sessions(engine)) == alive


def _answers(sandbox: BotApiSandbox, outcome: Outcome) -> int:
    return sum(_count(sandbox, user_id, "text", HELP) for user_id in outcome.expected)


def _all_answered(sandbox: BotApiSandbox, outcome: Outcome) -> bool:
    return all(
        _count(sandbox, user_id, "text", HELP) >= sent
        for user_id, sent in outcome.expected.items()
    )


def _count(sandbox: BotApiSandbox, chat_id: int, kind: str, starts: str = "") -> int:
    return sum(
        1
        for entry in sandbox.bot_messages(chat_id)
        if entry.kind == kind and entry.plain.startswith(starts)
    )


def _missing(sandbox: BotApiSandbox, outcome: Outcome) -> dict[int, list[str]]:
    """What the users with too few answers got (for a failure message)."""
    return {
        user_id: [entry.plain[:40] for entry in sandbox.bot_messages(user_id)]
        for user_id, sent in outcome.expected.items()
        if _count(sandbox, user_id, "text", HELP) < sent
    }
