"""Settings: defaults, parsing, and one clear sentence for each invalid value."""

import pytest

from bot.config import DEFAULT_SQLITE_PATH, ConfigError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in (
        "TELEGRAM_BOT_TOKEN",
        "DATABASE_URL",
        "ADMIN_IDS",
        "TIMEZONE",
        "DEFAULT_LANGUAGE",
        "WEBHOOK_URL",
        "WEBHOOK_SECRET",
        "WEBHOOK_LISTEN",
        "WEBHOOK_PORT",
        "TELEGRAM_API_BASE_URL",
        "LOG_LEVEL",
        "LOG_FORMAT",
        "LOG_SALT",
        "HEALTH_PORT",
        "HEALTH_HOST",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here


def test_defaults_need_nothing() -> None:
    settings = load_settings()
    assert settings.telegram_bot_token is None
    assert settings.effective_database_url == f"sqlite:///{DEFAULT_SQLITE_PATH}"
    assert settings.timezone == "Europe/Paris"
    assert settings.default_language == "fr"
    assert settings.webhook_url is None


def test_admin_ids_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "111, 222,333")
    assert load_settings().admin_ids == frozenset({111, 222, 333})


def test_dotenv_file_is_read(tmp_path) -> None:
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=42:abc\nDEFAULT_LANGUAGE=en\n")
    settings = load_settings()
    assert (settings.telegram_bot_token, settings.default_language) == ("42:abc", "en")


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        (
            "ADMIN_IDS",
            "12,abc",
            "Invalid setting ADMIN_IDS: expected comma-separated Telegram user ids.",
        ),
        (
            "TIMEZONE",
            "Mars/Olympus",
            "Invalid setting TIMEZONE: unknown time zone (expected e.g. Europe/Paris).",
        ),
        ("DEFAULT_LANGUAGE", "de", "Invalid setting DEFAULT_LANGUAGE: expected one of fr, en."),
        (
            "DATABASE_URL",
            "mysql://x",
            "Invalid setting DATABASE_URL: expected sqlite:///PATH or postgresql+psycopg://USER:PASS@HOST/DB.",
        ),
        (
            "WEBHOOK_SECRET",
            "has spaces",
            "Invalid setting WEBHOOK_SECRET: "
            "expected 1-256 characters among A-Z, a-z, 0-9, _ and -.",
        ),
        (
            "LOG_LEVEL",
            "chatty",
            "Invalid setting LOG_LEVEL: expected DEBUG, INFO, WARNING, ERROR or CRITICAL.",
        ),
    ],
)
def test_invalid_values_are_one_clear_sentence(monkeypatch, name, value, expected) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value) == expected


def test_cli_reports_invalid_setting_without_traceback(monkeypatch, capsys) -> None:
    from bot.cli import main

    monkeypatch.setenv("TIMEZONE", "Nowhere/Town")
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert (
        err.strip() == "Invalid setting TIMEZONE: unknown time zone (expected e.g. Europe/Paris)."
    )


def test_waitlist_offer_duration_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import timedelta

    monkeypatch.setenv("WAITLIST_OFFER_HOURS", "6")
    assert load_settings().waitlist_offer_ttl == timedelta(hours=6)
    monkeypatch.setenv("WAITLIST_OFFER_HOURS", "0")
    with pytest.raises(ConfigError):
        load_settings()


def test_webhook_defaults_listen_behind_a_local_reverse_proxy() -> None:
    settings = load_settings()
    assert (settings.webhook_listen, settings.webhook_port) == ("127.0.0.1", 8443)


def test_webhook_mode_refuses_to_start_without_a_secret(monkeypatch) -> None:
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/proxi")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value).startswith(
        "Invalid setting WEBHOOK_SECRET: required when WEBHOOK_URL is set"
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://bot.example.org/proxi",  # Telegram only calls https
        "https://bot.example.org:8080/proxi",  # nor any other port
        "https://bot.example.org:99999/proxi",
        "ftp://bot.example.org/proxi",
    ],
)
def test_webhook_url_must_be_one_telegram_calls(monkeypatch, url) -> None:
    monkeypatch.setenv("WEBHOOK_URL", url)
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value).startswith("Invalid setting WEBHOOK_URL: expected an https:// URL")


@pytest.mark.parametrize("port", ["", ":443", ":80", ":88", ":8443"])
def test_webhook_urls_telegram_calls_are_accepted(monkeypatch, port) -> None:
    monkeypatch.setenv("WEBHOOK_URL", f"https://bot.example.org{port}/proxi")
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret")
    assert load_settings().webhook_url == f"https://bot.example.org{port}/proxi"


def test_a_local_bot_api_server_may_call_any_local_url(monkeypatch) -> None:
    """telegram-bot-api --local (or the sandbox) delivers over plain HTTP to any port."""
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:8081/bot")
    monkeypatch.setenv("WEBHOOK_URL", "http://127.0.0.1:9000/proxi")
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret")
    assert load_settings().webhook_url == "http://127.0.0.1:9000/proxi"


def test_health_and_log_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert (settings.health_port, settings.health_host) == (None, "127.0.0.1")  # no server
    assert (settings.log_format, settings.log_salt) == ("plain", None)
    # As .env.example leaves them: empty means unset.
    monkeypatch.setenv("HEALTH_PORT", "")
    monkeypatch.setenv("LOG_SALT", "")
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    settings = load_settings()
    assert (settings.health_port, settings.log_salt, settings.log_format) == (None, None, "json")
    monkeypatch.setenv("HEALTH_PORT", "9464")
    assert load_settings().health_port == 9464
    monkeypatch.setenv("HEALTH_PORT", "70000")
    with pytest.raises(ConfigError, match=r"^Invalid setting HEALTH_PORT: "):
        load_settings()
    monkeypatch.setenv("HEALTH_PORT", "9464")
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ConfigError, match=r"^Invalid setting LOG_FORMAT: "):
        load_settings()
