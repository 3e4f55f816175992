"""Take next (R-POOL-3): the first unblocked task by the rule, safely under contention.

The candidates are computed and claimed in one unit of work. On SQLite that unit
holds the write lock (``BEGIN IMMEDIATE``), so desks queue and each sees the
others' takes. On PostgreSQL the first candidate nobody is claiming is locked
with ``FOR UPDATE SKIP LOCKED``, so sixteen desks pressing "next" at once fan
out over different tasks instead of queueing on one row.
"""

from __future__ import annotations


from sqlmodel import select
from dutydesk.domain.pool import blocked_by, pool_order
from dutydesk.domain.priority import Status
from dutydesk.errors import Refused
from dutydesk.services.desk import Desk
from dutydesk.services.lifecycle import take_in
from dutydesk.services.pool_items import open_items
from dutydesk.services.tasks import view_of
from dutydesk.services.views import TaskView
from dutydesk.store.models import Task

BATCH = 64


def candidate_keys(items) -> list[str]:
    """Keys take next may pick, best first: the pool order less what ``next_to_take`` never picks."""
    blocked = blocked_by(items)
    remaining = [i for i in items if i.key not in blocked and i.status is Status.POOL and i.priority is not None]
    return [item.key for item in pool_order(remaining)[:BATCH]]


def take_next(desk: Desk, *, staff: str) -> TaskView:
    with desk.write() as session:
        keys = candidate_keys(open_items(session))
        if not keys:
            raise Refused("nothing can be taken: the pool has no triaged, unblocked task (R-POOL-3)")
        query = (select(Task).where(Task.key.in_(keys), Task.status == Status.POOL.value)  # type: ignore[attr-defined]
                 .order_by(Task.priority_order, Task.received_at, Task.number).limit(1))
        if desk.engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        task = session.exec(query).first()
        if task is None:
            raise Refused("every candidate is being taken by other desks right now; try again")
        take_in(session, desk, task, staff=staff)
        session.flush()
        return view_of(session, task)
