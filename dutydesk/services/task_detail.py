"""Everything about one task for the task screen and ``task show``: clocks, thread, history, escalations."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import select

from dutydesk.domain.clocks import TaskClocks
from dutydesk.domain.lifecycle import can_downgrade_valuable
from dutydesk.services.clocks import clocks_of_task
from dutydesk.services.desk import Desk
from dutydesk.services.tasks import get_task, view_of
from dutydesk.services.views import TaskView, iso
from dutydesk.store.models import AuditEvent, Escalation, Message, Task
from dutydesk.store.pool_queries import blocked_by_column


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    action: str
    field: str | None
    before: str | None
    after: str | None
    reason: str | None

    def to_json(self) -> dict:
        return {"at": iso(self.at), "actor": self.actor, "action": self.action, "field": self.field,
                "before": self.before, "after": self.after, "reason": self.reason}


@dataclass(frozen=True)
class MessageView:
    id: int
    direction: str
    kind: str
    sender: str | None
    recipients: str
    subject: str
    body_text: str
    at: datetime | None
    state: str | None
    attachments: tuple[dict, ...]

    def to_json(self) -> dict:
        return {"id": self.id, "direction": self.direction, "kind": self.kind, "from": self.sender,
                "to": self.recipients, "subject": self.subject, "body": self.body_text, "at": iso(self.at),
                "state": self.state, "attachments": list(self.attachments)}


@dataclass(frozen=True)
class EscalationRecord:
    id: int
    trigger: str
    level: int
    opened_at: datetime
    opened_by: str | None
    note: str | None
    deadline: datetime | None
    closed_at: datetime | None
    outcome: str | None

    def to_json(self) -> dict:
        return {"id": self.id, "trigger": self.trigger, "level": self.level, "opened_at": iso(self.opened_at),
                "opened_by": self.opened_by, "note": self.note, "deadline": iso(self.deadline),
                "closed_at": iso(self.closed_at), "outcome": self.outcome}


@dataclass(frozen=True)
class TaskDetail:
    task: TaskView
    clocks: TaskClocks
    messages: tuple[MessageView, ...]
    history: tuple[HistoryEntry, ...]
    escalations: tuple[EscalationRecord, ...]
    blocked_by: str | None = None

    @property
    def downgrade_offered(self) -> bool:
        """R-SLA-VAL: a Valuable task past its due may go down to Normal ("the volume proved larger")."""
        due = self.clocks.due
        return can_downgrade_valuable(self.task.priority, bool(due and due.breached and due.met_at is None))

    def to_json(self) -> dict:
        data = self.task.to_json()
        data["blocked_by"] = self.blocked_by
        data["downgrade_offered"] = self.downgrade_offered
        data["clocks"] = [{"name": c.name, "rule": c.rule, "due_at": iso(c.due_at), "met_at": iso(c.met_at),
                           "breached": c.breached, "paused": c.paused,
                           "working_minutes_left": c.working_minutes_left, "explanation": c.explanation}
                          for c in self.clocks.clocks]
        data["breaches"] = list(self.clocks.breaches)
        data["messages"] = [m.to_json() for m in self.messages]
        data["history"] = [h.to_json() for h in self.history]
        data["escalations"] = [e.to_json() for e in self.escalations]
        return data


def task_detail(desk: Desk, key: str) -> TaskDetail:
    now = desk.now()
    with desk.read() as session:
        task = get_task(session, key)
        clocks = clocks_of_task(session, task, desk.calendar, now)
        messages = tuple(
            MessageView(m.id, m.direction, m.kind, m.sender, m.recipients, m.subject, m.body_text,
                        m.sent_at or m.received_at or m.created_at, m.state, tuple(json.loads(m.attachments or "[]")))
            for m in session.exec(select(Message).where(Message.task_id == task.id).order_by(Message.id)))
        history = tuple(
            HistoryEntry(e.at, e.actor, e.action, e.field, e.before, e.after, e.reason)
            for e in session.exec(select(AuditEvent).where(AuditEvent.task_id == task.id).order_by(AuditEvent.id)))
        escalations = tuple(
            EscalationRecord(e.id, e.trigger, e.level, e.opened_at, e.opened_by, e.note, e.deadline, e.closed_at,
                             e.outcome)
            for e in session.exec(select(Escalation).where(Escalation.task_id == task.id).order_by(Escalation.id)))
        blocker = session.execute(select(blocked_by_column()).where(Task.id == task.id)).scalar_one_or_none()
        return TaskDetail(view_of(session, task), clocks, messages, history, escalations, blocker)
