"""`python -m tests.dialogues [words]`: play every conversation (or those whose file or title
contains all the words) and print each as a transcript."""

from __future__ import annotations

import asyncio
import sys
import tempfile
import warnings
from datetime import UTC, datetime
from pathlib import Path

from bot.application import build_application, post_init
from bot.clock import FrozenClock
from bot.config import Settings
from bot.db import make_engine, upgrade_schema
from bot.sandbox import BotApiSandbox
from tests.dialogues.runner import DialogueFailed, DialogueRunner, transcript
from tests.dialogues.script import Dialogue, every_dialogue
from tests.handlers.conftest import ChatDriver

START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # as the tests' clock: Wednesday, 10:00 Paris


async def play(dialogue: Dialogue, workdir: Path) -> tuple[str, str | None]:
    """One conversation on a fresh database and sandbox: (transcript, failure or None)."""
    path = workdir / f"{abs(hash(dialogue.name))}.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_schema(engine)
    clock = FrozenClock(START)
    with BotApiSandbox() as sandbox:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            telegram_bot_token=sandbox.token,
            telegram_api_base_url=sandbox.base_url,
            telegram_api_base_file_url=sandbox.base_file_url,
            database_url=f"sqlite:///{path}",
            admin_ids=frozenset({1000}),
        )
        application = build_application(settings, engine=engine, clock=clock)
        async with application:
            await post_init(application)
            runner = DialogueRunner(ChatDriver(sandbox, application), engine, clock)
            try:
                await runner.run(dialogue)
            except DialogueFailed as exc:
                return transcript(runner.turns), str(exc).split("\n", 1)[0]
    engine.dispose()
    return transcript(runner.turns), None


async def main(words: list[str]) -> int:
    chosen = [d for d in every_dialogue() if all(w.casefold() in d.name.casefold() for w in words)]
    failures = 0
    with tempfile.TemporaryDirectory() as workdir:
        for dialogue in chosen:
            text, failure = await play(dialogue, Path(workdir))
            print(f"=== {dialogue.name}  ({dialogue.path.name}:{dialogue.line})")
            print(text)
            if failure:
                failures += 1
                print(f"!!! {failure}")
            print()
    print(f"{len(chosen)} conversations, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    # Updates are fed by hand without the JobQueue, as in the tests (see pyproject's filters).
    warnings.filterwarnings("ignore", message="Ignoring `conversation_timeout`")
    sys.exit(asyncio.run(main(sys.argv[1:])))
