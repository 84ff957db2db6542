"""What `deploy/` and the README's "Deploying" section tell an operator to run, run here.

The steps that need a fresh machine (apt, adduser, systemctl) cannot run in the tests; the
unit files are checked by `systemd-analyze verify`, and the blocks marked `<!-- tested -->`
run with the paths of this checkout: the settings file made from `deploy/proxi.env.example`,
`migrate` then `doctor` against a fresh database and the sandbox Bot API, a backup with
`deploy/backup.sh` and the restore of `deploy/restore.md`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from bot.config import PROJECT_ROOT
from bot.db import head_revision
from tests.conftest import POSTGRES_URL, recreate_postgres_schema
from tests.factories import add_user

DEPLOY = PROJECT_ROOT / "deploy"
README = PROJECT_ROOT / "README.md"
PYTHON = sys.executable


def _tested_blocks() -> list[str]:
    """The shell blocks of "Deploying" preceded by the `<!-- tested -->` marker."""
    section = README.read_text(encoding="utf-8").split("## Deploying", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"<!-- tested:[^>]*-->\n```sh\n(.*?)```", section, re.DOTALL)


def _here(script: str, env_file: Path) -> str:
    """A README block with this checkout's paths (no proxi user here: run as we are)."""
    return (
        script.replace("sudo -u proxi ", "")
        .replace("/etc/proxi/proxi.env", str(env_file))
        .replace(".venv/bin/python", PYTHON)
        .replace("/opt/proxi", str(PROJECT_ROOT))
    )


def _settings_file(tmp_path: Path, database_url: str, sandbox) -> Path:
    """deploy/proxi.env.example as step 4 says to edit it (token, database), pointed at the
    sandbox instead of api.telegram.org."""
    example = (DEPLOY / "proxi.env.example").read_text(encoding="utf-8")
    edited = re.sub(r"(?m)^TELEGRAM_BOT_TOKEN=.*$", f"TELEGRAM_BOT_TOKEN={sandbox.token}", example)
    edited = re.sub(r"(?m)^DATABASE_URL=.*$", f"DATABASE_URL={database_url}", edited)
    edited += f"TELEGRAM_API_BASE_URL={sandbox.base_url}\n"
    path = tmp_path / "proxi.env"
    path.write_text(edited, encoding="utf-8")
    return path


def _run(script: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", "-e", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
        cwd=PROJECT_ROOT,
    )


@pytest.mark.parametrize("unit", ["proxi.service", "proxi@.service"])
def test_the_unit_files_pass_systemd_analyze_verify(unit: str, tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed here")
    # verify checks that ExecStart's program exists: point it at this checkout's Python.
    content = (DEPLOY / unit).read_text(encoding="utf-8")
    content = content.replace("/opt/proxi/.venv/bin/python", PYTHON)
    content = content.replace("/opt/proxi", str(tmp_path))
    name = unit.replace("@.", "@main.")
    (tmp_path / name).write_text(content, encoding="utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / name)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    ours = [line for line in result.stderr.splitlines() if str(tmp_path) in line]
    assert (result.returncode, ours) == (0, [])
    assert "Restart=always" in content
    assert "EnvironmentFile=/etc/proxi/" in content


def test_the_nginx_example_passes_nginx_t(tmp_path: Path) -> None:
    """Debian 12's nginx (1.22) refused the example once ("http2 on;" is 1.25.1's)."""
    if shutil.which("nginx") is None:
        pytest.skip("nginx is not installed here")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=bot.example.org", "-keyout", str(key), "-out", str(cert)],
        capture_output=True,
        check=True,
        timeout=60,
    )  # fmt: skip
    site = (DEPLOY / "nginx-webhook.conf").read_text(encoding="utf-8")
    live = "/etc/letsencrypt/live/bot.example.org"
    site = site.replace(f"{live}/fullchain.pem", str(cert)).replace(
        f"{live}/privkey.pem", str(key)
    )
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ access_log off; include {tmp_path}/site.conf; }}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        ["nginx", "-t", "-c", str(main)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_the_caddy_example_is_valid() -> None:
    if shutil.which("caddy") is None:
        pytest.skip("caddy is not installed here")
    result = subprocess.run(
        ["caddy", "validate", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Valid configuration" in result.stdout + result.stderr


def test_the_readme_marks_the_blocks_this_test_runs() -> None:
    migrate, backup = _tested_blocks()
    assert "python -m bot migrate" in migrate
    assert "python -m bot doctor" in migrate
    assert "deploy/backup.sh" in backup


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_database(request, tmp_path: Path) -> str:
    """An empty database, as step 2 leaves it."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'proxi.sqlite3'}"
    engine: Engine = request.getfixturevalue("postgres_engine")
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    return POSTGRES_URL


def test_step_5_migrates_a_fresh_database_and_doctor_finds_nothing_wrong(
    fresh_database: str, sandbox, tmp_path: Path
) -> None:
    migrate_and_check = _tested_blocks()[0]
    env_file = _settings_file(tmp_path, fresh_database, sandbox)
    result = _run(_here(migrate_and_check, env_file))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Database schema is up to date." in result.stdout
    assert f"[ok] The database schema is at {head_revision()}, as the code needs." in (
        result.stdout
    )
    assert result.stdout.rstrip().endswith("Nothing wrong found.")


def _recreate(engine: Engine) -> None:
    """A restore leaves the tables with the planner statistics of loaded data, which would
    change other tests' query plans: the schema is made again."""
    recreate_postgres_schema(engine)


@pytest.fixture
def restorable(postgres_engine: Engine) -> Iterator[Engine]:
    """The test database, recreated afterwards."""
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed here")
    yield postgres_engine
    _recreate(postgres_engine)


@pytest.mark.postgres
def test_a_backup_restores_the_database_as_it_was(restorable: Engine, tmp_path: Path) -> None:
    postgres_engine = restorable
    libpq_url = make_url(POSTGRES_URL).set(drivername="postgresql")
    dsn = libpq_url.render_as_string(hide_password=False)
    backups = tmp_path / "backups"
    backups.mkdir()
    for old in ("20200101T000000Z", "20200102T000000Z"):  # two older dumps, one too many
        (backups / f"proxi-{old}.dump").write_bytes(b"old")
    add_user(postgres_engine, 1)
    # Step 8's backup line, with the database and directory of this test.
    [line] = [ln for ln in _tested_blocks()[1].splitlines() if "backup.sh" in ln and "su " in ln]
    command = line.replace("su postgres -c ", "").replace("/opt/proxi", str(PROJECT_ROOT))
    result = _run(command, PROXI_DB=dsn, PROXI_BACKUP_DIR=str(backups), PROXI_BACKUP_KEEP="2")
    assert result.returncode == 0, result.stderr
    dump = Path(result.stdout.strip())
    assert sorted(p.name for p in backups.iterdir()) == ["proxi-20200102T000000Z.dump", dump.name]

    add_user(postgres_engine, 2)  # written after the backup: lost by the restore
    restore = subprocess.run(
        ["pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={dsn}", str(dump)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert restore.returncode == 0, restore.stderr
    with postgres_engine.connect() as connection:
        users = connection.execute(text("SELECT id FROM app_user ORDER BY id")).scalars().all()
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert (users, revision) == ([1], head_revision())
