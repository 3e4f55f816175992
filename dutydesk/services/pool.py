"""The pool as the lead sees it: open tasks in the order of work (R-POOL-1..3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from dutydesk.domain.priority import Priority, Status
from dutydesk.services.desk import Desk
from dutydesk.services.views import iso
from dutydesk.store.models import Client, Project, Task

OPEN_STATUSES = tuple(s.value for s in Status if s.is_open)


@dataclass(frozen=True)
class PoolRow:
    key: str
    subject: str
    client_name: str | None
    client_id: str | None
    project_name: str | None
    project_id: str | None
    priority: Priority | None
    status: str
    blocked_by: str | None
    received_at: datetime
    assignee: str | None

    @property
    def priority_label(self) -> str:
        return f"{self.priority.english} / {self.priority.russian}" if self.priority else "untriaged"

    @property
    def clock_label(self) -> str | None:
        return None

    def to_json(self) -> dict:
        return {
            "key": self.key, "subject": self.subject,
            "client": {"id": self.client_id, "name": self.client_name} if self.client_id else None,
            "project": {"id": self.project_id, "name": self.project_name} if self.project_id else None,
            "priority": self.priority.slug if self.priority else None, "status": self.status,
            "blocked_by": self.blocked_by, "received_at": iso(self.received_at), "assignee": self.assignee,
        }


@dataclass(frozen=True)
class PoolListing:
    now: datetime
    rows: tuple[PoolRow, ...]

    def to_json(self) -> dict:
        return {"now": iso(self.now), "tasks": [row.to_json() for row in self.rows]}


def pool_listing(desk: Desk, *, project_id: str | None = None, limit: int | None = None) -> PoolListing:
    query = (
        select(Task.key, Task.subject, Client.name, Task.client_id, Project.name, Task.project_id,
               Task.priority_order, Task.status, Task.received_at, Task.assignee_id)
        .join(Client, Client.id == Task.client_id, isouter=True)
        .join(Project, Project.id == Task.project_id, isouter=True)
        .where(Task.status.in_(OPEN_STATUSES))  # type: ignore[attr-defined]
        .order_by(Task.priority_order, Task.received_at, Task.number)
    )
    if project_id:
        query = query.where(Task.project_id == project_id)
    if limit:
        query = query.limit(limit)
    with desk.read() as session:
        rows = tuple(
            PoolRow(key=r[0], subject=r[1], client_name=r[2], client_id=r[3], project_name=r[4],
                    project_id=r[5], priority=Priority(r[6]) if r[6] else None, status=r[7], blocked_by=None,
                    received_at=r[8], assignee=r[9])
            for r in session.execute(query)
        )
    return PoolListing(desk.now(), rows)
