"""Frozen read models handed to the CLI and the screens (never ORM objects)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from dutydesk.domain.priority import Priority


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class Ref:
    id: str
    name: str

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True)
class TaskView:
    key: str
    number: int
    subject: str
    status: str
    priority: Priority | None
    channel: str
    received_at: datetime
    client: Ref | None
    project: Ref | None
    sender: str | None
    first_sent_at: datetime | None
    assignee: str | None
    parent: str | None
    verdict: dict
    version: int
    fixed_deadline: datetime | None = None
    reacted_at: datetime | None = None
    taken_at: datetime | None = None
    done_at: datetime | None = None
    children: tuple[str, ...] = field(default_factory=tuple)
    note: str | None = None

    def to_json(self) -> dict:
        return {
            "key": self.key,
            "subject": self.subject,
            "status": self.status,
            "priority": self.priority.slug if self.priority else None,
            "priority_ru": self.priority.russian if self.priority else None,
            "channel": self.channel,
            "received_at": iso(self.received_at),
            "first_sent_at": iso(self.first_sent_at),
            "client": self.client.to_json() if self.client else None,
            "project": self.project.to_json() if self.project else None,
            "sender": self.sender,
            "assignee": self.assignee,
            "parent": self.parent,
            "children": list(self.children),
            "verdict": self.verdict,
            "fixed_deadline": iso(self.fixed_deadline),
            "reacted_at": iso(self.reacted_at),
            "taken_at": iso(self.taken_at),
            "done_at": iso(self.done_at),
            "note": self.note,
            "version": self.version,
        }


def verdict_dict(text: str) -> dict:
    try:
        value = json.loads(text or "{}")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}
