"""Shared fixtures: a fresh store on SQLite and on PostgreSQL for every test that asks for one.

PostgreSQL is the real server this machine kind starts (127.0.0.1:5432, trust auth).
Each test gets its own database, cloned from a migrated template, so tests never see
each other's rows. ``DUTYDESK_TEST_PG`` points elsewhere if needed.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from dutydesk.clock import Clock, parse_moment
from dutydesk.config import Settings
from dutydesk.services.desk import Desk, open_desk

PG_ADMIN = os.environ.get("DUTYDESK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TEMPLATE = f"dd_template_{os.getpid()}"

REPO = Path(__file__).resolve().parents[1]


def pytest_configure(config: pytest.Config) -> None:
    # Tests never read the user's config or data dir.
    os.environ.setdefault("DUTYDESK_CONFIG", str(REPO / "tests" / "fixtures" / "empty-config.toml"))
    os.environ.pop("DUTYDESK_NOW", None)
    os.environ.pop("DUTYDESK_DB", None)
    # ...nor write into the user's cache (the state calendar by year).
    os.environ.setdefault("DUTYDESK_CACHE_DIR", tempfile.mkdtemp(prefix="dutydesk-cache-"))


def _pg_url(database: str) -> str:
    base, _, _ = PG_ADMIN.rpartition("/")
    return f"{base}/{database}"


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A database migrated to head once per run; tests clone it (CREATE DATABASE … TEMPLATE)."""
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{TEMPLATE}"'))
        conn.execute(text(f'CREATE DATABASE "{TEMPLATE}"'))
    engine = create_engine(_pg_url(TEMPLATE))
    from dutydesk.store.migrate import upgrade

    upgrade(engine)
    engine.dispose()
    yield TEMPLATE
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def _scratch_database(prefix: str, template: str | None = None) -> Iterator[str]:
    """Create a database (empty, or cloned from ``template``) for one test and drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    clause = f' TEMPLATE "{template}"' if template else ""
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
    try:
        yield _pg_url(name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database URL for one test."""
    with _scratch_database("dd", request.getfixturevalue("pg_template")) as url:
        yield url


@pytest.fixture
def empty_pg_database() -> Iterator[str]:
    """A brand-new, empty PostgreSQL database (no schema at all): what `dutydesk init` meets on a new server."""
    with _scratch_database("dd_empty") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every store test runs on both back ends."""
    if request.param == "sqlite":
        return str(tmp_path / "desk.sqlite")
    return request.getfixturevalue("pg_database")


@pytest.fixture
def settings() -> Settings:
    return Settings()


DeskFactory = Callable[..., Desk]


@pytest.fixture
def make_desk(db_url: str, settings: Settings) -> Iterator[DeskFactory]:
    """``make_desk(now="2026-12-01T10:00", actor="duty-lead")``: a desk over this test's store."""
    opened: list[Desk] = []

    def factory(now: str | datetime | None = "2026-12-01T10:00", actor: str = "duty-lead") -> Desk:
        moment = parse_moment(now, settings.tz) if isinstance(now, str) else now
        desk = open_desk(db_url, settings, Clock(moment), actor)
        opened.append(desk)
        return desk

    yield factory
    for desk in opened:
        desk.engine.dispose()


@pytest.fixture
def desk(make_desk: DeskFactory) -> Desk:
    return make_desk()


@pytest.fixture
def at() -> Callable[[Desk, str], Desk]:
    """``at(desk, "2026-12-01T15:00")``: the same store and actor, another moment."""
    from dataclasses import replace

    def move(desk: Desk, now: str, actor: str | None = None) -> Desk:
        return replace(desk, clock=Clock(parse_moment(now, desk.settings.tz)), actor=actor or desk.actor)

    return move
