"""Demo data: the registry and a day of requests placed relative to "now" so the clocks look alive."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func

from sqlmodel import select
from dutydesk.paths import repo_data_dir
from dutydesk.services import audit
from dutydesk.services.desk import Desk
from dutydesk.services.registry import import_registry
from dutydesk.services.registry_schema import load_registry
from dutydesk.store.models import (
    AuditEvent, Client, ClientAddress, ClientDomain, Contract, Escalation, Message, ProductLicence, Project,
    Staff, Task, Warranty,
)

DEMO_ACTOR = "duty-lead"


def demo_dir() -> Path:
    return repo_data_dir() / "demo"


def is_empty(desk: Desk) -> bool:
    with desk.read() as session:
        return not session.execute(select(func.count()).select_from(Task)).scalar_one() and not \
            session.execute(select(func.count()).select_from(Client)).scalar_one()


def wipe(desk: Desk) -> None:
    """Delete every row (for ``demo --reset``); the wipe itself is the first event of the new trail."""
    with desk.write() as session:
        for table in (AuditEvent, Escalation, Message, Warranty, ProductLicence, Contract, ClientDomain,
                      ClientAddress):
            session.execute(table.__table__.delete())  # type: ignore[attr-defined]
        session.execute(Task.__table__.update().values(parent_id=None))  # type: ignore[attr-defined]
        for table in (Task, Project, Client, Staff):
            session.execute(table.__table__.delete())  # type: ignore[attr-defined]
        audit.record(session, at=desk.now(), actor=desk.actor, action="demo.reset", entity="desk", entity_id="*")


def load_demo(desk: Desk) -> dict:
    """Registry, then the requests (each created and triaged through the same services the lead uses)."""
    from dutydesk.services.demo_tasks import at

    folder = demo_dir()
    oldest = max(t["minutes_ago"] for t in json.loads((folder / "tasks.json").read_text(encoding="utf-8"))["tasks"])
    registry_desk = at(desk, desk.now() - timedelta(minutes=oldest + 60))
    report = import_registry(registry_desk, load_registry(folder / "registry.json"), source="demo registry")
    spec = json.loads((folder / "tasks.json").read_text(encoding="utf-8"))["tasks"]
    from dutydesk.services.demo_tasks import place_demo_task

    now = desk.now()
    created = 0
    for item in sorted(spec, key=lambda t: -t["minutes_ago"]):
        place_demo_task(desk, item, received_at=now - timedelta(minutes=item["minutes_ago"]))
        created += 1
    return {"registry": report.to_json(), "tasks": created}
