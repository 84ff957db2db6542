"""Playing a conversation against the real Application in the sandbox, and writing it down.

`DialogueRunner.run` acts each step as a person would (through `ChatDriver`), renders what the
bot answered (new messages, messages edited in place, button toasts) and checks the `<`, `!`
and `^` lines against it. A failed check raises `DialogueFailed` carrying the transcript so far.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.clock import FrozenClock
from bot.config import PROJECT_ROOT
from bot.models import TrainingSession, Tutor, User
from tests.dialogues.script import Dialogue, Step

ADMIN_ID = 1000  # in the test settings' ADMIN_IDS
FIRST_LEARNER_ID = 42
FIRST_TUTOR_ID = 900
SAMPLE = PROJECT_ROOT / "data" / "sample"
SETUPS = {
    "spaces": ("spaces.csv",),
    "sample": ("spaces.csv", "sessions.csv", "tutors.csv"),
}
PARIS = ZoneInfo("Europe/Paris")
UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class DialogueFailed(AssertionError):
    """A check that did not hold, with the conversation up to it."""


@dataclass
class Turn:
    """One action and the bot's answers to it, rendered as text lines."""

    who: str
    action: str
    answers: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "\n".join(self.answers)


def render(entry: Any) -> str:
    """A bot message as a person sees it: its text (or what it is) and its buttons."""
    kind = entry.kind
    body = entry.plain if entry.text else ""
    if kind == "document":
        body = f"(file {entry.file_name}) {body}".strip()
    elif kind in ("venue", "location"):
        body = f"(map {entry.title or ''} {entry.address or ''})".strip()
    elif kind != "text":
        body = f"({kind}) {body}".strip()
    lines = [body] if body else []
    lines += [" ".join(f"[{b.text}]" for b in row) for row in entry.buttons]
    return "\n".join(lines)


class DialogueRunner:
    """Plays dialogues with `chat` (a tests.handlers.conftest.ChatDriver)."""

    def __init__(self, chat: Any, engine: Engine, clock: FrozenClock) -> None:
        self.chat = chat
        self.engine = engine
        self.clock = clock
        self.people: dict[str, Any] = {}
        self.current: Any = None
        self.turns: list[Turn] = []
        self.seen: dict[int, dict[int, int]] = {}  # user id → {message id: edits} seen

    # -- playing ---------------------------------------------------------------------------
    async def run(self, dialogue: Dialogue) -> list[Turn]:
        for step in dialogue.steps:
            try:
                await self._play(step)
            except DialogueFailed:
                raise
            except LookupError as exc:  # no such button, no keyboard...
                raise self._failure(dialogue, step, str(exc)) from exc
            problem = self._check(step)
            if problem:
                raise self._failure(dialogue, step, problem)
        return self.turns

    async def _play(self, step: Step) -> None:
        actions = {
            "user": self._user,
            "setup": self._setup,
            "clock": self._clock,
            "send": self._send,
            "press": self._press,
            "file": self._file,
            "sticker": self._sticker,
            "location": self._location,
            "sweep": self._sweep,
        }
        action = actions.get(step.kind)
        if action is not None:
            await action(step.argument)

    async def _user(self, argument: str) -> None:
        """`user: name lang=fr|en|none role=learner|tutor|admin id=N`."""
        name, *options = shlex.split(argument)
        if name in self.people and not options:
            self.current = self.people[name]
            self._received()
            return
        opts = dict(option.split("=", 1) for option in options)
        role = opts.get("role", "learner")
        language = opts.get("lang", "fr")
        user_id = int(opts.get("id", 0)) or self._new_id(role)
        person = self.chat.user(
            user_id, name.capitalize(), language=None if language == "none" else language
        )
        if role == "tutor":
            self._make_tutor(user_id, name.capitalize(), language, opts.get("topics", ""))
        self.people[name] = self.current = person
        self.seen[person.id] = {}

    def _new_id(self, role: str) -> int:
        if role == "admin":
            return ADMIN_ID
        first = FIRST_TUTOR_ID if role == "tutor" else FIRST_LEARNER_ID
        taken = {p.id for p in self.people.values()}
        return next(i for i in range(first, first + 100) if i not in taken)

    def _make_tutor(self, user_id: int, name: str, language: str, topics: str) -> None:
        with Session(self.engine) as session:
            if session.get(User, user_id) is None:
                lang = language if language in ("fr", "en") else "fr"
                session.add(User(id=user_id, first_name=name, language=lang))
                session.flush()
            if session.exec(select(Tutor).where(Tutor.user_id == user_id)).first() is None:
                session.add(Tutor(name=name, topics=topics.replace(",", ";"), user_id=user_id))
            session.commit()

    async def _setup(self, argument: str) -> None:
        """`setup: sample` (spaces, sessions, tutors), `setup: spaces`, or
        `setup: seats BEV-001 1` (that session, by its file's id, now has 1 seat)."""
        from bot.gazetteer import default_gazetteer
        from bot.importer.service import Actor, apply_import

        if argument.startswith("seats "):
            _, external_id, seats = argument.split()
            self._set_seats(external_id, int(seats))
            return
        data = [(name, (SAMPLE / name).read_bytes()) for name in SETUPS[argument]]
        now = self.clock.now()
        apply_import(self.engine, data, gazetteer=default_gazetteer(), actor=Actor(), now=now)
        # As after an import in chat (handlers/importer.after_import): search sees the data.
        self.chat.application.bot_data["services"].search.rebuild(self.engine, now=now)

    def _set_seats(self, external_id: str, seats: int) -> None:
        with Session(self.engine) as session:
            training = session.exec(
                select(TrainingSession).where(TrainingSession.external_id == external_id)
            ).one()
            training.seats = seats
            session.add(training)
            session.commit()
        now = self.clock.now()
        self.chat.application.bot_data["services"].search.rebuild(self.engine, now=now)

    async def _clock(self, argument: str) -> None:
        """`clock: +2h` (m, h, d) or `clock: 2027-01-12 22:00` (Paris time)."""
        if argument.startswith("+"):
            amount, unit = int(argument[1:-1]), UNITS[argument[-1]]
            self.clock.advance(timedelta(**{unit: amount}))
        else:
            moment = datetime.fromisoformat(argument).replace(tzinfo=PARIS)
            self.clock.set(moment.astimezone(UTC))
        self.turns.append(Turn("", f"(time passes: {argument})"))

    async def _sweep(self, _argument: str) -> None:
        """`sweep:` deliver what the reminder sweep would now. The application is not started
        in dialogues (no timer fires, `delivery.sweep` waits for a running bot), so each due
        row goes through `deliver` as a handler's send would. What reaches the current
        person is the answer."""
        from bot import reminders
        from handlers.delivery import deliver

        self._news(Turn("", ""))  # what arrived before is not the sweep's
        now = self.clock.now()
        reminders.expire_overdue(self.engine, now=now)
        for _due, reminder_id in reminders.due_page(self.engine, now=now, limit=100):
            await deliver(self.chat.application, reminder_id, during_update=True)
        await self.chat.deliver()
        self.turns.append(self._news(Turn(self.current.first_name, "(reminders and notices)")))

    async def _send(self, text: str) -> None:
        await self._act(f"> {text}", lambda: self.chat.sandbox.send_text(self.current, text))

    async def _file(self, path: str) -> None:
        content = (PROJECT_ROOT / path).read_bytes()
        name = path.rsplit("/", 1)[-1]
        await self._act(
            f"(sends the file {name})",
            lambda: self.chat.sandbox.upload_document(self.current, content, name),
        )

    async def _sticker(self, emoji: str) -> None:
        await self._act(
            f"(sends a sticker {emoji})",
            lambda: self.chat.sandbox.send_sticker(self.current, emoji=emoji or "👍"),
        )

    async def _location(self, where: str) -> None:
        latitude, longitude = (float(x) for x in where.split(","))
        await self._act(
            "(shares a location)",
            lambda: self.chat.sandbox.share_location(self.current, latitude, longitude),
        )

    async def _press(self, label: str) -> None:
        """The newest bot message with a button whose label contains `label`."""
        wanted = label.casefold()
        for entry in reversed(self.chat.sandbox.bot_messages(self.current.id)):
            labels = [b.text for row in entry.buttons for b in row]
            for index, text in enumerate(labels, start=1):
                if wanted in text.casefold():
                    await self._act(
                        f"[{text}]",
                        lambda e=entry, i=index: self.chat.sandbox.press(
                            self.current, index=i, message_id=e.message_id
                        ),
                    )
                    return
        raise LookupError(f"no button containing {label!r} in the chat")

    def _news(self, turn: Turn) -> Turn:
        """Add to `turn` the current person's bot messages that are new or edited since they
        last looked, and remember them as seen."""
        user_id = self.current.id
        before = self.seen.get(user_id, {})
        entries = self.chat.sandbox.bot_messages(user_id)
        turn.answers += [render(e) for e in entries if before.get(e.message_id, -1) != e.edits]
        self.seen[user_id] = {e.message_id: e.edits for e in entries}
        return turn

    def _received(self) -> None:
        """Back to someone: what reached them meanwhile (a request, a confirmation)."""
        turn = self._news(Turn(self.current.first_name, "(reads what arrived)"))
        if turn.answers:
            self.turns.append(turn)

    async def _act(self, action: str, do: Any) -> None:
        sandbox, user_id = self.chat.sandbox, self.current.id
        self._news(Turn("", ""))  # what arrived before this action is not its answer
        toasts = len(sandbox.callback_answers(user_id))
        do()
        await self.chat.deliver()
        turn = self._news(Turn(self.current.first_name, action))
        for _id, text, _alert in sandbox.callback_answers(user_id)[toasts:]:
            if text:
                turn.answers.append(f"(toast) {text}")
        self.turns.append(turn)

    # -- checking --------------------------------------------------------------------------
    def _check(self, step: Step) -> str | None:
        if step.kind not in ("expect", "forbid", "first_line"):
            return None
        last = next((t for t in reversed(self.turns) if t.who), None)
        seen = last.text() if last else ""
        wanted = step.argument.casefold()
        if step.kind == "expect" and wanted not in seen.casefold():
            return f"expected {step.argument!r} in the answer"
        if step.kind == "forbid" and wanted in seen.casefold():
            return f"did not expect {step.argument!r} in the answer"
        if step.kind == "first_line":
            firsts = [a.splitlines()[0] for a in (last.answers if last else []) if a]
            if not any(wanted in f.casefold() for f in firsts):
                return f"expected an answer whose first line has {step.argument!r}"
        return None

    def _failure(self, dialogue: Dialogue, step: Step, problem: str) -> DialogueFailed:
        where = f"{dialogue.path.name}:{step.line} ({dialogue.title})"
        return DialogueFailed(f"{where}: {problem}\n\n{transcript(self.turns)}")


def transcript(turns: list[Turn]) -> str:
    """The conversation as text: what each person did, then the bot's answers, indented."""
    lines: list[str] = []
    for turn in turns:
        lines.append(f"{turn.who}: {turn.action}" if turn.who else turn.action)
        for answer in turn.answers or ["(no answer)"]:
            lines += [f"    {line}" for line in answer.splitlines()]
    return "\n".join(lines)
