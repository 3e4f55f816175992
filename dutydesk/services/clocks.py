"""Clocks of stored tasks (R-SLA-*): facts from the task row, pauses rebuilt from the audit trail."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, select

from dutydesk.domain.clocks import ClockFacts, TaskClocks, pauses_from_status_changes, task_clocks
from dutydesk.domain.priority import Priority, Status
from dutydesk.store.models import AuditEvent, Task

WAITING = Status.WAITING_CLIENT.value

#: What a task's clocks are computed from, in the order ``clocks_for_rows`` reads them.
CLOCK_COLUMNS = (Task.id, Task.received_at, Task.priority_order, Task.reacted_at, Task.taken_at, Task.done_at)


def pauses_for(session: Session, task_ids: Sequence[int]) -> dict[int, tuple]:
    """R-WORK-1 pauses per task, from status events into and out of ``waiting_client``."""
    if not task_ids:
        return {}
    changes: dict[int, list[tuple[datetime, str, str]]] = defaultdict(list)
    for chunk_start in range(0, len(task_ids), 900):
        chunk = task_ids[chunk_start:chunk_start + 900]
        query = (select(AuditEvent.task_id, AuditEvent.at, AuditEvent.before, AuditEvent.after)
                 .where(AuditEvent.task_id.in_(chunk), AuditEvent.field == "status",  # type: ignore[union-attr]
                        or_(AuditEvent.before == WAITING, AuditEvent.after == WAITING))
                 .order_by(AuditEvent.task_id, AuditEvent.at, AuditEvent.id))
        for task_id, at, before, after in session.execute(query):
            changes[task_id].append((at, before or "", after or ""))
    return {task_id: pauses_from_status_changes(items) for task_id, items in changes.items()}


def facts_of(received_at: datetime, priority_order: int, reacted_at, taken_at, done_at, pauses=()) -> ClockFacts:
    return ClockFacts(received_at=received_at, priority=Priority(priority_order) if priority_order else None,
                      reacted_at=reacted_at, started_at=taken_at, done_at=done_at, pauses=tuple(pauses))


def clocks_of_task(session: Session, task: Task, calendar, now: datetime) -> TaskClocks:
    pauses = pauses_for(session, [task.id]).get(task.id, ()) if task.id is not None else ()
    return task_clocks(facts_of(task.received_at, task.priority_order, task.reacted_at, task.taken_at,
                                task.done_at, pauses), calendar, now)


def clocks_for_rows(session: Session, rows: Iterable[tuple], calendar, now: datetime) -> dict[int, TaskClocks]:
    """Rows of (id, received_at, priority_order, reacted_at, taken_at, done_at) → their clocks."""
    rows = list(rows)
    pauses = pauses_for(session, [r[0] for r in rows])
    return {r[0]: task_clocks(facts_of(r[1], r[2], r[3], r[4], r[5], pauses.get(r[0], ())), calendar, now)
            for r in rows}
