"""Hot reads on the driver's own cursor: a Core select compiled once, its rows as plain tuples.

SQLAlchemy's result layer costs about as much as SQLite itself for a pool
window (200 rows × 17 columns: 1.6 ms on top of 1.4 ms), so the few reads
the lead waits on run the same compiled SQL straight on the DB-API cursor
of the session's connection, inside its transaction. Everything else keeps
using the ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Select
from sqlmodel import Session

#: Where a raw read runs: an ORM session (its transaction) or a Core connection.
Source = Session | Connection

from dutydesk.store.types import from_sqlite

_UTC = timezone.utc


class RawSelect:
    """``statement`` compiled for ``dialect``; bound values are given by name at each run."""

    __slots__ = ("sql", "_names", "_defaults")

    def __init__(self, statement: Select, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        self.sql = compiled.string
        self._names = tuple(compiled.positiontup or ()) if compiled.positional else None
        self._defaults = compiled.construct_params()

    def params(self, values: dict[str, Any]) -> list | dict:
        merged = {**self._defaults, **values} if values else self._defaults
        return [merged[name] for name in self._names] if self._names is not None else merged

    def rows(self, source: Source, **values: Any) -> list[tuple]:
        return driver_fetchall(source, self.sql, self.params(values))


_COMPILED: WeakKeyDictionary[Dialect, dict[Any, RawSelect]] = WeakKeyDictionary()
_PER_DIALECT = 256  # distinct filters remembered (a search per keystroke is one each)


def compiled_select(dialect: Dialect, key: Any, build: Callable[[], Select]) -> RawSelect:
    """``build()`` compiled once per dialect (so per engine) and ``key``."""
    per = _COMPILED.get(dialect)
    if per is None:
        per = _COMPILED[dialect] = {}
    found = per.get(key)
    if found is None:
        if len(per) >= _PER_DIALECT:
            per.clear()
        found = per[key] = RawSelect(build(), dialect)
    return found


def connection_of(source: Source) -> Connection:
    return source.connection() if isinstance(source, Session) else source


def dialect_of(source: Source) -> Dialect:
    return connection_of(source).dialect


def driver_fetchall(source: Source, sql: str, params: list | dict) -> list[tuple]:
    """All rows of ``sql`` from the DB-API cursor of the source's connection (inside its transaction)."""
    cursor = connection_of(source).connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.close()


def driver_rows(source: Source, sql: str, params: list) -> Iterator[tuple]:
    """Plain tuples from the driver's cursor, streamed: on PostgreSQL a server-side cursor, so a
    long audit trail arrives in batches instead of landing in memory at once."""
    conn = connection_of(source)
    raw = conn.connection.dbapi_connection
    named = conn.dialect.name == "postgresql"
    cursor = raw.cursor(name="dutydesk_replay") if named else raw.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(_FETCH):
            yield from rows
    finally:
        cursor.close()


_FETCH = 20_000


def placeholder(source: Source) -> str:
    """The driver's parameter marker, for the few statements written as text."""
    return placeholder_for(dialect_of(source).paramstyle)


def placeholder_for(style: str) -> str:
    if style == "qmark":
        return "?"
    if style in ("format", "pyformat"):
        return "%s"
    raise RuntimeError(f"unsupported DB-API paramstyle {style}")  # pragma: no cover - sqlite3 and psycopg only


def utc_reader(dialect: Dialect) -> Callable[[Any], datetime | None]:
    """How a raw timestamp column becomes an aware UTC datetime: SQLite gives text, PostgreSQL a datetime."""
    if dialect.name == "sqlite":
        return from_sqlite
    return _aware_utc


def _aware_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.astimezone(_UTC) if value.tzinfo is not None else value.replace(tzinfo=_UTC)
