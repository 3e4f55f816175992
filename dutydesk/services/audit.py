"""The audit trail: who, when, what, before → after. Past states are rebuilt from it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from dutydesk.store.models import AuditEvent


def as_text(value: Any) -> str | None:
    """A stable text form for before/after values, so history diffs and rebuilds are exact."""
    if value is None:
        return None
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def record(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    task_id: int | None = None,
    changes: Mapping[str, tuple[Any, Any]] | None = None,
    reason: str | None = None,
) -> list[AuditEvent]:
    """One event per changed field (or one plain event when nothing field-like changed)."""
    events: list[AuditEvent] = []
    real = {k: (as_text(b), as_text(a)) for k, (b, a) in (changes or {}).items()}
    real = {k: v for k, v in real.items() if v[0] != v[1]}
    if not real:
        events.append(AuditEvent(at=at, actor=actor, action=action, entity=entity,
                                 entity_id=entity_id, task_id=task_id, reason=reason))
    for name, (before, after) in real.items():
        events.append(AuditEvent(at=at, actor=actor, action=action, entity=entity, entity_id=entity_id,
                                 task_id=task_id, field=name, before=before, after=after, reason=reason))
    session.add_all(events)
    _notify(session)
    return events


CHANNEL = "dutydesk_changes"


def _notify(session: Session) -> None:
    """On PostgreSQL, tell the other desks at commit (identical notifications in one transaction fold into one)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"NOTIFY {CHANNEL}"))


def diff(obj: Any, values: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Field → (before, after) for the values that would change ``obj``."""
    return {name: (getattr(obj, name), value) for name, value in values.items()
            if as_text(getattr(obj, name)) != as_text(value)}
