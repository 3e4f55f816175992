"""The pool as the lead sees it: open tasks in the order of work (R-POOL-1..3), with blockers and clocks.

Only a window of rows is read and clocked; the blocking rule needs every open
task's (project, priority, age), which one narrow indexed query gives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Integer, bindparam, func, or_
from sqlmodel import select

from dutydesk.domain.clocks import Clock, TaskClocks
from dutydesk.domain.priority import Priority
from dutydesk.services.clocks import (
    CLOCK_COLUMNS,
    PRIORITY_OF_ORDER,
    clocks_for_driver_rows,
    clocks_for_rows,
    open_clocks,
    pauses_by_version,
)
from dutydesk.services.desk import Desk
from dutydesk.services.views import iso
from dutydesk.store.models import Client, Project, Task
from dutydesk.store.pool_queries import OPEN_STATUSES, blocked_by_column, is_open, open_counts_query, status_in
from dutydesk.store.raw import compiled_select, dialect_of



@dataclass(frozen=True)
class PoolFilter:
    project_id: str | None = None
    client_id: str | None = None
    priority: Priority | None = None
    untriaged: bool = False
    status: str | None = None
    breached_only: bool = False
    search: str | None = None


class PoolRow(NamedTuple):
    """One line of the pool. A named tuple: a window builds hundreds per key press."""

    key: str
    subject: str
    sender: str | None
    client_name: str | None
    client_id: str | None
    project_name: str | None
    project_id: str | None
    priority: Priority | None
    status: str
    blocked_by: str | None
    received_at: datetime
    assignee: str | None
    version: int
    clocks: TaskClocks

    @property
    def priority_label(self) -> str:
        return f"{self.priority.english} / {self.priority.russian}" if self.priority else "untriaged"

    @property
    def nearest(self) -> Clock | None:
        return self.clocks.nearest

    @property
    def breaches(self) -> tuple[str, ...]:
        return self.clocks.breaches

    @property
    def clock_label(self) -> str | None:
        clock = self.nearest
        if clock is None or clock.working_minutes_left is None:
            return "paused" if clock is not None and clock.paused else None
        left = clock.working_minutes_left
        sign = "overdue " if left < 0 else ""
        minutes = int(abs(left))
        return f"{clock.name} {sign}{minutes // 60}:{minutes % 60:02d}"

    def to_json(self) -> dict:
        c = self.clocks
        return {
            "key": self.key, "subject": self.subject,
            "client": {"id": self.client_id, "name": self.client_name} if self.client_id else None,
            "project": {"id": self.project_id, "name": self.project_name} if self.project_id else None,
            "priority": self.priority.slug if self.priority else None, "status": self.status,
            "blocked_by": self.blocked_by, "received_at": iso(self.received_at),
            "reaction_due": iso(c.reaction.due_at) if c.reaction else None,
            "start_due": iso(c.start.due_at) if c.start else None,
            "due": iso(c.due.due_at) if c.due else None,
            "breaches": list(self.breaches), "assignee": self.assignee,
        }


@dataclass(frozen=True)
class PoolListing:
    now: datetime
    rows: tuple[PoolRow, ...]
    total: int
    counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"now": iso(self.now), "tasks": [row.to_json() for row in self.rows]}


def pool_listing(desk: Desk, *, project_id: str | None = None, limit: int | None = None, offset: int = 0,
                 where: PoolFilter | None = None) -> PoolListing:
    """The pool in the order of work: untriaged first, then by priority, then older first (R-POOL-2/3).

    Only the requested window is read, blocked and clocked; the counts come from
    one grouped query over the pool-order index.
    """
    flt = where or PoolFilter(project_id=project_id)
    if project_id and not flt.project_id:
        flt = PoolFilter(**{**flt.__dict__, "project_id": project_id})
    now = desk.now()
    with desk.read_plain() as session:
        counts = _counts(session)
        if flt.breached_only:
            rows = [row for row in _window(desk, session, flt, 0, None, now) if row.breaches]
            total = len(rows)
            rows = rows[offset:offset + limit] if limit else rows[offset:]
        else:
            total = sum(counts.values()) if flt == PoolFilter() else _filtered_total(session, flt)
            rows = _window(desk, session, flt, offset, limit, now)
    return PoolListing(now, tuple(rows), total, counts)


def pool_window(desk: Desk, *, where: PoolFilter | None = None, offset: int = 0, limit: int = 200) -> list[PoolRow]:
    """Just the rows of a window with their blockers and clocks (what the benchmark's window figure times)."""
    with desk.read_plain() as connection:
        return _window(desk, connection, where or PoolFilter(), offset, limit, desk.now())


def pool_counts(desk: Desk) -> dict[str, int]:
    """Open tasks per priority (``untriaged`` for none): the pool header's line."""
    with desk.read_plain() as connection:
        return _counts(connection)


def _counts(session) -> dict[str, int]:
    dialect = dialect_of(session)
    statement = compiled_select(dialect, "open-counts", open_counts_query)
    counts: dict[str, int] = {}
    for order, number in statement.rows(session):
        name = PRIORITY_OF_ORDER[order].slug if order else "untriaged"
        counts[name] = counts.get(name, 0) + number
    return counts


def _filtered_total(session, flt: PoolFilter) -> int:
    dialect = dialect_of(session)
    statement = compiled_select(
        dialect, ("total", flt),
        lambda: select(func.count()).select_from(window_query(flt).order_by(None).subquery()))
    return int(statement.rows(session)[0][0])


_OFFSET = bindparam("window_offset", 0, type_=Integer)
_LIMIT = bindparam("window_limit", 200, type_=Integer)


def _window(desk: Desk, session, flt: PoolFilter, offset: int, limit: int | None,
            now: datetime) -> list[PoolRow]:
    """The window's rows from the driver, then their clocks (pauses in one query for all of them)."""
    dialect = dialect_of(session)
    if limit is None:
        statement = compiled_select(dialect, ("window", flt, False), lambda: window_query(flt).offset(_OFFSET))
        raw = statement.rows(session, window_offset=offset)
    else:
        statement = compiled_select(dialect, ("window", flt, True),
                                    lambda: window_query(flt).offset(_OFFSET).limit(_LIMIT))
        raw = statement.rows(session, window_offset=offset, window_limit=limit)
    priority_of, new = PRIORITY_OF_ORDER.get, tuple.__new__  # tuple.__new__: skips PoolRow's Python-level __new__
    return [
        new(PoolRow, (r[6], r[7], r[8], r[9], r[10], r[11], r[12], priority_of(r[2]), r[13], r[16], received, r[14],
                      r[15], clocks))
        for r, (received, clocks) in zip(raw, clocks_for_driver_rows(
            session, raw, desk.calendar, now, pauses_by_version(session, [(r[0], r[15], r[1]) for r in raw])))
    ]


def window_query(flt: PoolFilter | None = None):
    """The pool window's one covering query (R-POOL-2/3): clock facts, the row, its blocker, in the order of work."""
    flt = flt or PoolFilter()
    query = (
        select(*CLOCK_COLUMNS, Task.key, Task.subject, Task.sender, Client.name, Task.client_id, Project.name,
               Task.project_id, Task.status, Task.assignee_id, Task.version, blocked_by_column())
        .join(Client, Client.id == Task.client_id, isouter=True)
        .join(Project, Project.id == Task.project_id, isouter=True)
        .where(is_open(), status_in(_statuses(flt)))
        .order_by(Task.priority_order, Task.received_at, Task.number)
    )
    return _filtered(query, flt)


def _statuses(flt: PoolFilter) -> tuple[str, ...]:
    return (flt.status,) if flt.status else OPEN_STATUSES


def _filtered(query, flt: PoolFilter):
    if flt.project_id:
        query = query.where(Task.project_id == flt.project_id)
    if flt.client_id:
        query = query.where(Task.client_id == flt.client_id)
    if flt.untriaged:
        query = query.where(Task.priority_order == 0)
    elif flt.priority is not None:
        query = query.where(Task.priority_order == int(flt.priority))
    if flt.search:
        pattern = f"%{flt.search.strip().lower()}%"
        query = query.where(or_(func.lower(Task.key).like(pattern), func.lower(Task.subject).like(pattern),
                                func.lower(Task.sender).like(pattern)))
    return query


def pool_position(desk: Desk, key: str, *, where: PoolFilter | None = None) -> int | None:
    """Where ``key`` stands in the (filtered) pool order, so the cursor can follow a task that moved."""
    flt = where or PoolFilter()
    with desk.read() as session:
        me = session.execute(select(Task.priority_order, Task.received_at, Task.number)
                             .where(Task.key == key.upper())).first()
        if me is None:
            return None
        order, received, number = me
        before = or_(Task.priority_order < order,
                     (Task.priority_order == order) & (Task.received_at < received),
                     (Task.priority_order == order) & (Task.received_at == received) & (Task.number < number))
        query = (select(Task.id).join(Client, Client.id == Task.client_id, isouter=True)
                 .where(is_open(), status_in(_statuses(flt))))
        query = _filtered(query, flt)
        inside = session.execute(query.where(Task.key == key.upper())).first()
        if inside is None:
            return None
        return int(session.execute(select(func.count()).select_from(query.where(before).subquery())).scalar_one())


def pool_breach_count(desk: Desk, *, where: PoolFilter | None = None) -> int:
    """Open tasks with a breached clock, without building rows or blockers (the header's count)."""
    flt = where or PoolFilter()
    now = desk.now()
    with desk.read() as session:
        if flt == PoolFilter():
            clocks = open_clocks(session, desk.calendar, now)
        else:
            query = _filtered(select(*CLOCK_COLUMNS).where(is_open(), status_in(_statuses(flt))), flt)
            clocks = clocks_for_rows(session, list(session.execute(query)), desk.calendar, now)
    return sum(1 for c in clocks.values() if c.breaches)
