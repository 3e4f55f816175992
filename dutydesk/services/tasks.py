"""Creating tasks and reading them back (R-IN-3, R-TRI-2)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from dutydesk.domain.priority import Channel, Priority, Status
from dutydesk.errors import BadInput, NotFound
from dutydesk.services import audit
from dutydesk.services.desk import Desk
from dutydesk.services.views import Ref, TaskView, verdict_dict
from dutydesk.store.models import Client, Project, Staff, Task

KEY_PREFIX = "SUP"
FIRST_NUMBER = 1001


def task_key(number: int) -> str:
    return f"{KEY_PREFIX}-{number}"


def create_task(
    desk: Desk,
    session: Session,
    *,
    subject: str,
    project_id: str | None = None,
    client_id: str | None = None,
    channel: Channel = Channel.EMAIL,
    received_at: datetime | None = None,
    sender: str | None = None,
    first_sent_at: datetime | None = None,
    verdict: dict | None = None,
    priority: Priority | None = None,
    parent_id: int | None = None,
    reason: str | None = None,
) -> TaskView:
    """R-TRI-2: a new task in the unsorted pool (R-POOL-1), inside the caller's unit of work.

    The callers (intake, split) own the transaction and its retry when another
    desk took the same task number at the same moment.
    """
    subject = " ".join(subject.split())
    if not subject:
        raise BadInput("a task needs a subject")
    task = _insert(desk, session, subject=subject, project_id=project_id, client_id=client_id, channel=channel,
                   received_at=received_at, sender=sender, first_sent_at=first_sent_at, verdict=verdict,
                   priority=priority, parent_id=parent_id, reason=reason)
    return view_of(session, task)


def _insert(desk: Desk, session: Session, *, subject, project_id, client_id, channel, received_at, sender,
            first_sent_at, verdict, priority, parent_id, reason) -> Task:
    now = desk.now()
    if project_id is not None:
        project = session.get(Project, project_id)
        if project is None:
            raise NotFound(f"no project {project_id!r} (see `dutydesk check CLIENT` for a client's projects)")
        if client_id is not None and client_id != project.client_id:
            raise BadInput(f"project {project_id!r} belongs to client {project.client_id!r}, not {client_id!r}")
        client_id = project.client_id
    if client_id is not None and session.get(Client, client_id) is None:
        raise NotFound(f"no client {client_id!r}")
    # Numbers grow by one; a concurrent desk that took the same number loses the unique key and retries.
    number = (session.exec(select(func.max(Task.number))).one() or FIRST_NUMBER - 1) + 1
    task = Task(
        number=number,
        key=task_key(number),
        project_id=project_id,
        client_id=client_id,
        parent_id=parent_id,
        subject=subject,
        sender=sender.lower() if sender else None,
        priority_order=int(priority) if priority else 0,
        status=Status.POOL.value,
        channel=Channel(channel).value,
        received_at=received_at or now,
        first_sent_at=first_sent_at,
        verdict=json.dumps(verdict or {}, ensure_ascii=False, sort_keys=True),
        created_at=now,
        updated_at=now,
    )
    session.add(task)
    session.flush()
    audit.record(session, at=now, actor=desk.actor, action="task.create", entity="task", entity_id=task.key,
                 task_id=task.id, reason=reason,
                 changes={"status": (None, task.status), "subject": (None, subject),
                          "project_id": (None, project_id), "client_id": (None, client_id),
                          "priority": (None, priority.slug if priority else None),
                          "channel": (None, task.channel), "received_at": (None, task.received_at)})
    return task


def get_task(session: Session, key: str) -> Task:
    task = session.exec(select(Task).where(Task.key == key.strip().upper())).first()
    if task is None:
        raise NotFound(f"no task {key!r}")
    return task


def view_of(session: Session, task: Task) -> TaskView:
    client = session.get(Client, task.client_id) if task.client_id else None
    project = session.get(Project, task.project_id) if task.project_id else None
    parent = session.get(Task, task.parent_id) if task.parent_id else None
    children = session.exec(select(Task.key).where(Task.parent_id == task.id).order_by(Task.number)).all()
    assignee = session.get(Staff, task.assignee_id) if task.assignee_id else None
    return TaskView(
        key=task.key,
        number=task.number,
        subject=task.subject,
        status=task.status,
        priority=Priority(task.priority_order) if task.priority_order else None,
        channel=task.channel,
        received_at=task.received_at,
        client=Ref(client.id, client.name) if client else None,
        project=Ref(project.id, project.name) if project else None,
        sender=task.sender,
        first_sent_at=task.first_sent_at,
        assignee=assignee.id if assignee else task.assignee_id,
        parent=parent.key if parent else None,
        verdict=verdict_dict(task.verdict),
        version=task.version,
        fixed_deadline=task.fixed_deadline,
        reacted_at=task.reacted_at,
        taken_at=task.taken_at,
        done_at=task.done_at,
        children=tuple(children),
        note=task.note,
    )


def show_task(desk: Desk, key: str) -> TaskView:
    with desk.read() as session:
        return view_of(session, get_task(session, key))
