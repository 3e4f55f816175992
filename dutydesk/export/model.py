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
from typing import Any
from zoneinfo import ZoneInfo

from dutydesk.domain.priority import Priority

UNTRIAGED = "untriaged"


@dataclass(frozen=True)
class SnapshotRow:
    """One open task at the snapshot's moment. ``priority`` is the slug (``None`` = untriaged)."""

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
        return level.english if level else "Untriaged"

    @property
    def priority_ru(self) -> str:
        level = self.priority_level
        return level.russian if level else "НЕ РАЗОБРАНА"


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


def row_values(snapshot: Snapshot, row: SnapshotRow, at: datetime | None = None) -> tuple[Any, ...]:
    """One row's raw cells in :data:`COLUMNS` order, times local to the studio.

    One function rather than a getter per column: a 100k-row export reads
    nearly two million cells.
    """
    tz = snapshot.tz
    return (
        at or snapshot.at.astimezone(tz), row.key, row.subject, row.client_name or row.client_id,
        row.project_name or row.project_id, row.priority_en, row.priority_ru, row.status, row.blocked_by,
        row.parent, row.received_at.astimezone(tz), row.age_hours,
        row.reaction_due.astimezone(tz) if row.reaction_due else None,
        row.start_due.astimezone(tz) if row.start_due else None,
        row.due.astimezone(tz) if row.due else None,
        ", ".join(row.breaches) or None, row.assignee, row.escalation_level,
    )


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
    at = snapshot.at.astimezone(snapshot.tz)
    rows = [row_values(snapshot, row, at) for row in snapshot.rows]
    if columns is COLUMNS:
        return rows
    picks = [COLUMNS.index(c) for c in columns]
    return [tuple(values[i] for i in picks) for values in rows]


def title(snapshot: Snapshot) -> str:
    return f"Pool at {snapshot.local(snapshot.at):%Y-%m-%d %H:%M} ({snapshot.timezone}): {len(snapshot.rows)} open"
