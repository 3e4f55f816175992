"""The mail intake's own table, and the indexes it adds to ``message`` (migration ``0003``).

Kept apart from ``models.py`` because only the intake uses it: import it where
it is used (and in the migrations' ``env.py``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, String, text
from sqlmodel import Field, SQLModel

from dutydesk.store.models import Message
from dutydesk.store.types import UTCDateTime


class MailboxCursor(SQLModel, table=True):
    """How far ``dutydesk mail fetch`` has read one IMAP folder.

    ``mailbox`` names the server, user and folder. IMAP UIDs only grow within
    one ``uidvalidity``; when the server reports another UIDVALIDITY the
    folder is read again from the start, and the intake's dedupe (R-IN-2)
    makes the messages already held duplicates. UIDs are 32-bit unsigned,
    hence the big integers.
    """

    __tablename__ = "mailbox_cursor"
    id: int | None = Field(default=None, primary_key=True)
    mailbox: str = Field(sa_column=Column(String(512), nullable=False, unique=True))
    uidvalidity: int = Field(sa_column=Column(BigInteger, nullable=False))
    last_uid: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


# R-IN-2 in the store itself: one inbound row per Message-ID, and per content hash among
# the messages without one, so two desks importing the same mail at once cannot make two
# tasks (the loser's transaction fails and its retry finds the winner's row).
INBOUND_MESSAGE_ID = Index(
    "ux_message_inbound_message_id", Message.__table__.c.message_id, unique=True,  # type: ignore[attr-defined]
    sqlite_where=text("direction = 'in' AND message_id IS NOT NULL"),
    postgresql_where=text("direction = 'in' AND message_id IS NOT NULL"),
)
INBOUND_CONTENT_HASH = Index(
    "ux_message_inbound_content_hash", Message.__table__.c.content_hash, unique=True,  # type: ignore[attr-defined]
    sqlite_where=text("direction = 'in' AND message_id IS NULL AND content_hash IS NOT NULL"),
    postgresql_where=text("direction = 'in' AND message_id IS NULL AND content_hash IS NOT NULL"),
)
# `dutydesk mail quarantine` lists by outcome.
MESSAGE_OUTCOME = Index("ix_message_outcome", Message.__table__.c.outcome)  # type: ignore[attr-defined]
