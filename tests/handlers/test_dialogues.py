"""Every scripted conversation of tests/dialogues/*.dlg, played against the real bot."""

from __future__ import annotations

import pytest

from tests.dialogues.runner import DialogueRunner
from tests.dialogues.script import Dialogue, every_dialogue

DIALOGUES = every_dialogue()


def test_there_are_enough_conversations() -> None:
    assert len(DIALOGUES) >= 30


@pytest.mark.parametrize("dialogue", DIALOGUES, ids=[d.name for d in DIALOGUES])
async def test_dialogue(dialogue: Dialogue, chat, sqlite_engine, clock) -> None:
    await DialogueRunner(chat, sqlite_engine, clock).run(dialogue)
