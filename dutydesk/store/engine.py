"""One engine factory for both back ends.

A path or ``sqlite:///…`` gives SQLite in WAL mode with a busy timeout and
foreign keys on, and write transactions that start with ``BEGIN IMMEDIATE``
(a deferred read that later upgrades to a write fails at once with
SQLITE_BUSY under contention). ``postgresql+psycopg://…`` gives PostgreSQL.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from dutydesk.errors import DutydeskError

BUSY_TIMEOUT_MS = 10_000
WRITE = {"dutydesk_write": True}


class StoreError(DutydeskError):
    """A database problem the lead can act on, in one line."""


def normalise_url(target: str) -> str:
    """A bare path means SQLite; URLs pass through (``postgresql://`` gets the psycopg 3 driver)."""
    target = target.strip()
    if "://" not in target:
        return f"sqlite:///{Path(target).expanduser().resolve()}"
    if target.startswith("postgresql://") or target.startswith("postgres://"):
        return "postgresql+psycopg://" + target.split("://", 1)[1]
    return target


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def make_engine(target: str) -> Engine:
    url = normalise_url(target)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"not a database location: {target!r}") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url)
    if backend == "postgresql":
        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})
    raise StoreError(f"unsupported database {backend!r}: use a SQLite path or postgresql+psycopg://")


def _sqlite_engine(url: str) -> Engine:
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            # The desk holds client data: private to its user from the first byte.
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" event decide how each transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # SQLite's own lower() folds ASCII only; the studio's clients write in Russian.
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
        if path is not None:
            _restrict(path)

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        if connection.get_execution_options().get("dutydesk_write"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")

    return engine


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


def _restrict(path: Path) -> None:
    """The database, its WAL and shared-memory files are readable by their owner only."""
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            if candidate.exists() and stat.S_IMODE(candidate.stat().st_mode) != 0o600:
                candidate.chmod(0o600)
        except OSError:
            pass
