"""Escalations (R-ESC-1..4): breaches the desk detects, calls it records, and finding the task a caller means."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, type_coerce
from sqlmodel import Session, select

from dutydesk.domain.escalation import (
    BreachInput, Contact, Level, Trigger, closest_by_sent, detect_breaches, whom_to_call,
)
from dutydesk.domain.lifecycle import parse_task_key, requalify_target
from dutydesk.domain.priority import Priority, Status
from dutydesk.errors import BadInput, NotFound, Refused
from dutydesk.services import audit
from dutydesk.services.clocks import CLOCK_COLUMNS, clocks_for_rows
from dutydesk.services.desk import Desk
from dutydesk.services.lifecycle import apply_change
from dutydesk.store.pool_queries import is_open
from dutydesk.services.tasks import get_task
from dutydesk.services.views import iso
from dutydesk.store.models import Escalation, Project, Staff, Task
from dutydesk.store.types import UTCDateTime


@dataclass(frozen=True)
class EscalationItem:
    """One line of the escalation panel: a recorded escalation, or a breach nobody has handled yet."""

    id: int | None
    key: str
    subject: str
    trigger: Trigger
    since: datetime
    level: Level
    contact: Contact | None
    next_contact: Contact | None
    note: str | None = None
    deadline: datetime | None = None
    detected: bool = False

    def to_json(self) -> dict:
        def person(c: Contact | None) -> dict | None:
            return None if c is None else {"id": c.staff_id, "name": c.name, "role": c.role,
                                           "phone": c.phone, "email": c.email}
        return {"id": self.id, "task": self.key, "subject": self.subject, "trigger": self.trigger.cli,
                "since": iso(self.since), "level": int(self.level), "call": person(self.contact),
                "next_level": person(self.next_contact), "note": self.note, "deadline": iso(self.deadline),
                "detected": self.detected}


def _contacts(session: Session) -> tuple[dict[str, Contact], list[Contact]]:
    staff = [Contact(s.id, s.name, s.role, s.phone, s.email) for s in session.exec(select(Staff).order_by(Staff.id))]
    return {c.staff_id: c for c in staff}, staff


def _route(level: Level, manager_id: str | None, by_id: dict[str, Contact], staff: list[Contact]):
    manager = by_id.get(manager_id or "")
    contact = whom_to_call(level, project_manager=manager, staff=staff)
    nxt = level.next_level
    return contact, (whom_to_call(nxt, project_manager=manager, staff=staff) if nxt else None)


def escalation_board(desk: Desk) -> list[EscalationItem]:
    """Open escalations, then breaches detected (R-ESC-1 a/b) that no open escalation covers yet."""
    now = desk.now()
    with desk.read() as session:
        by_id, staff = _contacts(session)
        managers = dict(session.execute(select(Project.id, Project.manager_id)).all())
        items: list[EscalationItem] = []
        covered: set[tuple[str, str]] = set()
        query = (select(Escalation, Task.key, Task.subject, Task.project_id)
                 .join(Task, Task.id == Escalation.task_id)
                 .where(Escalation.closed_at.is_(None)).order_by(Escalation.opened_at))  # type: ignore[union-attr]
        for esc, key, subject, project_id in session.execute(query):
            level = Level(esc.level)
            contact, nxt = _route(level, managers.get(project_id), by_id, staff)
            if esc.contact_id and esc.contact_id in by_id:
                contact = by_id[esc.contact_id]
            items.append(EscalationItem(esc.id, key, subject, Trigger(esc.trigger), esc.opened_at, level, contact,
                                        nxt, esc.note, esc.deadline))
            covered.add((key, esc.trigger))
        rows = list(session.execute(
            select(*CLOCK_COLUMNS, Task.key, Task.subject, Task.project_id, Task.status).where(is_open())))
        clocks = clocks_for_rows(session, [r[:6] for r in rows], desk.calendar, now)
    info = {r[6]: r for r in rows}
    inputs = []
    for r in rows:
        c = clocks[r[0]]
        inputs.append(BreachInput(key=r[6], priority=Priority(r[2]) if r[2] else None, status=Status(r[9]),
                                  reaction_due=c.reaction.due_at if c.reaction else None,
                                  reaction_met=bool(c.reaction and c.reaction.met_at is not None),
                                  due=c.due.due_at if c.due and c.due.met_at is None else None, done=False))
    for breach in detect_breaches(inputs, now):
        if (breach.key, breach.trigger.value) in covered:
            continue
        row = info[breach.key]
        contact, nxt = _route(Level.MANAGER, managers.get(row[8]), by_id, staff)
        items.append(EscalationItem(None, breach.key, row[7], breach.trigger, breach.since, Level.MANAGER,
                                    contact, nxt, detected=True))
    return items


def escalate(desk: Desk, key: str, *, trigger: str, level: int, note: str | None = None,
             deadline: datetime | None = None) -> EscalationItem:
    """Record an escalation (R-ESC-1..3). (c) re-qualifies the task; (d) stores its fixed deadline."""
    try:
        what = Trigger.parse(trigger)
        lvl = Level(int(level))
    except ValueError as exc:
        raise BadInput(f"{exc}; triggers: no-reaction, immediate-overdue, requalify, deadline; levels 1–3") from None
    if what is Trigger.DEADLINE and deadline is None:
        raise BadInput("a deadline escalation (R-ESC-1 d) needs --deadline")
    now = desk.now()
    with desk.write() as session:
        task = get_task(session, key)
        if not Status(task.status).is_open:
            raise Refused(f"{task.key} is {task.status}; reopen it before escalating")
        changes: dict = {}
        if what is Trigger.REQUALIFY:
            current = Priority(task.priority_order) if task.priority_order else None
            target = requalify_target(current)
            if target is None:
                raise Refused(f"{task.key} is {current.english if current else 'untriaged'}: R-ESC-1(c) re-qualifies "
                              "only Low-value → Normal and Normal → Valuable")
            changes["priority_order"] = int(target)
        if what is Trigger.DEADLINE:
            changes["fixed_deadline"] = deadline
        if changes:
            apply_change(session, desk, task, changes, action="task.escalation", reason=f"R-ESC-1 {what.cli}")
        by_id, staff = _contacts(session)
        project = session.get(Project, task.project_id) if task.project_id else None
        contact, nxt = _route(lvl, project.manager_id if project else None, by_id, staff)
        esc = Escalation(task_id=task.id, trigger=what.value, level=int(lvl), contact_id=contact.staff_id if contact
                         else None, note=note, deadline=deadline, opened_at=now, opened_by=desk.actor)
        session.add(esc)
        session.flush()
        audit.record(session, at=now, actor=desk.actor, action="escalation.open", entity="escalation",
                     entity_id=str(esc.id), task_id=task.id, reason=note,
                     changes={"trigger": (None, what.cli), "level": (None, int(lvl)), "deadline": (None, deadline)})
        return EscalationItem(esc.id, task.key, task.subject, what, now, lvl, contact, nxt, note, deadline)


def close_escalation(desk: Desk, escalation_id: int, *, outcome: str) -> None:
    if not outcome.strip():
        raise BadInput("say how it ended (--outcome)")
    with desk.write() as session:
        esc = session.get(Escalation, escalation_id)
        if esc is None:
            raise NotFound(f"no escalation {escalation_id}")
        if esc.closed_at is not None:
            raise Refused(f"escalation {escalation_id} was closed at {esc.closed_at.isoformat(timespec='minutes')}")
        esc.closed_at, esc.outcome = desk.now(), outcome.strip()
        audit.record(session, at=desk.now(), actor=desk.actor, action="escalation.close", entity="escalation",
                     entity_id=str(esc.id), task_id=esc.task_id, changes={"outcome": (None, esc.outcome)})


@dataclass(frozen=True)
class FoundTask:
    key: str
    subject: str
    sent_at: datetime
    distance_minutes: float

    def to_json(self) -> dict:
        return {"key": self.key, "subject": self.subject, "sent_at": iso(self.sent_at),
                "distance_minutes": round(self.distance_minutes, 1)}


def find_tasks(desk: Desk, *, key: str | None = None, sent: datetime | None = None, limit: int = 10) -> list[FoundTask]:
    """R-ESC-4: by the task number, or by the date-time the request mail was sent (closest first)."""
    with desk.read() as session:
        if key:
            number = parse_task_key(key)
            task = session.exec(select(Task).where(Task.number == number)).first() if number else None
            if task is None:
                raise NotFound(f"no task {key!r}")
            at = task.first_sent_at or task.received_at
            return [FoundTask(task.key, task.subject, at, abs((at - sent).total_seconds()) / 60 if sent else 0.0)]
        if sent is None:
            raise BadInput("give a task key or --sent DATE-TIME")
        # Candidates within a week either side, through the index on first_sent_at / received_at.
        window = (sent - timedelta(days=7), sent + timedelta(days=7))
        sent_at = type_coerce(func.coalesce(Task.first_sent_at, Task.received_at), UTCDateTime())
        rows = session.execute(select(Task.key, Task.subject, sent_at).where(sent_at.between(*window))).all()
    return [FoundTask(k, s, at, d) for k, s, at, d in closest_by_sent(rows, sent, limit=limit)]
