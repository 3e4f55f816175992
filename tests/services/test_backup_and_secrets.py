"""Backups round-trip; secrets stay out of the database, exports, logs and --debug output; files stay private."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dutydesk.cli import app
from dutydesk.errors import BadInput

SECRET = "s3cr3t-Пароль-4242"


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)


def test_backup_and_restore_round_trip(tmp_path: Path) -> None:
    db = str(tmp_path / "desk.sqlite")
    base = ["--db", db, "--now", "2026-12-01T11:00"]
    assert run(*base, "demo").exit_code == 0
    backup = tmp_path / "b.sqlite"
    assert run(*base, "backup", "-o", str(backup)).exit_code == 0
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    before = run(*base, "pool", "--json").stdout
    key = run(*base, "task", "new", "--project", "acme-shop", "--subject", "after backup").stdout.strip()
    restored = run(*base, "restore", str(backup))
    assert restored.exit_code == 0 and "kept as" in restored.stdout
    assert run(*base, "pool", "--json").stdout == before
    assert run(*base, "task", "show", key).exit_code == 1
    assert run(*base, "backup", "-o", str(backup)).exit_code == 1  # never overwrites


def test_restore_refuses_a_file_that_is_not_a_dutydesk_database(tmp_path: Path) -> None:
    from dutydesk.services.backup import check_backup

    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(BadInput, match="not a dutydesk database"):
        check_backup(junk)
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("create table x (y)").connection.commit()
    with pytest.raises(BadInput, match="not a dutydesk database"):
        check_backup(other)
    db = tmp_path / "desk.sqlite"
    run("--db", str(db), "init")
    result = run("--db", str(db), "restore", str(junk))
    assert result.exit_code == 1 and "not a dutydesk database" in result.stderr


def test_a_password_never_reaches_the_database_exports_or_debug_output(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[smtp]\nhost = "127.0.0.1"\nport = 1\nsecurity = "plain"\nusername = "u"\n'
                      'password_env = "DD_TEST_SMTP_PASSWORD"\n', encoding="utf-8")
    config.chmod(0o600)
    db = tmp_path / "desk.sqlite"
    env = {"DD_TEST_SMTP_PASSWORD": SECRET}
    base = ["--config", str(config), "--db", str(db), "--now", "2026-12-01T11:00", "--debug"]
    outputs = [run(*base, "demo", env=env)]
    outputs.append(run(*base, "ack", "SUP-1005", "--send", env=env))  # fails to connect: recorded, not sent
    outputs.append(run(*base, "mail", "outbox", "--retry", env=env))
    outputs.append(run(*base, "task", "show", "SUP-1005", "--json", env=env))
    outputs.append(run(*base, "registry", "export", env=env))
    for result in outputs:
        assert SECRET not in result.stdout and SECRET not in result.stderr
    for path in tmp_path.rglob("*"):
        if path.is_file() and path != config:
            assert SECRET.encode() not in path.read_bytes(), path
    assert "failed" in outputs[1].stdout


def test_a_config_with_a_password_reference_must_be_private(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[imap]\nhost = "mail.local"\npassword_file = "' + str(tmp_path / "pw") + '"\n',
                      encoding="utf-8")
    (tmp_path / "pw").write_text(SECRET)
    os.chmod(config, 0o644)
    os.chmod(tmp_path / "pw", 0o644)
    result = run("--config", str(config), "--db", str(tmp_path / "d.sqlite"), "init")
    assert result.exit_code == 0
    assert f"{config} is readable by others (mode 0644)" in result.stderr
    assert f"{tmp_path / 'pw'} is readable by others" in result.stderr and SECRET not in result.stderr
    os.chmod(config, 0o600)
    os.chmod(tmp_path / "pw", 0o600)
    assert "warning" not in run("--config", str(config), "--db", str(tmp_path / "d.sqlite"), "init").stderr
