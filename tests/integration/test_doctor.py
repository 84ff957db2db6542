"""`python -m bot doctor` finds what is wrong and says it in sentences, never a traceback."""

from __future__ import annotations

import pytest
from alembic import command

from bot.cli import main
from bot.db import alembic_config, head_revision
from bot.doctor import check_database, diagnose

# Nothing listens on port 1: connecting is refused at once.
UNREACHABLE = "postgresql+psycopg://proxi:proxi@127.0.0.1:1/proxi"


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _against(settings, sandbox, engine, *, webhook: bool = False, **more):
    """Settings pointed at the sandbox Bot API and this database (and a webhook)."""
    update = {
        "telegram_bot_token": sandbox.token,
        "telegram_api_base_url": sandbox.base_url,
        "database_url": _url(engine),
        **more,
    }
    if webhook:
        update |= {"webhook_url": "https://bot.example.org/proxi", "webhook_secret": "s3cret"}
    return settings.model_copy(update=update)


def _problems(findings) -> list[str]:
    return [f.text for f in findings if f.problem]


def test_all_good_says_nothing_is_wrong(sandbox, settings, engine) -> None:
    good = _against(settings, sandbox, engine)
    findings = diagnose(lambda: good)
    assert _problems(findings) == []
    texts = [f.text for f in findings]
    assert f"The database schema is at {head_revision()}, as the code needs." in texts
    assert any(t.startswith("The token is the bot @") for t in texts)
    assert "Polling mode (no WEBHOOK_URL)." in texts


def test_a_wrong_token_is_named(sandbox, settings, sqlite_engine) -> None:
    wrong = _against(settings, sandbox, sqlite_engine, telegram_bot_token="123456:NOT-THE-TOKEN")
    assert _problems(diagnose(lambda: wrong)) == [
        "The Bot API refuses the token (401 Unauthorized): check TELEGRAM_BOT_TOKEN "
        "(@BotFather gives it, /token makes a new one)."
    ]


def test_an_unreachable_database_is_a_sentence(monkeypatch, capsys, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("DATABASE_URL", UNREACHABLE)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["doctor"]) == 1
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    assert (
        "[PROBLEM] The database at postgresql+psycopg://proxi:***@127.0.0.1:1/proxi cannot be "
        "reached (connection failed:"
    ) in out.out
    assert "check DATABASE_URL and that the database server runs." in out.out
    assert out.out.rstrip().endswith("1 problem(s) found.")


def test_invalid_settings_are_a_finding_too(monkeypatch, capsys, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOG_FORMAT", "xml")
    assert main(["doctor"]) == 1
    assert "[PROBLEM] The settings cannot be used: Invalid setting LOG_FORMAT" in (
        capsys.readouterr().out
    )


def test_a_schema_behind_says_to_migrate(engine) -> None:
    config = alembic_config(_url(engine))
    command.downgrade(config, "0004")
    try:
        assert _problems(check_database(_url(engine))) == [
            f"The database schema is at 0004, the code needs {head_revision()}: "
            "run python -m bot migrate."
        ]
    finally:
        command.upgrade(config, "head")


def test_an_empty_database_has_no_schema(tmp_path) -> None:
    [reached, schema] = check_database(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    assert not reached.problem
    assert schema.problem
    assert schema.text.endswith("run python -m bot migrate.")


@pytest.mark.parametrize("registered", ["", "https://old.example.org/proxi"])
def test_webhook_mode_compares_with_telegram(sandbox, settings, sqlite_engine, registered):
    import httpx

    if registered:
        httpx.post(f"{sandbox.base_url}{sandbox.token}/setWebhook", data={"url": registered})
    hooked = _against(settings, sandbox, sqlite_engine, webhook=True)
    texts = [f.line() for f in diagnose(lambda: hooked)]
    assert any(t.startswith("[ok] Webhook mode: Telegram posts to https://bot.example.org/proxi")
               for t in texts)  # fmt: skip
    expected = registered or "not set"
    assert (
        f"[note] Telegram's webhook is {expected}, not WEBHOOK_URL: `run` sets it at start."
        in (texts)
    )


def test_telegrams_last_webhook_error_is_shown(sandbox, settings, sqlite_engine) -> None:
    import httpx

    from tests.e2e.conftest import free_port

    # Telegram's webhook reaches a port where nothing listens: its deliveries fail.
    sandbox.route_webhook("https://bot.example.org", f"http://127.0.0.1:{free_port()}")
    api = f"{sandbox.base_url}{sandbox.token}"
    httpx.post(f"{api}/setWebhook", data={"url": "https://bot.example.org/proxi"})
    sandbox.send_text(sandbox.user(42, "Anne"), "/start")

    def failed() -> bool:
        info = httpx.post(f"{api}/getWebhookInfo").json()["result"]
        return bool(info.get("last_error_message"))

    assert sandbox.wait_for(failed, 10)
    hooked = _against(settings, sandbox, sqlite_engine, webhook=True)
    [problem] = _problems(diagnose(lambda: hooked))
    assert problem.startswith("Telegram's last webhook error: ")


def test_a_webhook_telegram_would_not_call_is_a_settings_problem(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org:9000/proxi")
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret")
    monkeypatch.delenv("TELEGRAM_API_BASE_URL", raising=False)
    assert main(["doctor"]) == 1
    assert (
        "[PROBLEM] The settings cannot be used: Invalid setting WEBHOOK_URL: expected an "
        "https:// URL on port 443, 80, 88 or 8443"
    ) in capsys.readouterr().out


def test_a_schema_this_code_does_not_know(tmp_path) -> None:
    from sqlalchemy import text

    from bot.db import make_engine, upgrade_schema

    url = f"sqlite:///{tmp_path / 'newer.sqlite3'}"
    engine = make_engine(url)
    upgrade_schema(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099_future'"))
    engine.dispose()
    [_, schema] = check_database(url)
    assert schema.problem
    assert schema.text.startswith(
        "The database schema is at 0099_future, a revision this code does not know"
    )
