"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

_UTC = timezone.utc


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware in Python, UTC at rest.

    SQLite has no time zones, so an aware datetime is stored as naive UTC text
    (``2026-11-30 10:00:00.000000``, SQLAlchemy's own format, so older files
    read the same) and comes back aware; PostgreSQL stores ``timestamptz``.
    Naive datetimes are refused: they are always a bug in the caller.

    On SQLite the text is converted by one C call (``fromisoformat``) instead
    of SQLAlchemy's regular expression and a second wrapper: reading every
    open task's clock facts was two thirds row conversion before.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; attach a time zone")
        value = value.astimezone(_UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=_UTC)
        return value.astimezone(_UTC)

    def bind_processor(self, dialect):
        if dialect.name == "sqlite":
            return _to_sqlite
        return super().bind_processor(dialect)

    def result_processor(self, dialect, coltype):
        if dialect.name == "sqlite":
            return from_sqlite
        return super().result_processor(dialect, coltype)


def _to_sqlite(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the store; attach a time zone")
    return value.astimezone(_UTC).isoformat(" ", "microseconds")[:-6]  # less "+00:00"


def from_sqlite(value: str | datetime | None) -> datetime | None:
    """Stored SQLite text (naive UTC) → an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        try:  # a suffix, not .replace(tzinfo=…): that call alone costs 2 µs on CPython 3.11
            return datetime.fromisoformat(value + "+00:00")
        except ValueError:
            return datetime.fromisoformat(value).replace(tzinfo=_UTC)
    return value if value.tzinfo else value.replace(tzinfo=_UTC)
