"""Fixtures for the app's Pilot and snapshot tests: a demo desk on SQLite with the clock frozen.

Most tests need one desk on SQLite only (``sqlite_desk``); the two-desk
live-refresh test uses the suite's ``make_desk`` so it runs on PostgreSQL too.
Apps are built with ``poll=False`` unless a test is about live refresh, so
nothing changes under a test's feet, and with ``cursor_blink=False`` so
snapshots do not depend on the blink phase.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from dutydesk.clock import Clock, parse_moment
from dutydesk.config import Settings
from dutydesk.services.desk import Desk, open_desk

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

NOW = "2026-12-01T11:00"


def demo_desk(path: Path, settings: Settings | None = None, *, now: str = NOW, actor: str = "duty-lead") -> Desk:
    from dutydesk.services.demo import load_demo

    settings = settings or Settings()
    desk = open_desk(str(path), settings, Clock(parse_moment(now, settings.tz)), actor)
    load_demo(desk)
    return desk


@pytest.fixture
def tui_settings(tmp_path: Path) -> Settings:
    """Settings whose side effects (outbox, snapshots) stay in the test's folder."""
    return Settings(outbox_dir=tmp_path / "outbox", snapshot_dir=tmp_path / "snapshots")


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo loaded once per run (clock frozen, so every copy is identical); tests get a copy of the file."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    desk = demo_desk(path)
    with desk.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    desk.engine.dispose()
    return path


@pytest.fixture
def sqlite_desk(tmp_path: Path, tui_settings: Settings, demo_template: Path) -> Desk:
    path = tmp_path / "desk.sqlite"
    shutil.copyfile(demo_template, path)
    desk = open_desk(str(path), tui_settings, Clock(parse_moment(NOW, tui_settings.tz)), "duty-lead")
    yield desk
    desk.engine.dispose()


@pytest.fixture
def make_app(sqlite_desk: Desk) -> Callable:
    from dutydesk.app import DutyDeskApp

    def build(desk: Desk | None = None, *, lang: str = "en", poll: bool = False) -> DutyDeskApp:
        return DutyDeskApp(desk or sqlite_desk, language=lang, poll=poll, cursor_blink=False)

    return build


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The suite's ``settings`` (used by ``make_desk``), with a quick change poll for the live-refresh tests."""
    return Settings(refresh_seconds=0.2, outbox_dir=tmp_path / "outbox", snapshot_dir=tmp_path / "snapshots")
