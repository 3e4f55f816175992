"""The open tasks as the pool rules see them (R-POOL-3), read with one narrow query."""

from __future__ import annotations

from sqlmodel import Session, select

from dutydesk.domain.pool import PoolItem
from dutydesk.domain.priority import Priority, Status
from dutydesk.store.models import Task
from dutydesk.store.pool_queries import is_open


def _items(rows) -> list[PoolItem]:
    return [PoolItem(key=r[0], project_id=r[1], priority=Priority(r[2]) if r[2] else None, status=Status(r[3]),
                     received_at=r[4], number=r[5]) for r in rows]


_COLUMNS = (Task.key, Task.project_id, Task.priority_order, Task.status, Task.received_at, Task.number)


def open_items(session: Session) -> list[PoolItem]:
    query = select(*_COLUMNS).where(is_open())
    return _items(session.execute(query))


def open_items_of_project(session: Session, project_id: str) -> list[PoolItem]:
    query = select(*_COLUMNS).where(Task.project_id == project_id, is_open())
    return _items(session.execute(query))
