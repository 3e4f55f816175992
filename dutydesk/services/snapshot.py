"""Daily pool snapshots (issue 6): the pool at any moment, exported; the day's one stored and filed.

``export_snapshot`` gives the pool at a moment in any format; ``take_snapshot``
stores the day's snapshot in the database (one per day, idempotent) and
writes its files to the snapshot folder, for a cron job at 18:05 on working
days; ``list_snapshots`` is what the History screen lists.

A snapshot is the pool as the audit trail says it was (``pool_snapshot.pool_at``).
Rebuilding that from the whole trail takes seconds on a big desk, so
``build_snapshot`` first tries :func:`pool_from_rows`, which gives the same
answer from the current task rows in a fraction of that (see there why it is
the same answer, and when it gives up).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from dutydesk.errors import BadInput, NotFound
from dutydesk.export import FORMATS, TEXT_FORMATS, Snapshot, render
from dutydesk.export.jsonfile import dumps
from dutydesk.services import audit
from dutydesk.services.desk import Desk
from dutydesk.domain.calendar import WorkingCalendar
from dutydesk.domain.clocks import ClockFacts
from dutydesk.domain.priority import Priority
from dutydesk.services.history import Replay, as_utc, raw_moment, replay
from dutydesk.services.pool_snapshot import PoolEntry, entries_of, names, pool_at, render_pool
from dutydesk.store.raw import driver_rows, placeholder
from dutydesk.store.pool_queries import OPEN_IN
from dutydesk.store.snapshot_models import PoolSnapshot

FILE_STEM = "pool"


@dataclass(frozen=True)
class StoredSnapshot:
    """A row of ``pool_snapshot`` without its content: what a list shows."""

    id: int
    day: date
    at: datetime
    taken_at: datetime
    taken_by: str
    tasks: int
    sha256: str
    folder: str | None

    def to_json(self) -> dict:
        return {"id": self.id, "day": self.day.isoformat(), "at": self.at.isoformat(),
                "taken_at": self.taken_at.isoformat(), "taken_by": self.taken_by, "tasks": self.tasks,
                "sha256": self.sha256, "folder": self.folder}


@dataclass(frozen=True)
class TakeResult:
    """What ``snapshot take`` did: ``stored`` (new), ``replaced`` (an early one), ``kept`` or ``skipped``."""

    outcome: str
    day: date
    snapshot: StoredSnapshot | None
    files: tuple[Path, ...] = ()
    reason: str | None = None

    def to_json(self) -> dict:
        return {"outcome": self.outcome, "day": self.day.isoformat(), "reason": self.reason,
                "snapshot": self.snapshot.to_json() if self.snapshot else None,
                "files": [str(f) for f in self.files]}


# -- moments ------------------------------------------------------------------------


def end_of_day(desk: Desk, day: date) -> datetime:
    """``--date``: the end of that day's working window; a day off ends at midnight."""
    window = desk.calendar.working_window(day)
    if window is not None:
        return window[1]
    return datetime.combine(day + timedelta(days=1), time(0), desk.settings.tz) - timedelta(microseconds=1)


def moment_of(desk: Desk, *, at: datetime | None = None, day: date | None = None) -> datetime:
    """The moment a snapshot shows: ``at``, the end of ``day`` (or now if it has not ended), or now."""
    now = desk.now()
    if at is not None and day is not None:
        raise BadInput("give --at or --date, not both")
    if at is not None:
        if at > now:
            raise BadInput(f"{at.isoformat()} is in the future; the desk shows what was, not what will be")
        return at.astimezone(desk.settings.tz)
    if day is not None:
        if day > now.astimezone(desk.settings.tz).date():
            raise BadInput(f"{day.isoformat()} has not come yet")
        return min(end_of_day(desk, day), now).astimezone(desk.settings.tz)
    return now.astimezone(desk.settings.tz)


# -- building and exporting ------------------------------------------------------------


def build_snapshot(desk: Desk, moment: datetime) -> Snapshot:
    """The pool at ``moment`` as the audit trail has it (status, priority, assignee, project as then).

    From the current rows when that is provably the same answer, else rebuilt
    from the whole trail. On PostgreSQL the reads share one snapshot of the
    database (REPEATABLE READ), as SQLite's read transaction always does.
    """
    with desk.read() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        snapshot = pool_from_rows(session, moment, desk.calendar, desk.settings.timezone)
        if snapshot is not None:
            return snapshot
        return pool_at(session, moment, desk.calendar, desk.settings.timezone)


# -- the pool from the current rows ------------------------------------------------------

#: More task or escalation events than this after the moment, and the whole rebuild is used.
REPLAY_LIMIT = 10_000

_OPEN_ROWS_SQL = (
    "SELECT t.id, t.key, t.number, parent.key, t.status, t.priority_order, t.assignee_id, t.project_id, "
    "t.client_id, t.subject, t.received_at, t.reacted_at, t.taken_at, t.done_at "
    "FROM task t LEFT JOIN task parent ON parent.id = t.parent_id "
    f"WHERE t.status IN {OPEN_IN}"  # as ix_task_open_order's WHERE
)
#: R-WORK-1's evidence for the open tasks: status changes into or out of waiting, by id. (An IN list
#: of the open ids, not a join: SQLite then probes each task's events once, twice as fast.)
_WAITS_SQL = (
    "SELECT task_id, after, at FROM audit_event WHERE entity = 'task' AND field = 'status' "
    "AND (before = 'waiting_client' OR after = 'waiting_client') AND at <= {mark} "
    f"AND task_id IN (SELECT id FROM task WHERE status IN {OPEN_IN}) ORDER BY id"
)
_OPEN_ESCALATIONS_SQL = "SELECT task_id, level FROM escalation WHERE closed_at IS NULL"
_LATER_SQL = ("SELECT task_id FROM audit_event WHERE at > {mark} AND task_id IS NOT NULL "
              "AND entity IN ('task', 'escalation') LIMIT {limit}")
#: Stored priority order → (level, slug); 0 is untriaged.
_BY_ORDER: dict[int, tuple[Priority | None, str | None]] = {0: (None, None), **{int(p): (p, p.slug) for p in Priority}}


def pool_from_rows(session: Session, moment: datetime, calendar: WorkingCalendar,
                   timezone_name: str) -> Snapshot | None:
    """The pool at ``moment`` from the current task rows, byte for byte what the rebuild gives.

    Every change writes a task's row and its audit events in one transaction,
    so a row is the sum of all its task's events. A task with no task or
    escalation event after ``moment`` therefore stands in its row as it stood
    then: its status, priority, assignee, project and clock facts are read
    from the row, its pauses (R-WORK-1) from its status events, its open
    escalations (R-ESC-3) from the escalation table. The few tasks that did
    change after ``moment`` are replayed from their own events, as the
    rebuild would. Both halves become a snapshot through the same
    ``pool_snapshot.render_pool``.

    ``None`` (rebuild everything) when more than :data:`REPLAY_LIMIT` events
    came after ``moment``: a snapshot far in the past. The reads should see
    one state of the database (``build_snapshot`` sees to it); the events
    after the moment are read last all the same, through the index on
    ``at``, so even a change committed meanwhile is among them and replayed.
    """
    mark = placeholder(session)
    upto = raw_moment(session, moment)
    rows = list(driver_rows(session, _OPEN_ROWS_SQL, []))
    waits = Replay()
    waits.feed((task_id, "status", after, at) for task_id, after, at in
               driver_rows(session, _WAITS_SQL.format(mark=mark), [upto]))
    escalations = list(driver_rows(session, _OPEN_ESCALATIONS_SQL, []))
    later = list(driver_rows(session, _LATER_SQL.format(mark=mark, limit=REPLAY_LIMIT + 1), [upto]))
    if len(later) > REPLAY_LIMIT:
        return None
    changed = {task_id for (task_id,) in later}

    entries = []
    paused = waits.tasks
    for (task_id, key, number, parent, status, order, assignee, project, client, subject, received, reacted,
         taken, done) in rows:
        if task_id in changed:
            continue
        priority, slug = _BY_ORDER[order]
        waited = paused.get(task_id)
        facts = ClockFacts(as_utc(received), priority,  # received, priority, reacted, started, done, pauses
                           as_utc(reacted) if reacted is not None else None,
                           as_utc(taken) if taken is not None else None,
                           as_utc(done) if done is not None else None,
                           waited.pause_tuple() if waited is not None else ())
        entries.append(PoolEntry(task_id, key, number, parent, status, slug, assignee, project, client, subject,
                                 facts))
    levels: dict[int, int] = {}
    for task_id, level in escalations:
        if task_id not in changed and level > levels.get(task_id, 0):
            levels[task_id] = level
    if changed:
        state = replay(session, moment, sorted(changed))
        entries += entries_of(session, state, state.open_tasks())
        levels.update(state.escalation_levels())
    clients, projects = names(session)
    return render_pool(entries, levels, clients, projects, moment, calendar, timezone_name)


def snapshot_dir(desk: Desk) -> Path:
    """The configured folder (``snapshot_dir``), else ``snapshots`` in the data directory."""
    from dutydesk import paths

    return Path(desk.settings.snapshot_dir or paths.data_dir() / "snapshots").expanduser()


def file_name(day: date, fmt: str) -> str:
    return f"{FILE_STEM}-{day.isoformat()}.{fmt}"


def _check_format(fmt: str, excel: bool) -> None:
    if fmt not in FORMATS:
        raise BadInput(f"unknown format {fmt!r}: use " + ", ".join(FORMATS))
    if excel and fmt != "csv":
        raise BadInput("--excel is a CSV flavour (BOM and ';'); use it with --format csv")


def export_snapshot(desk: Desk, *, at: datetime | date | None = None, fmt: str = "csv", path: Path | str | None = None,
                    excel: bool = False, snapshot_id: int | None = None) -> Path | str:
    """The pool in ``fmt``: written to ``path`` (returns it) or returned as text.

    ``at``: a moment (as the audit trail has it: :func:`build_snapshot`), a day
    (its stored snapshot if one was taken, else the end of that working day) or ``None``
    (now). ``snapshot_id`` picks a stored snapshot. XLSX is binary: without a
    ``path`` it goes to the snapshot folder under the day's name.
    """
    _check_format(fmt, excel)
    snapshot = _resolve(desk, at, snapshot_id)
    data = render(snapshot, fmt, excel=excel)
    if path is None and fmt not in TEXT_FORMATS:
        path = snapshot_dir(desk) / file_name(snapshot.at.astimezone(desk.settings.tz).date(), fmt)
    if path is None:
        return data.decode("utf-8")
    target = Path(path).expanduser()
    write_atomically(target, data)
    return target


def _resolve(desk: Desk, at: datetime | date | None, snapshot_id: int | None) -> Snapshot:
    if snapshot_id is not None:
        with desk.read() as session:
            row = session.get(PoolSnapshot, snapshot_id)
            if row is None:
                raise NotFound(f"no stored snapshot {snapshot_id}")
            return Snapshot.from_json(json.loads(row.content))
    if isinstance(at, date) and not isinstance(at, datetime):
        with desk.read() as session:
            row = session.exec(select(PoolSnapshot).where(PoolSnapshot.day == at)).first()
        if row is not None:
            return Snapshot.from_json(json.loads(row.content))
        return build_snapshot(desk, moment_of(desk, day=at))
    return build_snapshot(desk, moment_of(desk, at=at))


def write_atomically(target: Path, data: bytes) -> None:
    """Write through a temporary file and rename, so a reader never sees half a snapshot."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- stored snapshots ---------------------------------------------------------------------


def _stored(row: PoolSnapshot) -> StoredSnapshot:
    return StoredSnapshot(row.id, row.day, row.at, row.taken_at, row.taken_by, row.tasks,  # type: ignore[arg-type]
                          row.sha256, row.folder)


def list_snapshots(desk: Desk) -> list[StoredSnapshot]:
    """Stored daily snapshots, newest day first (without their content)."""
    t = PoolSnapshot
    with desk.read() as session:
        rows = session.execute(select(t.id, t.day, t.at, t.taken_at, t.taken_by, t.tasks, t.sha256, t.folder)
                               .order_by(t.day.desc())).all()  # type: ignore[attr-defined]
    return [StoredSnapshot(*row) for row in rows]


def stored_snapshot(desk: Desk, day: date) -> Snapshot | None:
    with desk.read() as session:
        row = session.exec(select(PoolSnapshot).where(PoolSnapshot.day == day)).first()
        return Snapshot.from_json(json.loads(row.content)) if row is not None else None


def take_snapshot(desk: Desk, *, day: date | None = None, if_working_day: bool = False,
                  folder: Path | None = None) -> TakeResult:
    """Store the day's snapshot and write its files; running it again changes nothing.

    The day's snapshot is the pool at the end of its working window. Taken
    before that (by hand, at lunch), it shows "now" and is replaced by the
    next take after the day has ended; from then on every take keeps it, and
    only rewrites a file that has gone missing or differs.
    """
    tz = desk.settings.tz
    now = desk.now()
    today = now.astimezone(tz).date()
    day = day or today
    if if_working_day and not desk.calendar.is_working_day(day):
        info = desk.calendar.day_info(day)
        return TakeResult("skipped", day, None, reason=f"{day.isoformat()} is not a working day ({info.source})")
    moment = moment_of(desk, day=day)
    target = Path(folder).expanduser() if folder else snapshot_dir(desk)
    with desk.read() as session:
        existing = session.exec(select(PoolSnapshot).where(PoolSnapshot.day == day)).first()
    if existing is not None and existing.at >= moment:
        return TakeResult("kept", day, _stored(existing), _write_files(existing, target))
    snapshot = build_snapshot(desk, moment)
    content = dumps(snapshot.to_json())
    digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
    try:
        with desk.write() as session:
            row = session.exec(select(PoolSnapshot).where(PoolSnapshot.day == day)).first()
            if row is not None and row.at >= moment:  # another desk stored it meanwhile
                outcome = "kept"
            else:
                outcome = "replaced" if row is not None else "stored"
                before = row.sha256 if row is not None else None
                row = row or PoolSnapshot(day=day, at=moment, taken_at=now, taken_by=desk.actor, tasks=0,
                                          sha256="", content="")
                row.at, row.taken_at, row.taken_by = moment, now, desk.actor
                row.tasks, row.sha256, row.content, row.folder = len(snapshot.rows), digest, content, str(target)
                session.add(row)
                session.flush()
                audit.record(session, at=now, actor=desk.actor, action=f"snapshot.{'replace' if before else 'take'}",
                             entity="snapshot", entity_id=day.isoformat(),
                             changes={"sha256": (before, digest), "at": (None, moment)})
    except IntegrityError:  # two desks took the first snapshot of the day at once; theirs stands
        with desk.read() as session:
            row = session.exec(select(PoolSnapshot).where(PoolSnapshot.day == day)).one()
        outcome = "kept"
    return TakeResult(outcome, day, _stored(row), _write_files(row, target))


def _write_files(row: PoolSnapshot, folder: Path) -> tuple[Path, ...]:
    """Every format of the stored snapshot, each file written only when missing or different."""
    snapshot = Snapshot.from_json(json.loads(row.content))
    written = []
    for fmt in FORMATS:
        data = row.content.encode("utf-8") if fmt == "json" else render(snapshot, fmt, excel=fmt == "csv")
        path = folder / file_name(row.day, fmt)
        if not path.exists() or path.read_bytes() != data:
            write_atomically(path, data)
        written.append(path)
    return tuple(written)
