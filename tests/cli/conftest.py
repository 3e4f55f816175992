"""Run the CLI in-process through typer's runner, with the same error handling as the real command."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from typer.testing import CliRunner

from dutydesk.cli import app


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch):
    """``cli("pool", "--json", now="2026-12-01T10:00")`` against this test's store."""
    monkeypatch.delenv("DUTYDESK_NOW", raising=False)

    def run(*args: str, now: str | None = "2026-12-01T10:00", db: str | None = db_url, env=None) -> Result:
        argv = list(args)
        if db is not None:
            argv = ["--db", db, *argv]
        if now is not None:
            argv = ["--now", now, *argv]
        result = CliRunner().invoke(app, argv, env=env, catch_exceptions=False)
        return Result(result.exit_code, result.stdout, result.stderr)

    return run
