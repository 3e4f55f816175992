"""Databases written by released schema revisions upgrade with every row kept (fixtures in tests/fixtures)."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, insert, select, text

from dutydesk.store.engine import make_engine
from dutydesk.store.migrate import current_revision, ensure_schema, head_revision, upgrade

FIXTURES = sorted((Path(__file__).resolve().parents[1] / "fixtures").glob("schema-*.sqlite"))
STAMP = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)


def dump(engine) -> dict[str, list[tuple]]:
    """Every row of every table (but the version stamp), in a stable order."""
    meta = MetaData()
    meta.reflect(engine)
    out = {}
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            if table.name == "alembic_version":
                continue
            rows = conn.execute(select(table)).mappings().all()
            out[table.name] = sorted((tuple(sorted((k, _norm(v)) for k, v in r.items())) for r in rows), key=repr)
    return out


def _norm(value):
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def only_old(after: dict, before: dict) -> dict:
    """The upgraded rows restricted to the tables and columns the old revision had."""
    kept = {}
    for name, rows in before.items():
        columns = {k for k, _ in rows[0]} if rows else None
        kept[name] = sorted((tuple((k, v) for k, v in row if columns is None or k in columns)
                             for row in after.get(name, [])), key=repr)
    return kept


def test_there_is_a_fixture_for_every_released_revision_but_head() -> None:
    names = {p.stem.removeprefix("schema-") for p in FIXTURES}
    assert "0001" in names


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_a_sqlite_database_of_an_old_revision_upgrades_with_every_row(fixture: Path, tmp_path: Path) -> None:
    copy = tmp_path / "old.sqlite"
    shutil.copyfile(fixture, copy)
    engine = make_engine(str(copy))
    before = dump(engine)
    assert sum(map(len, before.values())) > 100
    report = ensure_schema(engine, stamp=STAMP)
    assert current_revision(engine) == head_revision()
    assert only_old(dump(engine), before) == before
    if report.changed:
        assert report.backup is not None and dump(make_engine(str(report.backup))) == before


@pytest.mark.postgres
@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_a_postgres_database_of_an_old_revision_upgrades_with_every_row(fixture: Path, empty_pg_database: str) -> None:
    revision = fixture.stem.removeprefix("schema-")
    source = create_engine(f"sqlite:///{fixture}")
    target = make_engine(empty_pg_database)
    upgrade(target, revision)
    meta = MetaData()
    meta.reflect(target)
    with source.connect() as src, target.begin() as dst:
        for table in meta.sorted_tables:
            if table.name == "alembic_version":
                continue
            rows = [dict(r) for r in src.execute(text(f'select * from "{table.name}"')).mappings()]
            for row in rows:
                for column in table.columns:
                    if row.get(column.name) is not None and column.type.python_type is datetime:
                        row[column.name] = datetime.fromisoformat(str(row[column.name])).replace(tzinfo=timezone.utc)
            if rows:
                dst.execute(insert(table), rows)
        for table in meta.sorted_tables:  # the ids we inserted must not collide with new ones
            if "id" in table.columns and table.columns["id"].autoincrement is True and \
                    str(table.columns["id"].type) == "INTEGER":
                dst.execute(text(f"select setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                 f"coalesce((select max(id) from \"{table.name}\"), 0) + 1, false)"))
    before = dump(target)
    ensure_schema(target, stamp=STAMP)
    assert current_revision(target) == head_revision()
    assert only_old(dump(target), before) == before


def test_init_sets_up_a_fresh_postgres_database(empty_pg_database: str) -> None:
    from typer.testing import CliRunner

    from dutydesk.cli import app

    result = CliRunner().invoke(app, ["--db", empty_pg_database, "init", "--json"])
    assert result.exit_code == 0, result.stderr
    assert '"schema_before": null' in result.stdout and current_revision(make_engine(empty_pg_database)) == head_revision()
