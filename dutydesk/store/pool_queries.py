"""The pool window as one covering query (R-POOL-2/3), so the pool stays instant at 100k tasks.

``dutydesk.domain.pool.blocked_by`` is the rule; ``blocked_by_column`` is the same
rule as a correlated subquery, evaluated only for the rows on screen through
the ``ix_task_project_open`` index. A test checks the two agree on random pools.
"""

from __future__ import annotations

from sqlalchemy import and_, bindparam, case, func, select
from sqlalchemy.orm import aliased

from dutydesk.domain.priority import Status
from dutydesk.store.models import Task

OPEN_STATUSES = tuple(s.value for s in Status if s.is_open)
#: ``('pool', …)``: the open statuses as SQL text, for the statements written out by hand.
OPEN_IN = "(" + ", ".join(f"'{status}'" for status in OPEN_STATUSES) + ")"
BLOCKING_STATUSES = tuple(s.value for s in Status if s.blocks_lower_priorities)


def status_in(statuses: tuple[str, ...], column=Task.status):
    """``status IN ('pool', …)`` with the values written into the SQL, not bound: only then can SQLite
    (and PostgreSQL's planner, generically) prove the partial index ``ix_task_open_order`` applies."""
    return column.in_(bindparam("st_" + "_".join(s[:4] for s in statuses), value=list(statuses),
                                expanding=True, literal_execute=True))


def is_open():
    return status_in(OPEN_STATUSES)


def blocked_by_column():
    """The oldest open task of a strictly higher priority in the same project, or NULL."""
    blocker = aliased(Task, name="blocker")
    oldest = (
        select(blocker.key)
        .where(blocker.project_id == Task.project_id,
               status_in(BLOCKING_STATUSES, blocker.status),
               blocker.priority_order >= 1, blocker.priority_order < Task.priority_order)
        .order_by(blocker.received_at, blocker.number)
        .limit(1)
        .correlate(Task)
        .scalar_subquery()
    )
    applies = and_(Task.project_id.is_not(None), Task.priority_order > 1, is_open())  # type: ignore[union-attr]
    return case((applies, oldest), else_=None).label("blocked_by")


def open_counts_query():
    """Open tasks per priority order (0 = untriaged), through the pool-order index."""
    return (select(Task.priority_order, func.count())
            .where(is_open())
            .group_by(Task.priority_order))
