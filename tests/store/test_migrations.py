"""Schema versions: created from empty, upgraded from the first revision, never dropped silently."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from dutydesk.errors import DutydeskError
from dutydesk.store.engine import make_engine
from dutydesk.store.migrate import (
    current_revision, ensure_schema, head_revision, known_revisions, upgrade,
)

STAMP = datetime(2026, 12, 1, 7, 0, tzinfo=timezone.utc)
FIRST = "0001"


def test_empty_database_gets_the_whole_schema(tmp_path: Path) -> None:
    engine = make_engine(str(tmp_path / "new.sqlite"))
    report = ensure_schema(engine, stamp=STAMP)
    assert report.before is None and report.after == head_revision()
    assert {"task", "client", "audit_event", "escalation", "message"} <= set(inspect(engine).get_table_names())
    assert report.backup is None


def test_upgrade_from_the_first_revision_keeps_every_row(db_url: str) -> None:
    engine = make_engine(db_url)
    assert FIRST in known_revisions()
    upgrade(engine, FIRST)
    with engine.begin() as conn:
        conn.execute(text("insert into staff (id, name, role) values ('mgr-1', 'Анна', 'manager')"))
        conn.execute(text("insert into client (id, name) values ('acme', 'ООО «Акме»')"))
    ensure_schema(engine, stamp=STAMP)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert conn.execute(text("select name from client where id='acme'")).scalar() == "ООО «Акме»"
        assert conn.execute(text("select count(*) from staff")).scalar() == 1


def test_an_older_sqlite_database_is_copied_aside_before_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    engine = make_engine(str(path))
    upgrade(engine, FIRST)
    report = ensure_schema(engine, stamp=STAMP)
    if head_revision() == FIRST:
        assert report.backup is None and not report.changed
    else:
        assert report.backup is not None and report.backup.exists()
        assert oct(report.backup.stat().st_mode & 0o777) == "0o600"


def test_a_newer_database_is_refused_not_touched(tmp_path: Path) -> None:
    engine = make_engine(str(tmp_path / "future.sqlite"))
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("update alembic_version set version_num='9999'"))
    with pytest.raises(DutydeskError, match="newer dutydesk"):
        ensure_schema(engine, stamp=STAMP)
    assert current_revision(engine) == "9999"


def test_a_foreign_database_is_refused(tmp_path: Path) -> None:
    engine = make_engine(str(tmp_path / "other.sqlite"))
    with engine.begin() as conn:
        conn.execute(text("create table invoices (id integer primary key)"))
    with pytest.raises(DutydeskError, match="no dutydesk schema"):
        ensure_schema(engine, stamp=STAMP)
    assert set(inspect(engine).get_table_names()) == {"invoices"}


def test_an_unreachable_postgres_gives_one_line() -> None:
    engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/none")
    with pytest.raises(DutydeskError, match="cannot open the database") as info:
        ensure_schema(engine, stamp=STAMP)
    assert "\n" not in str(info.value)


def test_the_fast_path_head_is_alembics_head() -> None:
    """``SCHEMA_HEAD`` lets start-up skip Alembic; it must name the newest migration."""
    from dutydesk.store.migrate import SCHEMA_HEAD

    assert SCHEMA_HEAD == head_revision()
