"""The offline demo: a fresh SQLite database with sample data, the sandbox Bot API, the real
bot polling it, and a terminal chat (see `bot.terminal` for the grammar)."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from telegram import Update

from bot.application import build_application, post_init
from bot.companies.demo import DEMO_COMPANY_ID, seed_company_request
from bot.config import PROJECT_ROOT, Settings
from bot.db import make_engine, upgrade_schema
from bot.sandbox import BotApiSandbox
from bot.terminal import Action, CommandError, DemoPeople, parse_line, render_entry, write_lines
from bot.tracking import TrackingUpdateProcessor

logger = logging.getLogger(__name__)

DEMO_DATABASE = PROJECT_ROOT / "var" / "demo.sqlite3"
DEMO_ADMIN_ID = 1000
SAMPLE_DIR = PROJECT_ROOT / "data" / "sample"
SAMPLE_FILES = (
    "spaces.csv",
    "sessions.csv",
    "to_confirm/sessions_to_confirm.csv",  # sessions to confirm (bot.confirmation)
    "offre.lheo.xml",
    "tutors.csv",
)
# The sample files use fixed dates starting on this Monday; the demo moves them forward.
SAMPLE_ANCHOR = date(2027, 1, 4)


def run_demo(settings: Settings, *, data_files: Sequence[Path] | None = None) -> int:
    """Run the demo until the end of input; returns the exit code."""
    files = list(data_files) if data_files else [SAMPLE_DIR / name for name in SAMPLE_FILES]
    missing = [str(path) for path in files if not path.is_file()]
    if missing:
        print(f"No such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    return asyncio.run(_demo(settings, files, sys.stdin, sys.stdout))


def sample_shift_days(today: date) -> int:
    """Whole weeks that move the sample's first Monday to the next Monday after today, so the
    demo never goes stale and weekdays stay what the files say."""
    next_monday = today + timedelta(days=7 - today.weekday())
    return (next_monday - SAMPLE_ANCHOR).days


def prepare_database(settings: Settings, files: Sequence[Path], *, shift_days: int) -> Any:
    """A fresh demo database with the given files loaded."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DEMO_DATABASE}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{DEMO_DATABASE}")
    upgrade_schema(engine)
    load_files(engine, files, shift_days=shift_days, out=sys.stderr)
    # An open company request for the demo admin's organisation (see bot/companies/demo.py).
    seed_company_request(engine, admin_id=DEMO_ADMIN_ID, now=datetime.now(UTC))
    if list(files) == [SAMPLE_DIR / name for name in SAMPLE_FILES]:
        from bot.clock import SystemClock
        from bot.impact.demo import seed_travel_saved

        # Learners enrolled in one organisation's sessions, so that /impact has figures.
        seed_travel_saved(engine, now=SystemClock().now(), tz=settings.tz)
    # Searches "made" over the last weeks, so that /demande has something to show.
    from bot.demand.demo import seed_demo_records

    seed_demo_records(engine, now=datetime.now(UTC))
    return engine


def load_files(engine: Any, files: Sequence[Path], *, shift_days: int, out: TextIO) -> None:
    """Load data files through the importer (the same path as `python -m bot load`)."""
    try:
        from bot.importer.demo import load_for_demo
    except ImportError:  # the importer is not part of this build yet
        logger.warning("no importer available: the demo starts without data")
        return
    load_for_demo(engine, files, shift_days=shift_days, out=out)


async def _demo(settings: Settings, files: list[Path], stdin: TextIO, stdout: TextIO) -> int:
    from bot.clock import SystemClock

    clock = SystemClock()
    # The sample's fixed dates move to stay upcoming; other data is loaded as it is.
    sample = [SAMPLE_DIR / name for name in SAMPLE_FILES]
    shift = sample_shift_days(clock.now().astimezone(settings.tz).date()) if files == sample else 0
    engine = await asyncio.to_thread(prepare_database, settings, files, shift_days=shift)
    with BotApiSandbox() as sandbox:
        # The company of the demo's request and the admin it reached have talked to the bot
        # before: their chats exist (the admin's notice waits there).
        sandbox.user(DEMO_COMPANY_ID, "Menuiserie Guérin", language_code="fr")
        sandbox.user(DEMO_ADMIN_ID, "admin", language_code="fr")
        bot_settings = settings.model_copy(
            update={
                "telegram_bot_token": sandbox.token,
                "telegram_api_base_url": sandbox.base_url,
                "telegram_api_base_file_url": sandbox.base_file_url,
                "admin_ids": settings.admin_ids | {DEMO_ADMIN_ID},
            }
        )
        processor = TrackingUpdateProcessor()
        application = build_application(
            bot_settings, engine=engine, clock=clock, update_processor=processor
        )
        async with application:
            await post_init(application)
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(
                poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES
            )
            try:
                chat = TerminalChat(sandbox, processor, stdout, interactive=stdin.isatty())
                await chat.loop(stdin)
            finally:
                await application.updater.stop()
                await application.stop()
    return 0


class TerminalChat:
    """Reads the person's lines, acts in the sandbox, prints what the bot answered."""

    def __init__(
        self,
        sandbox: BotApiSandbox,
        processor: TrackingUpdateProcessor,
        out: TextIO,
        *,
        interactive: bool,
    ) -> None:
        self.sandbox = sandbox
        self.processor = processor
        self.out = out
        self.interactive = interactive
        self.people = DemoPeople(admin_id=DEMO_ADMIN_ID)
        self.name = "Camille"
        self._cursors: dict[int, int] = {}
        self._answer_cursors: dict[int, int] = {}

    @property
    def user(self) -> Any:
        return self.sandbox.user(self.people.id_for(self.name), self.name, language_code="fr")

    async def loop(self, stdin: TextIO) -> None:
        if self.interactive:
            write_lines(
                self.out,
                [
                    "Proxi, démo hors ligne. Écrivez comme sur Telegram ;",
                    "[n] appuie sur le bouton n,",
                    "/loc LIEU partage une position, /file CHEMIN envoie un fichier,",
                    "/user NOM change de personne (admin = administrateur, tuteur = une tutrice,",
                    "entreprise = une entreprise qui a demandé une formation),",
                    "/quit pour sortir.",
                ],
            )
        watcher = asyncio.create_task(self._watch()) if self.interactive else None
        try:
            while True:
                if self.interactive:
                    self.out.write(f"{self.name} > ")
                    self.out.flush()
                line = await asyncio.to_thread(stdin.readline)
                if not line:
                    break
                if not self.interactive:
                    write_lines(self.out, [f"{self.name} > {line.rstrip()}"])
                if not await self._handle(line):
                    break
        finally:
            if watcher is not None:
                watcher.cancel()

    async def _handle(self, line: str) -> bool:
        try:
            action = parse_line(line, geocode=_geocode)
        except CommandError as exc:
            write_lines(self.out, [f"(démo) {exc}"])
            return True
        if action.kind == "quit":
            return False
        if action.kind == "empty":
            return True
        if action.kind == "user":
            self.name = action.text
            self.user  # noqa: B018 - registers the person in the sandbox
            write_lines(self.out, [f"(démo) vous êtes maintenant {self.name}"])
            self._print_new()  # what the bot sent this person meanwhile
            return True
        try:
            update = self._act(action)
        except LookupError as exc:
            write_lines(self.out, [f"(démo) {exc}"])
            return True
        if not await self.processor.wait_processed(update["update_id"]):
            write_lines(self.out, ["(démo) le bot n'a pas répondu à temps"])
        self._print_new()
        return True

    def _act(self, action: Action) -> dict[str, Any]:
        user = self.user
        if action.kind == "press":
            return self.sandbox.press(user, index=action.index)
        if action.kind == "location":
            return self.sandbox.share_location(user, action.latitude, action.longitude)
        if action.kind == "file":
            assert action.path is not None
            return self.sandbox.upload_document(user, action.path.read_bytes(), action.path.name)
        return self.sandbox.send_text(user, action.text)

    def _print_new(self) -> None:
        chat_id = self.user.id
        events = self.sandbox.events(chat_id)
        start = self._cursors.get(chat_id, 0)
        self._cursors[chat_id] = len(events)
        entries = {entry.message_id: entry for entry in self.sandbox.transcript(chat_id)}
        lines: list[str] = []
        answers = self.sandbox.callback_answers(chat_id)
        answer_start = self._answer_cursors.get(chat_id, 0)
        self._answer_cursors[chat_id] = len(answers)
        for answer in answers[answer_start:]:
            if answer[1]:
                lines.append(f"Proxi (notification) > {answer[1]}")
        for kind, message_id in events[start:]:
            entry = entries.get(message_id)
            if entry is None or entry.sender != "bot" or kind == "delete":
                continue
            lines.extend(render_entry(entry, edited=kind == "edit"))
        write_lines(self.out, lines)

    async def _watch(self) -> None:
        """Print messages the bot sends on its own (reminders, offers) as they arrive."""
        while True:
            chat_id = self.user.id
            seen = self._cursors.get(chat_id, 0)

            def has_news(chat_id: int = chat_id, seen: int = seen) -> bool:
                return len(self.sandbox.events(chat_id)) > seen

            arrived = await asyncio.to_thread(self.sandbox.wait_for, has_news, 1.0)
            if arrived:
                self._print_new()


def _geocode(place: str) -> tuple[float, float] | None:
    from bot.gazetteer import default_gazetteer

    commune = default_gazetteer().resolve(place).commune
    return None if commune is None else (commune.latitude, commune.longitude)
