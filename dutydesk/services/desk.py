"""The desk a command or screen works with: store, settings, clock and who is acting.

One :class:`Desk` per process. ``write()`` is one unit of work: one
transaction (``BEGIN IMMEDIATE`` on SQLite), committed whole or not at all.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from sqlalchemy import Connection, Engine, func
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from dutydesk.clock import Clock
from dutydesk.config import Settings
from dutydesk.store.engine import WRITE, StoreError, make_engine, normalise_url
from dutydesk.store.migrate import SchemaReport, ensure_schema
from dutydesk.store.models import AuditEvent


@dataclass
class Desk:
    engine: Engine
    settings: Settings
    clock: Clock
    actor: str
    schema: SchemaReport | None = field(default=None)

    def now(self) -> datetime:
        return self.clock.now()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One unit of work. Everything in it commits together, with its audit events.

        Starting it waits for the write lock (SQLite's busy timeout, then up to
        ``LOCK_RETRIES`` more tries): nothing has happened yet, so retrying is safe.
        """
        session = self._begin_write()
        with session:
            try:
                yield session
                session.commit()
            except OperationalError as exc:
                session.rollback()
                raise StoreError(_busy_or(exc)) from exc
            except BaseException:
                session.rollback()
                raise

    def _begin_write(self) -> Session:
        for attempt in range(LOCK_RETRIES + 1):
            session = Session(self.engine, expire_on_commit=False)
            try:
                session.connection(execution_options=WRITE)
                return session
            except OperationalError as exc:
                session.close()
                if attempt == LOCK_RETRIES or not _is_busy(exc):
                    raise StoreError(_busy_or(exc)) from exc
        raise AssertionError("unreachable")

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
            except OperationalError as exc:
                raise StoreError(_busy_or(exc)) from exc

    @contextmanager
    def read_plain(self) -> Iterator[Connection]:
        """A read without the ORM (a Core connection): the pool window's, where a Session's own
        bookkeeping would be a tenth of the whole read."""
        with self.engine.connect() as connection:
            try:
                yield connection
            except OperationalError as exc:
                raise StoreError(_busy_or(exc)) from exc

    @cached_property
    def calendar(self):
        """The working calendar (R-SLA-*), built once per desk from configuration."""
        from dutydesk.services.calendar_setup import calendar_from_settings

        return calendar_from_settings(self.settings)

    def change_counter(self) -> int:
        """Grows with every state change anywhere (every change writes an audit event)."""
        with self.read() as session:
            return int(session.exec(select(func.max(AuditEvent.id))).one() or 0)


def open_desk(target: str | None, settings: Settings, clock: Clock, actor: str | None = None) -> Desk:
    """Open (creating or upgrading) the store and return the desk over it."""
    from dutydesk import paths

    location = target or settings.db or str(paths.default_db_path())
    engine = make_engine(normalise_url(location))
    report = ensure_schema(engine, stamp=clock.now())
    return Desk(engine, settings, clock, actor or settings.me or _os_user(), report)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in a container
        return "desk"


LOCK_RETRIES = 3


def _is_busy(exc: OperationalError) -> bool:
    text = str(exc.orig or exc).lower()
    return "locked" in text or "busy" in text


def _busy_or(exc: OperationalError) -> str:
    text = str(exc.orig or exc).splitlines()[0]
    if _is_busy(exc):
        return "the database is busy (another desk is writing); try again"
    return f"database error: {text}"
