"""Mail the lifecycle sends (R-WORK-1 questions, R-WORK-3 hand-off notices), queued in the same transaction.

The messages are recorded as outbound and ``queued``; the mail layer renders and
sends them (``dutydesk mail outbox --retry``), so a failed send never loses one.
"""

from __future__ import annotations

from sqlmodel import Session

from dutydesk.services import audit
from dutydesk.services.desk import Desk
from dutydesk.store.models import Message, Staff, Task


def _queue(session: Session, desk: Desk, task: Task, *, kind: str, to: str | None, body: str) -> Message | None:
    if not to:
        return None
    message = Message(task_id=task.id, direction="out", kind=kind, recipients=to, subject=task.subject,
                      body_text=body, state="queued", created_at=desk.now(), sender=desk.settings.support_address)
    session.add(message)
    session.flush()
    audit.record(session, at=desk.now(), actor=desk.actor, action=f"mail.queue.{kind}", entity="message",
                 entity_id=str(message.id), task_id=task.id, changes={"state": (None, "queued")})
    return message


def queue_question(session: Session, desk: Desk, task: Task, question: str) -> Message | None:
    """R-WORK-1: the system e-mails the client's representative at once."""
    return _queue(session, desk, task, kind="question", to=task.sender, body=question)


def queue_handoff_notice(session: Session, desk: Desk, task: Task, manager_id: str, note: str) -> Message | None:
    """R-WORK-3: the manager learns of the hand-off by mail too."""
    manager = session.get(Staff, manager_id)
    return _queue(session, desk, task, kind="handoff", to=manager.email if manager else None, body=note)
