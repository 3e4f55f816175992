"""A request enters the desk (R-IN-1, R-IN-3): created with the eligibility verdict of its sender."""

from __future__ import annotations

from datetime import datetime

from dutydesk.domain.priority import Channel
from dutydesk.services.desk import Desk
from dutydesk.services.tasks import create_task
from dutydesk.services.views import TaskView


def create_request(
    desk: Desk,
    *,
    subject: str,
    project_id: str | None = None,
    channel: Channel = Channel.EMAIL,
    received_at: datetime | None = None,
    sender: str | None = None,
) -> TaskView:
    return create_task(desk, subject=subject, project_id=project_id, channel=channel,
                       received_at=received_at, sender=sender,
                       first_sent_at=received_at if channel is Channel.EMAIL else None)
