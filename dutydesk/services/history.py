"""The pool at a past moment, rebuilt from the audit trail (issue 6).

Every change to a task writes field-level audit events (``before → after``),
so a task's status, priority, assignee, project and clock facts at any moment
are the ``after`` values of its events up to that moment. The current rows
are never consulted for those: a task changed at 18:30 still shows as it was
in the 18:00 snapshot, which is what a dispute with a client needs. Only
facts fixed at creation (number, key, parent) are read from the task rows.

The rebuild is one pass over the task events up to the moment, in the order
they were written (by id), keeping a few slots per task — never a query per
task. A long trail is mostly row decoding, so the pass reads four narrow
columns straight from the driver's cursor; 100k tasks with 1.3M events take
a few seconds. Escalations are a second, small query. The daily trend and
the handover reuse :class:`Replay` and watch the events go by.

Seconds are too long for "export the pool now", so the snapshot service
reads unchanged tasks from their rows and replays only the tasks changed
after the moment (``snapshot.pool_from_rows``); both ways meet in
``pool_snapshot.render_pool``, so they give the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from sqlalchemy import Text, select, type_coerce
from sqlmodel import Session

from dutydesk.domain.calendar import WorkingCalendar
from dutydesk.domain.clocks import ClockFacts, TaskClocks, task_clocks
from dutydesk.domain.pool import PoolItem
from dutydesk.domain.priority import Priority, Status
from dutydesk.store.models import AuditEvent, Task
from dutydesk.store.raw import driver_rows, placeholder_for
from dutydesk.store.types import from_sqlite

WAITING = Status.WAITING_CLIENT.value
OPEN = frozenset(s.value for s in Status if s.is_open)
_PRIORITY = {p.slug: p for p in Priority}
_STATUS = {s.value: s for s in Status}

#: Task fields the rebuild needs (every other audited field is skipped in SQL).
TASK_FIELDS = ("status", "priority", "assignee_id", "project_id", "client_id", "subject",
               "received_at", "reacted_at", "taken_at", "done_at")
_SLOT = {"assignee_id": "assignee", "project_id": "project", "client_id": "client"}

_TASK_SQL = (
    "SELECT task_id, field, after, at{extra} FROM audit_event "
    "WHERE at <= {upto}{since} AND task_id IS NOT NULL AND entity = 'task' "
    "AND field IN (" + ", ".join(f"'{name}'" for name in TASK_FIELDS) + ") "
    "ORDER BY {order}"
)
_SCAN_ABOVE = 3_000


def as_utc(value: object) -> datetime:
    """An audit ``at`` as read raw: SQLite gives its stored text (naive UTC), PostgreSQL a datetime.

    Reading it raw skips a per-row conversion, which is much of the cost of a
    long trail; only the events whose time matters pay for it.
    """
    return from_sqlite(value)  # type: ignore[arg-type, return-value]  # the same rule as the column type's


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class TaskState:
    """A task's rebuilt slots. Times stay as the trail has them (text) until a clock needs them."""

    __slots__ = ("id", "key", "status", "priority", "assignee", "project", "client", "subject", "received_at",
                 "reacted_at", "taken_at", "done_at", "status_at", "waiting_since", "pauses", "version", "first_seen")

    def __init__(self, task_id: int, first_seen: object = None) -> None:
        self.id = task_id
        self.first_seen = first_seen  # raw time of its first event (its creation)
        #: grows with every event applied: clock deadlines depend on the facts only, so a
        #: walk through many moments recomputes them only when this has moved
        self.version = 0
        self.key: str = f"#{task_id}"
        self.status: str | None = None
        self.priority: str | None = None
        self.assignee = self.project = self.client = self.subject = None
        self.received_at = self.reacted_at = self.taken_at = self.done_at = None
        #: raw audit times (see :func:`as_utc`): last status change, open pause start, closed pauses
        self.status_at: object = None
        self.waiting_since: object = None
        self.pauses: list | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def level(self) -> Priority | None:
        return _PRIORITY.get(self.priority) if self.priority else None

    @property
    def changed_status_at(self) -> datetime | None:
        return as_utc(self.status_at) if self.status_at is not None else None

    @property
    def received(self) -> datetime:
        """Receipt as recorded at creation; a trail without it falls back to the creation itself."""
        return _moment(self.received_at) or as_utc(self.first_seen)

    def pause_tuple(self) -> tuple:
        """R-WORK-1 pauses as ``pauses_from_status_changes`` gives them: closed ones, then an open one."""
        out = [(as_utc(a), as_utc(b)) for a, b in self.pauses or ()]
        if self.waiting_since is not None:
            out.append((as_utc(self.waiting_since), None))
        return tuple(out)

    def facts(self) -> ClockFacts:
        return ClockFacts(received_at=self.received, priority=self.level,
                          reacted_at=_moment(self.reacted_at), started_at=_moment(self.taken_at),
                          done_at=_moment(self.done_at), pauses=self.pause_tuple())

    def clocks(self, calendar: WorkingCalendar, now: datetime) -> TaskClocks:
        return task_clocks(self.facts(), calendar, now)

    def breach_instants(self, calendar: WorkingCalendar, now: datetime) -> tuple[datetime, ...]:
        """When each clock that is or will be missed became late, given the facts so far (sorted).

        A clock is breached at a moment after its due if it was not met by
        then (``task_clocks``: met late, or unmet and past due). The due
        depends on the facts only, not on ``now``; a walk through many
        moments keeps these and recomputes them only when the facts change.
        """
        return tuple(sorted(c.due_at for c in self.clocks(calendar, now).clocks
                            if c.due_at is not None and (c.met_at is None or c.met_at > c.due_at)))


class Replay:
    """Every task's state after the events fed so far, plus the escalations open (R-ESC-1..3)."""

    def __init__(self) -> None:
        self.tasks: dict[int, TaskState] = {}
        #: escalation id → (task id, level, trigger) while open
        self.escalations: dict[str, tuple[int, int, str | None]] = {}

    def feed(self, events: Iterable[tuple]) -> None:
        """Apply ``(task_id, field, after, at)`` events in order: the hot loop, written flat."""
        tasks, new_state, slot_of = self.tasks, TaskState, _SLOT
        for task_id, field, after, at in events:
            state = tasks.get(task_id)
            if state is None:
                state = tasks[task_id] = new_state(task_id, at)
            state.version += 1
            if field == "status":
                # Raw times compare correctly: one back end gives one kind (text or datetime).
                state.status, state.status_at = after, at
                if after == WAITING:
                    if state.waiting_since is None:
                        state.waiting_since = at
                elif state.waiting_since is not None:
                    if at > state.waiting_since:
                        if state.pauses is None:
                            state.pauses = []
                        state.pauses.append((state.waiting_since, at))
                    state.waiting_since = None
            else:
                setattr(state, slot_of.get(field, field), after)

    def open_tasks(self) -> list[TaskState]:
        return [s for s in self.tasks.values() if s.status in OPEN]

    def escalation_levels(self) -> dict[int, int]:
        """Task id → the highest level among its escalations open now (R-ESC-3)."""
        levels: dict[int, int] = {}
        for task_id, level, _trigger in self.escalations.values():
            if level > levels.get(task_id, 0):
                levels[task_id] = level
        return levels


# -- reading the trail ------------------------------------------------------------------


def task_events(session: Session, *, upto: datetime, since: datetime | None = None, by_time: bool = False,
                with_action: bool = False, task_ids: Sequence[int] | None = None) -> Iterator[tuple]:
    """``(task_id, field, after, at[, action])`` of the task events with ``since < at <= upto``.

    By id (the order they were written, which the current rows are the result
    of) or by time then id (what a walk through several moments needs). The
    SQL is fixed text with one or two bound moments; rows come straight from
    the driver's cursor because SQLAlchemy's row objects would double the
    cost of a long trail, and the columns need no conversion.

    ``task_ids`` limits it to those tasks, a chunk of ids per statement (through
    ``ix_audit_task_at``); each task's events still come by id, all in one chunk.
    """
    dialect = session.connection().dialect
    values = [raw_moment(session, upto)] + ([raw_moment(session, since)] if since is not None else [])
    mark = placeholder_for(dialect.paramstyle)
    since_sql = f" AND at > {mark}" if since is not None else ""
    chunks: Iterable = [None] if task_ids is None else _chunks(task_ids)
    for chunk in chunks:
        only = "" if chunk is None else " AND task_id IN (" + ", ".join(str(int(i)) for i in chunk) + ")"
        sql = _TASK_SQL.format(extra=", action" if with_action else "", upto=mark, since=since_sql + only,
                               order="at, id" if by_time else "id")
        yield from driver_rows(session, sql, values)


def _chunks(ids: Sequence[int], size: int = 900) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), size):
        yield ordered[start:start + size]


def raw_moment(session: Session, moment: datetime) -> object:
    """``moment`` as the trail's raw ``at`` values look, so they compare without converting each row."""
    dialect = session.connection().dialect
    column_type = AuditEvent.__table__.c.at.type.dialect_impl(dialect)  # type: ignore[attr-defined]
    to_db = column_type.bind_processor(dialect)  # the zone rule, then the driver's own format
    return to_db(moment) if to_db else moment


def escalation_events(session: Session, *, upto: datetime, since: datetime | None = None,
                      task_ids: Sequence[int] | None = None) -> list[tuple]:
    """``(id, task_id, escalation id, action, field, after, at)`` of escalation events, by id (few rows).

    ``task_ids`` limits it to those tasks (chunked; an escalation's events are all of one task)."""
    e = AuditEvent.__table__.c  # type: ignore[attr-defined]
    query = (select(e.id, e.task_id, e.entity_id, e.action, e.field, e.after, type_coerce(e.at, Text))
             .where(e.entity == "escalation", e.task_id.is_not(None), e.at <= upto,
                    e.field.in_(("level", "trigger", "outcome")))
             .order_by(e.id))
    if since is not None:
        query = query.where(e.at > since)
    if task_ids is None:
        return [tuple(row) for row in session.connection().execute(query)]
    return [tuple(row) for chunk in _chunks(task_ids)
            for row in session.connection().execute(query.where(e.task_id.in_(chunk)))]


def apply_escalations(state: Replay, events: Iterable[tuple]) -> None:
    """Escalations open after ``events``: opened with a level (R-ESC-3), gone once closed."""
    opened: dict[str, list] = {}
    for _id, task_id, esc_id, action, field, after, _at in events:
        if action == "escalation.close":
            opened.pop(esc_id, None)
            state.escalations.pop(esc_id, None)
            continue
        slot = opened.setdefault(esc_id, [task_id, None, None])
        if field == "level" and after is not None:
            slot[1] = int(after)
        elif field == "trigger":
            slot[2] = after
        if slot[1] is not None:
            state.escalations[esc_id] = (slot[0], slot[1], slot[2])


def replay(session: Session, moment: datetime, task_ids: Sequence[int] | None = None) -> Replay:
    """Every task (or those of ``task_ids``) as it stood at ``moment`` (events at exactly ``moment`` included)."""
    state = Replay()
    state.feed(task_events(session, upto=moment, task_ids=task_ids))
    apply_escalations(state, escalation_events(session, upto=moment, task_ids=task_ids))
    return state


def identify(session: Session, state: Replay, task_ids: Iterable[int]) -> dict[int, tuple[int, int | None]]:
    """Fill in keys and return id → (number, parent id): facts fixed at creation, never per task.

    A few ids are read in chunks by primary key; many (a big pool) in one
    scan of four narrow columns, which is cheaper than thousands of lookups.
    """
    ids = set(task_ids)
    columns = (Task.id, Task.key, Task.number, Task.parent_id)
    if len(ids) > _SCAN_ABOVE:
        rows: Iterable = driver_rows(session, "SELECT id, key, number, parent_id FROM task", [])
    else:
        ordered = sorted(ids)
        rows = [row for start in range(0, len(ordered), 900)
                for row in session.connection().execute(
                    select(*columns).where(Task.id.in_(ordered[start:start + 900]))).all()]  # type: ignore[union-attr]
    out: dict[int, tuple[int, int | None]] = {}
    tasks = state.tasks
    for task_id, key, number, parent in rows:
        if task_id in ids:
            out[task_id] = (number, parent)
            if task_id in tasks:
                tasks[task_id].key = key
    return out


def pool_item(state: TaskState, number: int) -> PoolItem:
    return PoolItem(key=state.key, project_id=state.project, priority=state.level, status=_status(state.status),
                    received_at=state.received, number=number)


def _status(value: str | None) -> Status:
    return _STATUS[value] if value in _STATUS else Status(value)  # an unknown one fails as Status() does
