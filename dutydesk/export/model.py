"""What a pool snapshot is, independent of any file format or database.

A :class:`Snapshot` is the pool (every open task) at one moment, as it was
then, with the clocks the desk would have shown. The services build it from
the audit trail; the writers beside this module turn it into bytes. Its JSON
form is also what the store keeps, so a stored snapshot can be exported
again in any format without rebuilding it (and without the registry's later
renames leaking into it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from dutydesk.domain.priority import Priority

UNTRIAGED = "untriaged"
UNTRIAGED_EN, UNTRIAGED_RU = "Untriaged", "НЕ РАЗОБРАНА"


class SnapshotRow(NamedTuple):
    """One open task at the snapshot's moment. ``priority`` is the slug (``None`` = untriaged).

    A named tuple, not a frozen dataclass: a big pool makes fifteen thousand
    of them per export, and a frozen dataclass costs a microsecond per field
    to build (as immutable, and compared by value all the same).
    """

    key: str
    subject: str
    client_id: str | None
    client_name: str | None
    project_id: str | None
    project_name: str | None
    priority: str | None
    status: str
    blocked_by: str | None
    parent: str | None
    received_at: datetime
    age_hours: float
    reaction_due: datetime | None
    start_due: datetime | None
    due: datetime | None
    breaches: tuple[str, ...]
    assignee: str | None
    escalation_level: int | None

    @property
    def priority_level(self) -> Priority | None:
        return Priority[self.priority.upper()] if self.priority else None

    @property
    def priority_en(self) -> str:
        level = self.priority_level
        return level.english if level else UNTRIAGED_EN

    @property
    def priority_ru(self) -> str:
        level = self.priority_level
        return level.russian if level else UNTRIAGED_RU


@dataclass(frozen=True)
class Snapshot:
    """The pool at ``at`` (R-POOL-1..3), rows in the order of work."""

    at: datetime
    timezone: str
    rows: tuple[SnapshotRow, ...]

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, value: datetime | None) -> datetime | None:
        return value.astimezone(self.tz) if value is not None else None

    def counts(self) -> dict[str, int]:
        """Open tasks per priority slug (``untriaged`` first), every level present."""
        out = {UNTRIAGED: 0, **{p.slug: 0 for p in Priority}}
        for row in self.rows:
            out[row.priority or UNTRIAGED] += 1
        return out

    def to_json(self) -> dict:
        """``{"at", "timezone", "tasks"}``; each task has ``pool --json``'s keys plus the snapshot's columns."""
        iso = self._iso
        return {
            "at": iso(self.at),
            "timezone": self.timezone,
            "tasks": [
                {
                    "key": r.key,
                    "subject": r.subject,
                    "client": {"id": r.client_id, "name": r.client_name} if r.client_id else None,
                    "project": {"id": r.project_id, "name": r.project_name} if r.project_id else None,
                    "priority": r.priority,
                    "status": r.status,
                    "blocked_by": r.blocked_by,
                    "received_at": iso(r.received_at),
                    "reaction_due": iso(r.reaction_due),
                    "start_due": iso(r.start_due),
                    "due": iso(r.due),
                    "breaches": list(r.breaches),
                    "assignee": r.assignee,
                    "snapshot_at": iso(self.at),
                    "priority_en": r.priority_en,
                    "priority_ru": r.priority_ru,
                    "parent": r.parent,
                    "age_working_hours": r.age_hours,
                    "escalation_level": r.escalation_level,
                }
                for r in self.rows
            ],
        }

    @classmethod
    def from_json(cls, data: dict) -> Snapshot:
        """The inverse of :meth:`to_json` (a stored snapshot read back)."""

        def when(text: str | None) -> datetime | None:
            return datetime.fromisoformat(text) if text else None

        rows = tuple(
            SnapshotRow(
                key=t["key"], subject=t["subject"],
                client_id=(t.get("client") or {}).get("id"), client_name=(t.get("client") or {}).get("name"),
                project_id=(t.get("project") or {}).get("id"), project_name=(t.get("project") or {}).get("name"),
                priority=t.get("priority"), status=t["status"], blocked_by=t.get("blocked_by"),
                parent=t.get("parent"), received_at=when(t["received_at"]),  # type: ignore[arg-type]
                age_hours=float(t.get("age_working_hours") or 0.0), reaction_due=when(t.get("reaction_due")),
                start_due=when(t.get("start_due")), due=when(t.get("due")), breaches=tuple(t.get("breaches") or ()),
                assignee=t.get("assignee"), escalation_level=t.get("escalation_level"),
            )
            for t in data.get("tasks", [])
        )
        return cls(at=when(data["at"]), timezone=data["timezone"], rows=rows)  # type: ignore[arg-type]

    def _iso(self, value: datetime | None) -> str | None:
        return value.astimezone(self.tz).isoformat() if value is not None else None


# -- the tabular columns ---------------------------------------------------------

#: Kinds of cell: ``text`` is untrusted (mail, registry) and is neutralised per format;
#: ``code`` is the desk's own (keys, slugs); ``time`` a moment; ``number``/``int`` numbers.
TEXT, CODE, TIME, NUMBER, INT = "text", "code", "time", "number", "int"


@dataclass(frozen=True)
class Column:
    name: str
    header: str
    kind: str
    width: int


COLUMNS: tuple[Column, ...] = (
    Column("snapshot_at", "Snapshot at", TIME, 17),
    Column("key", "Key", CODE, 11),
    Column("subject", "Subject", TEXT, 48),
    Column("client", "Client", TEXT, 24),
    Column("project", "Project", TEXT, 22),
    Column("priority", "Priority", CODE, 13),
    Column("priority_ru", "Приоритет", CODE, 15),
    Column("status", "Status", CODE, 15),
    Column("blocked_by", "Blocked by", CODE, 11),
    Column("parent", "Parent", CODE, 11),
    Column("received_at", "Received at", TIME, 17),
    Column("age", "Age, working h", NUMBER, 9),
    Column("reaction_due", "Reaction due", TIME, 17),
    Column("start_due", "Start due", TIME, 17),
    Column("due", "Due", TIME, 17),
    Column("breaches", "Breaches", CODE, 18),
    Column("assignee", "Assignee", TEXT, 14),
    Column("escalation_level", "Escalation level", INT, 10),
)


def column_values(snapshot: Snapshot, columns: tuple[Column, ...] = COLUMNS, *,
                  local: bool = True) -> list[list[Any]]:
    """Raw cell values column by column, for ``columns``; times local to the studio.

    By column, not by row: a 100k-row export reads nearly two million cells,
    and a column is one comprehension over the rows (the writers then format
    it in one ``map``), where a row is eighteen Python-level steps.
    ``local=False`` leaves times in whatever zone they are, for a writer whose
    time formatter converts them itself (``cells.formatter(..., tz=...)``).
    """
    rows, tz = snapshot.rows, snapshot.tz

    def times(name: str) -> list[datetime | None]:
        if not local:
            return list(map(attrgetter(name), rows))
        return [None if v is None else v.astimezone(tz) for v in map(attrgetter(name), rows)]

    def plain(name: str) -> list[Any]:
        return list(map(attrgetter(name), rows))

    cells = {
        "snapshot_at": lambda: [snapshot.at.astimezone(tz) if local else snapshot.at] * len(rows),
        "key": lambda: plain("key"),
        "subject": lambda: plain("subject"),
        "client": lambda: [r.client_name or r.client_id for r in rows],
        "project": lambda: [r.project_name or r.project_id for r in rows],
        "priority": lambda: [_ENGLISH[r.priority] if r.priority in _ENGLISH else r.priority_en for r in rows],
        "priority_ru": lambda: [_RUSSIAN[r.priority] if r.priority in _RUSSIAN else r.priority_ru for r in rows],
        "status": lambda: plain("status"),
        "blocked_by": lambda: plain("blocked_by"),
        "parent": lambda: plain("parent"),
        "received_at": lambda: times("received_at"),
        "age": lambda: plain("age_hours"),
        "reaction_due": lambda: times("reaction_due"),
        "start_due": lambda: times("start_due"),
        "due": lambda: times("due"),
        "breaches": lambda: [", ".join(r.breaches) or None for r in rows],
        "assignee": lambda: plain("assignee"),
        "escalation_level": lambda: plain("escalation_level"),
    }
    return [cells[column.name]() for column in columns]


#: Priority names by slug (``None`` = untriaged), looked up once per row instead of through the enum.
_ENGLISH = {None: UNTRIAGED_EN, **{p.slug: p.english for p in Priority}}
_RUSSIAN = {None: UNTRIAGED_RU, **{p.slug: p.russian for p in Priority}}


#: Fill colours per priority (R-POOL-2), shared by the XLSX and HTML writers.
PRIORITY_COLOURS = {
    UNTRIAGED: "DDEBF7",
    Priority.IMMEDIATE.slug: "FFC7CE",
    Priority.VALUABLE.slug: "FFE699",
    Priority.NORMAL.slug: "E2EFDA",
    Priority.LOW.slug: "EDEDED",
    Priority.INSIGNIFICANT.slug: "FFFFFF",
}


def table(snapshot: Snapshot, columns: tuple[Column, ...] = COLUMNS) -> list[tuple[Any, ...]]:
    """Raw cell values (times local to the studio), one tuple per row, for ``columns``."""
    return list(zip(*column_values(snapshot, columns))) if snapshot.rows else []


def title(snapshot: Snapshot) -> str:
    return f"Pool at {snapshot.local(snapshot.at):%Y-%m-%d %H:%M} ({snapshot.timezone}): {len(snapshot.rows)} open"
