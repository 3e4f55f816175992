"""Place one demo request: created as the mail would create it, then triaged as the lead would."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from dutydesk.clock import Clock
from dutydesk.domain.priority import Channel, Priority
from dutydesk.services import lifecycle
from dutydesk.services.desk import Desk
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
    # The lead triaged it a little later (never in the future).
    triaged = at(desk, min(received_at + timedelta(minutes=12), desk.now()))
    if item.get("priority"):
        lifecycle.set_priority(triaged, view.key, Priority.parse(item["priority"]))
    if item.get("status") == "in_progress":
        lifecycle.take(triaged, view.key, staff=item.get("assignee", "duty-1"), override="demo")
    elif item.get("status") == "waiting_client":
        lifecycle.wait_for_client(triaged, view.key, question=item.get("question", "Уточните, пожалуйста."))
    return view.key
