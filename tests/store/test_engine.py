"""The engine factory: SQLite hardening and both back ends storing time the same way."""

from __future__ import annotations

import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from dutydesk.errors import DutydeskError
from dutydesk.store.engine import make_engine, normalise_url
from dutydesk.store.migrate import upgrade
from dutydesk.store.models import Task
from dutydesk.store.types import UTCDateTime


def test_sqlite_is_wal_with_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(str(tmp_path / "d.sqlite"))
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_sqlite_file_and_wal_are_private(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "d.sqlite"
    engine = make_engine(str(path))
    upgrade(engine)
    with engine.connect() as conn:  # a second connection re-checks the WAL file's mode
        conn.execute(text("select 1"))
    for candidate in (path, Path(f"{path}-wal")):
        assert stat.S_IMODE(candidate.stat().st_mode) == 0o600, candidate


def test_bare_path_and_postgres_urls_normalise() -> None:
    assert normalise_url("/x/y.sqlite") == "sqlite:////x/y.sqlite"
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    with pytest.raises(DutydeskError, match="unsupported database"):
        make_engine("mysql://u@h/db")


def test_times_come_back_aware_and_equal_on_both_back_ends(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    moment = datetime(2026, 11, 3, 17, 30, tzinfo=timezone(timedelta(hours=3)))
    with engine.begin() as conn:
        conn.execute(Task.__table__.insert().values(  # type: ignore[attr-defined]
            number=1, key="SUP-1", subject="s", priority_order=0, status="pool", channel="email",
            received_at=moment, created_at=moment, updated_at=moment, verdict="{}", version=1))
    with engine.connect() as conn:
        stored = conn.execute(text("select received_at from task")).scalar()
        back = conn.execute(Task.__table__.select()).mappings().one()["received_at"]  # type: ignore[attr-defined]
    assert back == moment and back.tzinfo is not None
    assert stored is not None


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1), make_engine("sqlite://").dialect)
