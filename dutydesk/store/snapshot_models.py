"""The stored daily pool snapshot (issue 6): one row per day, the snapshot's canonical JSON kept whole.

Kept apart from ``models.py`` because it is the reporting side's table; the
migration that creates it is ``0002``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from dutydesk.store.types import UTCDateTime


class PoolSnapshot(SQLModel, table=True):
    """The pool as it stood at ``at`` (the end of ``day``'s working window, or earlier if taken early).

    ``content`` is the JSON export byte for byte, so any format can be
    produced again later exactly as it was that day; ``sha256`` is its digest.
    """

    __tablename__ = "pool_snapshot"
    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(unique=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    taken_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    taken_by: str = Field(max_length=64)
    tasks: int
    sha256: str = Field(max_length=64)
    content: str = Field(sa_column=Column(Text, nullable=False))
    folder: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
