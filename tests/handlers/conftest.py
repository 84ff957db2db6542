"""The real Application driven through the offline sandbox, update by update.

`ChatDriver` plays the people: each action goes into the sandbox as a Telegram update, which is
fed to `Application.process_update` through the bot's update processor (no polling, so each
step is finished when it returns), and the bot's answers are read back from the sandbox
transcript, as a person would see them.

Every test here is strict (`error_watch`): it fails if the sandbox answered a Bot API call
with an error (a 400 for a message that cannot be edited, a 404 for an unknown method, an
injected fault...) or if the application's error handler was called, unless the test says
it expects it:

    @pytest.mark.expect_api_errors            # any error answer
    @pytest.mark.expect_api_errors(403, "message to edit not found")  # status or description
    @pytest.mark.expect_error_handler         # any exception reaching the error handler
    @pytest.mark.expect_error_handler(raises=Forbidden)  # this type (or a tuple of types) only

(`raises=` like `xfail`'s: a marker given a class alone would take it for what it decorates.)
"""

from __future__ import annotations

import traceback
from collections.abc import AsyncIterator, Generator
from typing import Any

import pytest
from telegram import Update

from bot.application import build_application, post_init
from bot.config import PROJECT_ROOT
from bot.gazetteer import default_gazetteer
from bot.importer.service import Actor, apply_import
from bot.sandbox import BotApiSandbox, FailedCall

ROOT = f"{PROJECT_ROOT}/"


class ErrorWatch:
    """What went wrong during a test: the sandbox's error answers, and the exceptions the
    application handed to its error handler. Anything a marker does not expect fails the test."""

    def __init__(self, sandbox: BotApiSandbox | None) -> None:
        self.sandbox = sandbox
        self.handled: list[BaseException] = []
        self._seen_calls = 0
        self._seen_errors = 0
        self.checked = False

    def observe(self, application: Any) -> None:
        """Record every error the application's error handlers are given (they still run)."""

        def observed(callback: Any) -> Any:
            async def recording(update: object, context: Any) -> Any:
                self.handled.append(context.error)
                return await callback(update, context)

            return recording

        application.error_handlers = {
            observed(callback): block for callback, block in application.error_handlers.items()
        }

    def accept_startup_menus(self) -> None:
        """At start-up the bot publishes a menu in each ADMIN_IDS chat; for an admin who
        never opened the bot Telegram answers "chat not found", which `publish_chat_menu`
        expects and logs. Those answers, and only those, are not surprises."""
        calls = self.sandbox.failed_calls if self.sandbox is not None else []
        new = calls[self._seen_calls :]
        if all(c.method == "setMyCommands" and "chat not found" in c.description for c in new):
            self._seen_calls = len(calls)

    def surprises(self, item: pytest.Item) -> list[str]:
        """The unexpected errors since the last check, described for the failure message."""
        calls = self.sandbox.failed_calls if self.sandbox is not None else []
        new_calls, self._seen_calls = calls[self._seen_calls :], len(calls)
        new_errors, self._seen_errors = self.handled[self._seen_errors :], len(self.handled)
        api = item.get_closest_marker("expect_api_errors")
        handler = item.get_closest_marker("expect_error_handler")
        if handler and handler.args:
            raise TypeError("write @pytest.mark.expect_error_handler(raises=SomeError)")
        found = [
            f"the sandbox answered {call.method} with {call.status} {call.description}"
            " (deliberate? mark the test @pytest.mark.expect_api_errors"
            f"({call.status}))"
            for call in new_calls
            if not (api and _expected_call(call, api.args))
        ]
        found += [
            f"the error handler was called with {type(error).__name__}: {error}"
            " (deliberate? mark the test @pytest.mark.expect_error_handler"
            f"(raises={type(error).__name__})){_where(error)}"
            for error in new_errors
            if not (handler and isinstance(error, handler.kwargs.get("raises", BaseException)))
        ]
        return found


def _where(error: BaseException) -> str:
    """The project's own frames where `error` was raised (not PTB's or httpx's)."""
    frames = [
        f"{frame.filename.removeprefix(ROOT)}:{frame.lineno} in {frame.name}"
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename.startswith(ROOT) and "site-packages" not in frame.filename
    ]
    return "".join(f"\n    at {frame}" for frame in frames[-4:])


def _expected_call(call: FailedCall, expected: tuple[Any, ...]) -> bool:
    """No argument: any error; otherwise an HTTP status or a piece of the description."""
    if not expected:
        return True
    return any(
        call.status == what if isinstance(what, int) else what in call.description
        for what in expected
    )


def _fail_on(watch: ErrorWatch, item: pytest.Item) -> None:
    surprises = watch.surprises(item)
    if surprises:
        pytest.fail("unexpected errors during the test:\n- " + "\n- ".join(surprises))


@pytest.fixture(autouse=True)
def error_watch(request: pytest.FixtureRequest) -> Generator[ErrorWatch, None, None]:
    """Strict tests: checked after the test body (a failure) and again after the fixtures'
    teardown, for what only stopping the application revealed (an error at teardown)."""
    uses_sandbox = "sandbox" in request.fixturenames
    watch = ErrorWatch(request.getfixturevalue("sandbox") if uses_sandbox else None)
    yield watch
    if watch.checked:  # a test that failed already says what went wrong
        _fail_on(watch, request.node)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    result = yield
    watch = getattr(item, "funcargs", {}).get("error_watch")
    if isinstance(watch, ErrorWatch):
        watch.checked = True
        _fail_on(watch, item)
    return result


class ChatDriver:
    """Acts as Telegram users and returns what the bot sent in answer."""

    def __init__(self, sandbox: BotApiSandbox, application: Any) -> None:
        self.sandbox = sandbox
        self.application = application

    def user(self, user_id: int = 42, name: str = "Anne", language: str | None = "fr") -> Any:
        return self.sandbox.user(user_id, name, language_code=language)

    async def deliver(self) -> None:
        """Hand every pending update to the bot, in order, and wait for each to finish."""
        processor = self.application.update_processor  # as in production (bot/updates.py)
        for payload in self.sandbox.take_updates():
            update = Update.de_json(payload, self.application.bot)
            await processor.process_update(update, self.application.process_update(update))

    async def _step(self, user: Any, act: Any) -> list[Any]:
        before = len(self.sandbox.bot_messages(user.id))
        act()
        await self.deliver()
        return self.sandbox.bot_messages(user.id)[before:]

    async def send(self, user: Any, text: str) -> list[Any]:
        """The user writes `text`; returns the bot messages it caused (edits are in place)."""
        return await self._step(user, lambda: self.sandbox.send_text(user, text))

    async def press(self, user: Any, **which: Any) -> list[Any]:
        """The user presses a button (index=, label=, message_id=, or forged data=)."""
        return await self._step(user, lambda: self.sandbox.press(user, **which))

    async def do(self, user: Any, action: str, *args: Any, **kwargs: Any) -> list[Any]:
        """Any other sandbox user action (share_location, upload_document, send_sticker…)."""
        method = getattr(self.sandbox, action)
        return await self._step(user, lambda: method(user, *args, **kwargs))

    def last(self, user: Any) -> Any:
        return self.sandbox.last_bot_message(user.id)


@pytest.fixture
async def application(sandbox, settings, sqlite_engine, clock, error_watch) -> AsyncIterator[Any]:
    """The real Proxi Application, pointed at the sandbox, initialised like at start-up but
    not started: updates are fed by hand and no timer fires."""
    bot_settings = settings.model_copy(
        update={
            "telegram_bot_token": sandbox.token,
            "telegram_api_base_url": sandbox.base_url,
            "telegram_api_base_file_url": sandbox.base_file_url,
        }
    )
    app = build_application(bot_settings, engine=sqlite_engine, clock=clock)
    error_watch.observe(app)
    async with app:
        await post_init(app)
        error_watch.accept_startup_menus()
        yield app


@pytest.fixture
async def app(application) -> AsyncIterator[Any]:
    """The application running as in production: JobQueue started, so reminder timers, the
    reminder sweep and the mentoring sweep fire on their own."""
    await application.start()
    yield application
    await application.stop()


@pytest.fixture
def chat(sandbox, application) -> ChatDriver:
    return ChatDriver(sandbox, application)


SAMPLE = PROJECT_ROOT / "data" / "sample"


@pytest.fixture
async def loaded(chat, sqlite_engine, clock) -> ChatDriver:
    """The chat over the sample data (dated 2027, upcoming for the test clock), its search
    index rebuilt as after an import."""
    files = [(n, (SAMPLE / n).read_bytes()) for n in ("spaces.csv", "sessions.csv")]
    result = apply_import(
        sqlite_engine, files, gazetteer=default_gazetteer(), actor=Actor(), now=clock.now()
    )
    assert result.applied, result
    chat.application.bot_data["services"].search.rebuild(sqlite_engine, now=clock.now())
    return chat
