"""The tables. Plain SQLModel rows; the regulation lives in ``dutydesk.domain``.

Enumerations (role, status, priority, …) are stored as short strings or the
priority's order, so both back ends read them the same and a migration is not
needed to add a value.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, LargeBinary, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from dutydesk.store.types import UTCDateTime


_OPEN_SQL = "status IN ('pool', 'in_progress', 'waiting_client', 'needs_agreement')"
_WAITING_SQL = "field = 'status' AND (before = 'waiting_client' OR after = 'waiting_client')"


def _at(nullable: bool = False, index: bool = False) -> object:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class Staff(SQLModel, table=True):
    """People of the studio; roles: manager, client_director, executive_director, duty, engineer."""

    __tablename__ = "staff"
    id: str = Field(primary_key=True, max_length=64)
    name: str
    role: str = Field(max_length=32, index=True)
    email: str | None = None
    phone: str | None = None


class Client(SQLModel, table=True):
    __tablename__ = "client"
    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(index=True)


class ClientAddress(SQLModel, table=True):
    """An e-mail address registered for a client; matched exactly, case-insensitively (R-ELIG)."""

    __tablename__ = "client_address"
    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(foreign_key="client.id", index=True, ondelete="CASCADE")
    email: str = Field(index=True, max_length=320)


class ClientDomain(SQLModel, table=True):
    __tablename__ = "client_domain"
    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(foreign_key="client.id", index=True, ondelete="CASCADE")
    domain: str = Field(index=True, max_length=253)


class Contract(SQLModel, table=True):
    """R-ELIG-1: kind hosting | full_service make a client eligible while active; other does not."""

    __tablename__ = "contract"
    __table_args__ = (UniqueConstraint("client_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(foreign_key="client.id", index=True, ondelete="CASCADE")
    number: str
    kind: str = Field(max_length=16)
    starts: date
    ends: date | None = None
    services: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))


class Warranty(SQLModel, table=True):
    """R-ELIG-2."""

    __tablename__ = "warranty"
    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(foreign_key="client.id", index=True, ondelete="CASCADE")
    project_id: str | None = None
    until: date


class ProductLicence(SQLModel, table=True):
    """R-ELIG-3: an owner of a Cetera or Fastsite product."""

    __tablename__ = "product_licence"
    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(foreign_key="client.id", index=True, ondelete="CASCADE")
    line: str = Field(max_length=16)
    name: str


class Project(SQLModel, table=True):
    __tablename__ = "project"
    id: str = Field(primary_key=True, max_length=64)
    client_id: str = Field(foreign_key="client.id", index=True)
    name: str
    manager_id: str | None = Field(default=None, foreign_key="staff.id")


class Task(SQLModel, table=True):
    """A request in the task system (R-TRI-2). ``version`` makes every change a compare-and-set."""

    __tablename__ = "task"
    __table_args__ = (
        Index("ix_task_project_open", "project_id", "status", "priority_order", "received_at"),
        # Migration 0004: the open pool in the order of work (must match pool_queries.OPEN_STATUSES).
        Index("ix_task_open_order", "priority_order", "received_at", "number",
              sqlite_where=text(_OPEN_SQL), postgresql_where=text(_OPEN_SQL)),
    )
    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True)
    key: str = Field(unique=True, max_length=32)
    project_id: str | None = Field(default=None, foreign_key="project.id", index=True)
    client_id: str | None = Field(default=None, foreign_key="client.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="task.id", index=True)
    subject: str = Field(sa_column=Column(Text, nullable=False))
    sender: str | None = Field(default=None, index=True, max_length=320)
    # Untriaged tasks sort first (R-POOL-2): 0 = no priority yet, then 1..5.
    priority_order: int = Field(default=0)
    status: str = Field(default="pool", max_length=24)
    channel: str = Field(default="email", max_length=16)
    received_at: datetime = _at()  # type: ignore[assignment]
    first_sent_at: datetime | None = _at(nullable=True, index=True)  # type: ignore[assignment]
    reacted_at: datetime | None = _at(nullable=True)  # type: ignore[assignment]
    taken_at: datetime | None = _at(nullable=True)  # type: ignore[assignment]
    done_at: datetime | None = _at(nullable=True)  # type: ignore[assignment]
    assignee_id: str | None = Field(default=None, foreign_key="staff.id")
    verdict: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    fixed_deadline: datetime | None = _at(nullable=True)  # type: ignore[assignment]
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = _at()  # type: ignore[assignment]
    updated_at: datetime = _at()  # type: ignore[assignment]
    version: int = Field(default=1)


class Message(SQLModel, table=True):
    """A mail in or out, kept with its raw bytes (compressed) so nothing is lost."""

    __tablename__ = "message"
    id: int | None = Field(default=None, primary_key=True)
    task_id: int | None = Field(default=None, foreign_key="task.id", index=True)
    direction: str = Field(max_length=8)  # in | out
    kind: str = Field(default="request", max_length=24)  # request, reply, ack, question, handoff
    message_id: str | None = Field(default=None, index=True, max_length=998)
    in_reply_to: str | None = Field(default=None, max_length=998)
    references: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    content_hash: str | None = Field(default=None, index=True, max_length=64)
    sender: str | None = Field(default=None, max_length=320)
    sender_name: str | None = None
    recipients: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    cc: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    subject: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    body_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    attachments: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    sent_at: datetime | None = _at(nullable=True)  # type: ignore[assignment]
    received_at: datetime | None = _at(nullable=True)  # type: ignore[assignment]
    outcome: str | None = Field(default=None, max_length=16)
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    source: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    state: str | None = Field(default=None, max_length=16)  # outbound: queued | sent | failed
    raw: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = _at()  # type: ignore[assignment]


class Escalation(SQLModel, table=True):
    """R-ESC-1..3: what triggered it, at which level, whom to call, and how it ended."""

    __tablename__ = "escalation"
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    trigger: str = Field(max_length=24)
    level: int
    contact_id: str | None = Field(default=None, foreign_key="staff.id")
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    deadline: datetime | None = _at(nullable=True)  # type: ignore[assignment]
    opened_at: datetime = _at()  # type: ignore[assignment]
    opened_by: str | None = None
    closed_at: datetime | None = _at(nullable=True)  # type: ignore[assignment]
    outcome: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class AuditEvent(SQLModel, table=True):
    """Who changed what, when, from what to what. Past states are rebuilt from here."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_task_at", "task_id", "at"),
        # Migration 0005: the waiting events only (must match services.clocks.WAITING_EVENTS_SQL).
        Index("ix_audit_waiting", "task_id", "at", "id", "field", "before", "after",
              sqlite_where=text(_WAITING_SQL), postgresql_where=text(_WAITING_SQL)),
    )
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _at(index=True)  # type: ignore[assignment]
    actor: str = Field(max_length=64)
    action: str = Field(max_length=32)
    entity: str = Field(max_length=32)
    entity_id: str = Field(max_length=64)
    task_id: int | None = Field(default=None, foreign_key="task.id")
    field: str | None = Field(default=None, max_length=64)
    before: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    after: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
