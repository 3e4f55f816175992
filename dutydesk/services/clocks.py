"""Clocks of stored tasks (R-SLA-*): facts from the task row, pauses rebuilt from the audit trail.

The pool, the breach count and the escalation board clock every open task,
so the reads here go straight to the driver (``dutydesk.store.raw``): the
rows are narrow and many, and SQLAlchemy's result layer would cost more
than the queries and the clock arithmetic together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from weakref import WeakKeyDictionary

from sqlalchemy import Engine
from sqlmodel import Session, select

from dutydesk.domain.clocks import (
    ClockFacts,
    TaskClocks,
    clock_measurer,
    pauses_from_status_changes,
    plan_clocks,
    task_clocks,
)
from dutydesk.domain.priority import Priority, Status
from dutydesk.store.models import Task
from dutydesk.store.pool_queries import OPEN_IN, is_open
from dutydesk.store.raw import (
    Source,
    compiled_select,
    connection_of,
    dialect_of,
    driver_fetchall,
    placeholder,
    utc_reader,
)

WAITING = Status.WAITING_CLIENT.value

#: What a task's clocks are computed from, in the order ``clocks_for_rows`` reads them.
CLOCK_COLUMNS = (Task.id, Task.received_at, Task.priority_order, Task.reacted_at, Task.taken_at, Task.done_at)

#: R-WORK-1's evidence: status changes into or out of waiting. The condition is written out (not
#: bound) exactly as the partial index ``ix_audit_waiting`` states it, so the planner can use it.
WAITING_EVENTS_SQL = "field = 'status' AND (before = 'waiting_client' OR after = 'waiting_client')"
_CHUNK = 900  # below SQLite's historical 999 bound parameters

#: Stored priority order → level (0, untriaged, is absent): ``Priority(n)`` is a slow enum call.
PRIORITY_OF_ORDER = {int(p): p for p in Priority}


def pauses_for(session: Source, task_ids: Sequence[int]) -> dict[int, tuple]:
    """R-WORK-1 pauses per task, from status events into and out of ``waiting_client``."""
    if not task_ids:
        return {}
    to_utc = utc_reader(dialect_of(session))
    mark = placeholder(session)
    changes: dict[int, list[tuple[datetime, str, str]]] = defaultdict(list)
    for start in range(0, len(task_ids), _CHUNK):
        chunk = list(task_ids[start:start + _CHUNK])
        sql = (f"SELECT task_id, at, after FROM audit_event WHERE {WAITING_EVENTS_SQL} "
               f"AND task_id IN ({', '.join([mark] * len(chunk))}) ORDER BY task_id, at, id")
        for task_id, at, after in driver_fetchall(session, sql, chunk):
            changes[task_id].append((to_utc(at), "", after or ""))  # type: ignore[arg-type]
    return {task_id: pauses_from_status_changes(items) for task_id, items in changes.items()}


_PAUSES_BY_VERSION: WeakKeyDictionary[Engine, dict[tuple, tuple]] = WeakKeyDictionary()
_PAUSES_LIMIT = 32768


def pauses_by_version(session: Source, tasks: Sequence[tuple[int, int, object]]) -> dict[int, tuple]:
    """``pauses_for`` the ``(id, version, received_at as stored)`` of each task, remembered per engine.

    A task's pauses change only when its status does, and every change of a
    task bumps its version in the same transaction as its audit events
    (``lifecycle.apply_change``), so a task seen at the same version has the
    same pauses; the receipt in the key keeps a restored or different desk
    from answering for it. A pool refresh then asks the store only for the
    tasks that changed.
    """
    engine = connection_of(session).engine
    memo = _PAUSES_BY_VERSION.get(engine)
    if memo is None:
        memo = _PAUSES_BY_VERSION[engine] = {}
    missing = [task for task in tasks if task not in memo]
    if missing:
        fresh = pauses_for(session, [task[0] for task in missing])
        if len(memo) + len(missing) > _PAUSES_LIMIT:
            memo.clear()
        for task in missing:
            memo[task] = fresh.get(task[0], ())
    return {task[0]: memo[task] for task in tasks if memo.get(task)}


def pauses_of_open_tasks(session: Source) -> dict[int, tuple]:
    """``pauses_for`` every open task, in one statement (the whole-pool passes)."""
    to_utc = utc_reader(dialect_of(session))
    sql = (f"SELECT task_id, at, after FROM audit_event WHERE {WAITING_EVENTS_SQL} "
           f"AND task_id IN (SELECT id FROM task WHERE status IN {OPEN_IN}) ORDER BY task_id, at, id")
    changes: dict[int, list[tuple[datetime, str, str]]] = defaultdict(list)
    for task_id, at, after in driver_fetchall(session, sql, ()):
        changes[task_id].append((to_utc(at), "", after or ""))  # type: ignore[arg-type]
    return {task_id: pauses_from_status_changes(items) for task_id, items in changes.items()}


def facts_of(received_at: datetime, priority_order: int, reacted_at, taken_at, done_at, pauses=()) -> ClockFacts:
    return ClockFacts(received_at, PRIORITY_OF_ORDER.get(priority_order), reacted_at, taken_at, done_at, tuple(pauses))


def clocks_of_task(session: Session, task: Task, calendar, now: datetime) -> TaskClocks:
    pauses = pauses_for(session, [task.id]).get(task.id, ()) if task.id is not None else ()
    return task_clocks(facts_of(task.received_at, task.priority_order, task.reacted_at, task.taken_at,
                                task.done_at, pauses), calendar, now)


def clocks_for_rows(session: Session, rows: Iterable[tuple], calendar, now: datetime) -> dict[int, TaskClocks]:
    """Rows of (id, received_at, priority_order, reacted_at, taken_at, done_at) → their clocks."""
    rows = list(rows)
    pauses = pauses_for(session, [r[0] for r in rows])
    no_pauses = ()
    return {r[0]: task_clocks(facts_of(r[1], r[2], r[3], r[4], r[5], pauses.get(r[0], no_pauses)), calendar, now)
            for r in rows}


#: Plans remembered by driver facts; cleared when full. Twice a busy pool's open tasks (15k at
#: 100k tasks) keeps the breach count and the window warm for about 10 MB.
_RAW_PLAN_LIMIT = 32768


def clocks_for_driver_rows(session: Source, rows: Sequence[tuple], calendar, now: datetime,
                           pauses: dict[int, tuple] | None = None) -> list[tuple[datetime, TaskClocks]]:
    """Driver rows that start with ``CLOCK_COLUMNS`` → per row ``(received_at, clocks)``.

    A task's plan (:func:`plan_clocks`) is remembered under its facts exactly as
    the driver gave them, so a refresh of rows already seen converts no
    timestamp and only measures the unmet clocks against ``now``. A task that
    waited for the client is computed afresh while a clock of it is unmet
    (a pause can stop it); once all are met, nothing about them moves with
    time, and its clocks are remembered with its pauses.
    The window and the whole-pool passes (breach count, escalation board)
    share the memo, so each warms the other.
    """
    to_utc = utc_reader(dialect_of(session))
    if pauses is None:
        pauses = pauses_for(session, [r[0] for r in rows])
    memo = calendar.memo("driver-clock-plans")
    priority_of, remembered, paused_of = PRIORITY_OF_ORDER.get, memo.get, pauses.get
    measure = clock_measurer(calendar, now)
    out: list[tuple[datetime, TaskClocks]] = []
    append = out.append
    for r in rows:
        paused = paused_of(r[0])
        if paused is None:
            key = r[1:6]
            found = remembered(key)
            if found is None:
                received = to_utc(r[1])
                facts = ClockFacts(received, priority_of(r[2]), to_utc(r[3]), to_utc(r[4]), to_utc(r[5]))
                found = (received, plan_clocks(facts, calendar, remember=False))  # remembered here instead
                if len(memo) >= _RAW_PLAN_LIMIT:
                    memo.clear()
                memo[key] = found
            append((found[0], measure(found[1])))  # type: ignore[index]
        else:
            key = (r[1:6], paused)
            found = remembered(key)
            if found is not None:
                append(found)
                continue
            received = to_utc(r[1])
            facts = ClockFacts(received, priority_of(r[2]), to_utc(r[3]), to_utc(r[4]), to_utc(r[5]), paused)
            clocks = task_clocks(facts, calendar, now)
            append((received, clocks))
            if all(clock.met_at is not None for clock in clocks.clocks):
                # Every clock met: nothing about them moves with time any more, pauses or not.
                if len(memo) >= _RAW_PLAN_LIMIT:
                    memo.clear()
                memo[key] = (received, clocks)
    return out


def open_clocks(session: Source, calendar, now: datetime) -> dict[int, TaskClocks]:
    """The clocks of every open task at ``now``: the breach count's and the benchmark's question."""
    dialect = dialect_of(session)
    statement = compiled_select(dialect, "open-clock-facts", lambda: select(*CLOCK_COLUMNS).where(is_open()))
    rows = statement.rows(session)
    measured = clocks_for_driver_rows(session, rows, calendar, now, pauses_of_open_tasks(session))
    return {r[0]: clocks for r, (_, clocks) in zip(rows, measured)}
