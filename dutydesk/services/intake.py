"""A request enters the desk (R-IN-1, R-IN-3, R-TRI-1, R-TRI-2): created with its sender's verdict.

The verdict is stored with the task and never recomputed: a later registry
change must not rewrite how a request was triaged.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from dutydesk.domain.priority import Channel
from dutydesk.services.desk import Desk
from dutydesk.services.eligibility import verdict_in
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
    first_sent_at: datetime | None = None,
    session: Session | None = None,
) -> TaskView:
    """R-TRI-1/2: the verdict picks the client (and its only project); R-ELIG-4 gets Insignificant by default."""
    if session is None:
        for attempt in range(5):
            try:
                with desk.write() as own:
                    return create_request(desk, subject=subject, project_id=project_id, channel=channel,
                                          received_at=received_at, sender=sender, first_sent_at=first_sent_at,
                                          session=own)
            except IntegrityError:  # another desk took the same task number; take the next one
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")
    verdict = verdict_in(session, desk, sender) if sender else None
    client_id = verdict.client_id if verdict else None
    if project_id is None and verdict is not None:
        project_id = verdict.project_id
    if project_id is not None:
        client_id = None  # the project names its client
    sent = first_sent_at or (received_at if channel is Channel.EMAIL else None)
    return create_task(
        desk, session, subject=subject, project_id=project_id, client_id=client_id, channel=channel,
        received_at=received_at, sender=sender, first_sent_at=sent,
        verdict=verdict.to_json() if verdict else None,
        priority=verdict.default_priority if verdict else None,
        reason=f"{verdict.rule}" if verdict else None,
    )
