"""Every scripted conversation of tests/dialogues/*.dlg, played against the real bot."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dialogues.runner import DialogueFailed, DialogueRunner
from tests.dialogues.script import Dialogue, ScriptError, Step, every_dialogue, parse_line

DIALOGUES = every_dialogue()


def test_there_are_enough_conversations() -> None:
    assert len(DIALOGUES) >= 30


@pytest.mark.parametrize("dialogue", DIALOGUES, ids=[d.name for d in DIALOGUES])
async def test_dialogue(dialogue: Dialogue, chat, sqlite_engine, clock) -> None:
    await DialogueRunner(chat, sqlite_engine, clock).run(dialogue)


async def test_an_unmet_expectation_fails_with_the_transcript(chat, sqlite_engine, clock) -> None:
    dialogue = Dialogue("checks bite", Path("inline.dlg"), 1)
    dialogue.steps += [Step("user", "alice lang=fr", 2), Step("send", "/start", 3)]
    dialogue.steps.append(Step("expect", "Guten Tag", 4))
    with pytest.raises(DialogueFailed) as failure:
        await DialogueRunner(chat, sqlite_engine, clock).run(dialogue)
    assert "inline.dlg:4 (checks bite): expected 'Guten Tag' in the answer" in str(failure.value)
    assert "Alice: > /start\n    Bonjour Alice !" in str(failure.value)


def test_an_unknown_line_is_refused() -> None:
    with pytest.raises(ScriptError, match="line 7: what is 'hello'"):
        parse_line("hello", 7)
