"""The pool and the order of work: R-POOL-1..3.

New tasks land in the unsorted pool (R-POOL-1) and are worked by priority
(R-POOL-2); inside one project a lower priority waits while a higher one is
open (R-POOL-3). Everything here is linear in the number of tasks, because
the pool screen recomputes it over every open task (~20k) on refresh.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from dutydesk.domain.priority import Priority, Status


@dataclass(frozen=True)
class PoolItem:
    """What ordering and blocking need to know about a task, nothing more."""

    key: str
    project_id: str | None
    priority: Priority | None
    status: Status
    received_at: datetime
    number: int


def pool_sort_key(item: PoolItem) -> tuple[int, int, datetime, int]:
    """R-POOL-2 order: untriaged first (they need the lead's eyes), then Immediate
    … Insignificant, then older first (R-POOL-3), then by number for stability."""
    if item.priority is None:
        return (0, 0, item.received_at, item.number)
    return (1, int(item.priority), item.received_at, item.number)


def pool_order(items: Iterable[PoolItem]) -> list[PoolItem]:
    """The items sorted by :func:`pool_sort_key`."""
    return sorted(items, key=pool_sort_key)


def _age_key(item: PoolItem) -> tuple[datetime, int]:
    return (item.received_at, item.number)


def blocked_by(items: Iterable[PoolItem]) -> dict[str, str]:
    """R-POOL-3: for each blocked open task, the key of the task that blocks it.

    A task is blocked while its project has an open task of a strictly higher
    priority; the one named is the *oldest* such task (by receipt, then
    number), the longest-standing obstacle. Only statuses that
    ``blocks_lower_priorities`` block, so done, handed-off and
    out-of-scope (needs_agreement) tasks hold nothing back. Tasks without a
    project or without a priority neither block nor are blocked: the rule is
    "per project", and an untriaged task has no place in the order yet.
    Only open tasks are reported as blocked; a closed one is not worked.

    Linear: one pass keeps the oldest blocker per (project, priority), a
    second pass looks at most four slots per task.
    """
    items = list(items)
    # project -> [oldest blocker of priority 1, ..., of priority 5]
    oldest: dict[str, list[PoolItem | None]] = {}
    for item in items:
        if item.project_id is None or item.priority is None or not item.status.blocks_lower_priorities:
            continue
        slots = oldest.setdefault(item.project_id, [None] * len(Priority))
        i = int(item.priority) - 1
        if slots[i] is None or _age_key(item) < _age_key(slots[i]):
            slots[i] = item

    # project -> running oldest over priorities 1..p, so lookup is O(1) per task
    oldest_above: dict[str, list[PoolItem | None]] = {}
    for project, slots in oldest.items():
        running: PoolItem | None = None
        prefix: list[PoolItem | None] = []
        for slot in slots:
            prefix.append(running)  # strictly higher than this slot's priority
            if slot is not None and (running is None or _age_key(slot) < _age_key(running)):
                running = slot
        oldest_above[project] = prefix

    result: dict[str, str] = {}
    for item in items:
        if item.project_id is None or item.priority is None or not item.status.is_open:
            continue
        prefix = oldest_above.get(item.project_id)
        if prefix is None:
            continue
        blocker = prefix[int(item.priority) - 1]
        if blocker is not None:
            result[item.key] = blocker.key
    return result


def next_to_take(items: Iterable[PoolItem]) -> PoolItem | None:
    """"Take next": the first task in pool order that may be started now.

    It must be in the pool, triaged (an untriaged task is first in the pool
    *order* so the lead sees it, but it must get a priority before anyone
    takes it, R-TRI-3), and not blocked (R-POOL-3: take next never picks a
    blocked task).
    """
    items = list(items)
    blocked = blocked_by(items)
    candidates = (
        item
        for item in items
        if item.status is Status.POOL and item.priority is not None and item.key not in blocked
    )
    return min(candidates, key=pool_sort_key, default=None)
