"""The open tasks of one moment as a :class:`Snapshot`: order (R-POOL-2), blockers (R-POOL-3), clocks.

Two ways lead here: a replay of the audit trail (``history.replay``, for any
past moment) and the current rows of the tasks unchanged since the moment
(``snapshot.pool_from_rows``). Both become :class:`PoolEntry` values and
meet in :func:`render_pool`, so they give the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlmodel import Session, select

from dutydesk.domain.calendar import WorkingCalendar
from dutydesk.domain.clocks import ClockFacts, clock_measurer, plan_clocks, task_clocks
from dutydesk.domain.pool import PoolItem, blocked_by, pool_sort_key
from dutydesk.export.model import Snapshot, SnapshotRow
from dutydesk.services.history import _STATUS, Replay, TaskState, _status, identify, replay
from dutydesk.store.models import Task
from dutydesk.store.raw import driver_rows


def names(session: Session) -> tuple[dict[str, str], dict[str, str]]:
    """Client and project names (the registry's current ones; the ids are as they were).

    Straight from the driver: a registry of thousands is read on every export."""
    clients = dict(driver_rows(session, "SELECT id, name FROM client", []))
    projects = dict(driver_rows(session, "SELECT id, name FROM project", []))
    return clients, projects


class PoolEntry(NamedTuple):
    """One open task as a snapshot needs it, however it was found (replayed or read from its row)."""

    id: int
    key: str
    number: int
    parent: str | None  # the parent's key
    status: str
    priority: str | None  # the slug
    assignee: str | None
    project: str | None
    client: str | None
    subject: str
    facts: ClockFacts


def entries_of(session: Session, state: Replay, open_states: Sequence[TaskState]) -> list[PoolEntry]:
    """Replayed open tasks as entries: keys, numbers and parents read from the task rows (fixed at creation)."""
    facts = identify(session, state, [s.id for s in open_states])
    parents = {parent for _n, parent in facts.values() if parent is not None}
    parent_keys = {}
    if parents:
        for pid, key in session.connection().execute(
                select(Task.id, Task.key).where(Task.id.in_(sorted(parents)))):  # type: ignore[union-attr]
            parent_keys[pid] = key
    out = []
    for s in open_states:
        number, parent = facts.get(s.id, (0, None))
        out.append(PoolEntry(s.id, s.key, number, parent_keys.get(parent) if parent is not None else None,
                             s.status or "", s.priority, s.assignee, s.project, s.client, s.subject or "",
                             s.facts()))
    return out


def render_pool(entries: Sequence[PoolEntry], levels: dict[int, int], clients: dict[str, str],
                projects: dict[str, str], moment: datetime, calendar: WorkingCalendar,
                timezone_name: str) -> Snapshot:
    """Open tasks as a :class:`Snapshot`: order (R-POOL-2), blockers (R-POOL-3) and clocks at ``moment``.

    The one place both the rebuild and the current rows become a snapshot, so
    the two give the same bytes whenever they are given the same tasks.
    """
    items = [PoolItem(e.key, e.project, e.facts.priority, _STATUS.get(e.status) or _status(e.status),
                      e.facts.received_at, e.number) for e in entries]
    blockers = blocked_by(items)
    # Clocks as task_clocks gives them, measured against the one moment in bulk (the domain's way
    # for a whole pool: plans not remembered, so the pool window's are not pushed out).
    measure, minutes_to, instant_us = clock_measurer(calendar, moment), calendar.ruler(moment), calendar.instant_us
    rows = []
    # Sorted with the index beside the key: a tie (numbers are unique, so none) keeps the given order.
    for _order, i in sorted(zip(map(pool_sort_key, items), range(len(items)))):
        e = entries[i]
        facts = e.facts
        received = facts.received_at
        clocks = (task_clocks(facts, calendar, moment) if facts.pauses
                  else measure(plan_clocks(facts, calendar, remember=False)))
        reaction, start, due = clocks.reaction, clocks.start, clocks.due
        # working minutes from receipt to the moment: minus those from the moment back to receipt
        age = -minutes_to(instant_us(received)) / 60 if received < moment else 0.0
        # Positional, in SnapshotRow's field order: keywords cost three times as much, 15k times.
        rows.append(SnapshotRow(
            e.key, e.subject, e.client, clients.get(e.client or ""), e.project, projects.get(e.project or ""),
            e.priority, e.status, blockers.get(e.key), e.parent, received, round(age, 1),
            reaction.due_at if reaction else None, start.due_at if start else None, due.due_at if due else None,
            clocks.breaches, e.assignee, levels.get(e.id),
        ))
    return Snapshot(at=moment, timezone=timezone_name, rows=tuple(rows))


def snapshot_of(session: Session, state: Replay, moment: datetime, calendar: WorkingCalendar,
                timezone_name: str) -> Snapshot:
    """The open tasks of a replayed state as a :class:`Snapshot`: order, blockers and clocks at ``moment``."""
    entries = entries_of(session, state, state.open_tasks())
    clients, projects = names(session)
    return render_pool(entries, state.escalation_levels(), clients, projects, moment, calendar, timezone_name)


def pool_at(session: Session, moment: datetime, calendar: WorkingCalendar, timezone_name: str) -> Snapshot:
    """The pool at ``moment``, rebuilt from the audit trail in one pass."""
    return snapshot_of(session, replay(session, moment), moment, calendar, timezone_name)
