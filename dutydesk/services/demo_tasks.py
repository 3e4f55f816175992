"""Place one demo request: created as the mail would create it, then triaged as the lead would."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from dutydesk.clock import Clock
from dutydesk.domain.priority import Channel
from dutydesk.services.desk import Desk
from dutydesk.services.tasks import create_task


def at(desk: Desk, moment: datetime) -> Desk:
    """The same desk with its clock at ``moment``, so the demo's audit trail reads like a real day."""
    return replace(desk, clock=Clock(moment))


def place_demo_task(desk: Desk, item: dict, *, received_at: datetime) -> str:
    view = create_task(
        at(desk, received_at),
        subject=item["subject"],
        project_id=item.get("project"),
        channel=Channel.EMAIL,
        received_at=received_at,
        first_sent_at=received_at,
        sender=item["from"],
        reason="demo",
    )
    return view.key
