"""Schema versions: create, check and upgrade a database — never a silent drop.

Every command opens the store through :func:`ensure_schema`: a fresh database
gets the whole schema, an older one is copied aside (SQLite) and upgraded, a
newer or foreign one is refused with a clear message.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, inspect, text

from dutydesk.store.engine import StoreError, sqlite_path

_SCRIPT_LOCATION = str(Path(__file__).resolve().parent / "migrations")


@dataclass(frozen=True)
class SchemaReport:
    before: str | None
    after: str
    backup: Path | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


#: The newest migration in ``migrations/versions``. A test keeps it equal to Alembic's head; it lets
#: every command confirm an up-to-date database with one query, without loading Alembic (~0.4 s of start-up).
SCHEMA_HEAD = "0005"


def _config(connection=None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", _SCRIPT_LOCATION)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {rev.revision for rev in ScriptDirectory.from_config(_config()).walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(_config(connection), revision)


def ensure_schema(engine: Engine, *, stamp: datetime) -> SchemaReport:
    """Bring the database to this version's schema, backing up an older SQLite file first."""
    if _stamped(engine) == SCHEMA_HEAD:
        return SchemaReport(SCHEMA_HEAD, SCHEMA_HEAD, None)
    try:
        before = current_revision(engine)
        tables = set(inspect(engine).get_table_names())
    except Exception as exc:  # connection refused, not a database, permission denied …
        raise StoreError(f"cannot open the database: {_first_line(exc)}") from exc
    head = head_revision()
    if before == head:
        return SchemaReport(before, head, None)
    if before is None and tables - {"alembic_version"}:
        raise StoreError(
            "the database has tables but no dutydesk schema version; refusing to change it "
            "(point --db at a dutydesk database or an empty one)"
        )
    if before is not None and before not in known_revisions():
        raise StoreError(
            f"the database was written by a newer dutydesk (schema {before}); upgrade dutydesk to open it"
        )
    backup = None
    if before is not None:
        backup = backup_sqlite(engine, label=f"before-{before}", stamp=stamp)
    try:
        upgrade(engine)
    except Exception as exc:  # each upgrade runs in one transaction: a failure leaves the schema as it was
        kept = f"; a copy of it is at {backup}" if backup else ""
        raise StoreError(f"upgrading the schema from {before or 'nothing'} to {head} failed: "
                         f"{_first_line(exc)}; the database was not changed{kept}") from exc
    return SchemaReport(before, head, backup)


def _stamped(engine: Engine) -> str | None:
    """The database's schema version by one plain query (None when there is none, or no database yet)."""
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:
        return None


def backup_sqlite(engine: Engine, *, label: str, stamp: datetime, target: Path | None = None) -> Path | None:
    """SQLite's online backup API: a consistent copy even while another desk writes."""
    path = sqlite_path(str(engine.url))
    if path is None:
        return None
    if target is None:
        target = path.with_name(f"{path.stem}.{label}.{stamp:%Y%m%dT%H%M%S}{path.suffix or '.sqlite'}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.touch(mode=0o600)
    target.chmod(0o600)
    source = sqlite3.connect(str(path))
    try:
        dest = sqlite3.connect(str(target))
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    return target


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
