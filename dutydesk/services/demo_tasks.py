"""Place one demo request: created as the mail would create it, then triaged as the lead would."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from dutydesk.clock import Clock
from dutydesk.domain.priority import Channel, Priority
from dutydesk.services import lifecycle
from dutydesk.services import audit
from dutydesk.services.desk import Desk
from dutydesk.services.tasks import get_task
from dutydesk.store.models import Message
from dutydesk.services.intake import create_request


def at(desk: Desk, moment: datetime) -> Desk:
    """The same desk with its clock at ``moment``, so the demo's audit trail reads like a real day."""
    return replace(desk, clock=Clock(moment))


def place_demo_task(desk: Desk, item: dict, *, received_at: datetime) -> str:
    view = create_request(
        at(desk, received_at),
        subject=item["subject"],
        project_id=item.get("project"),
        channel=Channel.EMAIL,
        received_at=received_at,
        sender=item["from"],
    )
    _store_request_mail(at(desk, received_at), view.key, item, received_at)
    # The lead triaged it a little later (never in the future).
    triaged = at(desk, min(received_at + timedelta(minutes=12), desk.now()))
    if item.get("priority"):
        lifecycle.set_priority(triaged, view.key, Priority.parse(item["priority"]))
    if item.get("status") == "in_progress":
        lifecycle.take(triaged, view.key, staff=item.get("assignee", "duty-1"), override="demo")
    elif item.get("status") == "waiting_client":
        lifecycle.wait_for_client(triaged, view.key, question=item.get("question", "Уточните, пожалуйста."))
    return view.key


def _store_request_mail(desk: Desk, key: str, item: dict, received_at: datetime) -> None:
    """The client's mail itself, so the thread, "first message" and the acknowledgement's In-Reply-To are real."""
    with desk.write() as session:
        task = get_task(session, key)
        domain = item["from"].split("@", 1)[1]
        message = Message(task_id=task.id, direction="in", kind="request", message_id=f"demo-{task.number}@{domain}",
                          sender=item["from"], recipients=desk.settings.support_address, subject=item["subject"],
                          body_text=item.get("body", ""), sent_at=received_at, received_at=received_at,
                          outcome="new_task", source="demo", created_at=received_at)
        session.add(message)
        session.flush()
        audit.record(session, at=desk.now(), actor=desk.actor, action="mail.demo", entity="message",
                     entity_id=str(message.id), task_id=task.id, changes={"outcome": (None, "new_task")})
