"""Working a task: priority, take, wait, resume, split, hand off, scope, done (R-TRI-3, R-WORK-*, R-SCOPE-1).

Every change is a compare-and-set on the task's ``version`` (and, for a take, its
status): when another desk got there first the loser is told who and when,
never silently overwritten.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, select

from dutydesk.domain.eligibility import Verdict, override_verdict
from dutydesk.domain.lifecycle import Action, HandoffReason, TransitionRefused, resume_action, transition
from dutydesk.domain.pool import blocked_by
from dutydesk.domain.priority import Priority, Status
from dutydesk.errors import BadInput, NotFound, Refused, StaleWrite
from dutydesk.services import audit
from dutydesk.services.desk import Desk
from dutydesk.services.pool_items import open_items_of_project
from dutydesk.services.tasks import create_task, get_task, view_of
from dutydesk.services.views import TaskView
from dutydesk.store.models import AuditEvent, Project, Staff, Task


def _last_change(session: Session, desk: Desk, task: Task) -> str:
    event = session.exec(select(AuditEvent).where(AuditEvent.task_id == task.id)
                         .order_by(AuditEvent.id.desc())).first()  # type: ignore[union-attr]
    if event is None:
        return "another desk"
    when = event.at.astimezone(desk.settings.tz).isoformat(timespec="minutes")
    return f"{event.actor} at {when} ({event.action})"


def apply_change(
    session: Session,
    desk: Desk,
    task: Task,
    values: Mapping[str, Any],
    *,
    action: str,
    expected_version: int | None = None,
    expected_status: str | None = None,
    reason: str | None = None,
) -> None:
    """Compare-and-set ``values`` on the task and audit each changed field (before → after)."""
    version = task.version if expected_version is None else expected_version
    if expected_version is not None and task.version != expected_version:
        raise StaleWrite(f"{task.key} was changed by {_last_change(session, desk, task)}; reload and try again")
    now = desk.now()
    changes = audit.diff(task, values)
    conditions = [Task.id == task.id, Task.version == version]
    if expected_status is not None:
        conditions.append(Task.status == expected_status)
    result = session.execute(update(Task).where(*conditions).values(
        **values, version=version + 1, updated_at=now).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        session.rollback()
        fresh = session.exec(select(Task).where(Task.id == task.id)).one()
        session.refresh(fresh)
        raise StaleWrite(f"{task.key} was changed by {_last_change(session, desk, fresh)}; reload and try again")
    for name, value in values.items():
        setattr(task, name, value)
    task.version = version + 1
    audit.record(session, at=now, actor=desk.actor, action=action, entity="task", entity_id=task.key,
                 task_id=task.id, changes=readable(changes), reason=reason)


def readable(changes: Mapping[str, tuple[Any, Any]]) -> dict[str, tuple[Any, Any]]:
    """The trail speaks the regulation's words: ``priority: normal → valuable``, not the stored order."""
    out = dict(changes)
    if "priority_order" in out:
        before, after = out.pop("priority_order")
        out["priority"] = tuple(Priority(v).slug if v else None for v in (before, after))  # type: ignore[assignment]
    return out


def _run(desk: Desk, key: str, body: Callable[[Session, Task], None]) -> TaskView:
    with desk.write() as session:
        task = get_task(session, key)
        try:
            body(session, task)
        except TransitionRefused as exc:
            raise Refused(exc.reason) from None
        session.flush()
        return view_of(session, task)


def _reaction(task: Task, now: datetime) -> dict[str, Any]:
    """R-SLA-REACT: the first acknowledgement, priority set or take is the reaction."""
    return {} if task.reacted_at is not None else {"reacted_at": now}


def set_priority(desk: Desk, key: str, level: Priority | str | int, *, reason: str | None = None,
                 expected_version: int | None = None) -> TaskView:
    """R-TRI-3 (and R-ESC-1(c) re-qualification, R-SLA-VAL downgrade): audited with the reason."""
    priority = level if isinstance(level, Priority) else _parse_priority(level)

    def body(session: Session, task: Task) -> None:
        if not Status(task.status).is_open:
            raise Refused(f"{task.key} is {task.status}; reopen it before changing its priority")
        apply_change(session, desk, task, {"priority_order": int(priority), **_reaction(task, desk.now())},
                     action="task.priority", expected_version=expected_version, reason=reason)
    return _run(desk, key, body)


def _parse_priority(text: str | int) -> Priority:
    try:
        return Priority.parse(text)
    except ValueError as exc:
        raise BadInput(str(exc)) from None


def _staff(session: Session, staff_id: str) -> Staff:
    person = session.get(Staff, staff_id)
    if person is None:
        raise NotFound(f"no staff member {staff_id!r} in the registry")
    return person


def _blocker(session: Session, task: Task) -> str | None:
    if task.project_id is None:
        return None
    return blocked_by(open_items_of_project(session, task.project_id)).get(task.key)


def take_in(session: Session, desk: Desk, task: Task, *, staff: str, override: str | None = None,
            expected_version: int | None = None) -> None:
    """The take itself, inside a caller's unit of work (take next uses it after claiming a row)."""
    _staff(session, staff)
    if task.status == Status.IN_PROGRESS.value and task.assignee_id:
        taken = task.taken_at.astimezone(desk.settings.tz).isoformat(timespec="minutes") if task.taken_at else "?"
        raise StaleWrite(f"{task.key} was already taken by {task.assignee_id} at {taken}")
    blocker = None if override else _blocker(session, task)
    transition(Status(task.status), Action.TAKE, key=task.key, blocked_by=blocker)
    now = desk.now()
    apply_change(session, desk, task,
                 {"status": Status.IN_PROGRESS.value, "assignee_id": staff, "taken_at": task.taken_at or now,
                  **_reaction(task, now)},
                 action="task.take", expected_version=expected_version, expected_status=task.status,
                 reason=f"override R-POOL-3: {override}" if override else None)


def take(desk: Desk, key: str, *, staff: str, override: str | None = None,
         expected_version: int | None = None) -> TaskView:
    """R-POOL-3: a task blocked by a higher priority of its project is refused unless overridden with a reason."""
    return _run(desk, key, lambda session, task: take_in(session, desk, task, staff=staff, override=override,
                                                         expected_version=expected_version))


def wait_for_client(desk: Desk, key: str, *, question: str, expected_version: int | None = None) -> TaskView:
    """R-WORK-1: ask the client's representative; the clocks stop until they answer."""
    if not question.strip():
        raise BadInput("a question for the client is needed (R-WORK-1)")

    def body(session: Session, task: Task) -> None:
        transition(Status(task.status), Action.WAIT, key=task.key)
        apply_change(session, desk, task, {"status": Status.WAITING_CLIENT.value, "note": question.strip(),
                                           **_reaction(task, desk.now())},
                     action="task.wait", expected_version=expected_version, reason=question.strip())
        from dutydesk.services.outbound_hooks import queue_question

        queue_question(session, desk, task, question.strip())
    return _run(desk, key, body)


def resume(desk: Desk, key: str, *, reason: str | None = None, expected_version: int | None = None) -> TaskView:
    """The client answered: back to whoever had taken it, else back to the pool (clocks run again)."""

    def body(session: Session, task: Task) -> None:
        action = resume_action(was_taken=task.assignee_id is not None)
        target = transition(Status(task.status), action, key=task.key)
        apply_change(session, desk, task, {"status": target.value}, action="task.resume",
                     expected_version=expected_version, reason=reason)
    return _run(desk, key, body)


def release(desk: Desk, key: str, *, reason: str | None = None) -> TaskView:
    """Put a taken task back into the pool."""

    def body(session: Session, task: Task) -> None:
        target = transition(Status(task.status), Action.REQUEUE, key=task.key)
        apply_change(session, desk, task, {"status": target.value, "assignee_id": None},
                     action="task.release", reason=reason)
    return _run(desk, key, body)


def split(desk: Desk, key: str, titles: Sequence[str]) -> tuple[TaskView, list[TaskView]]:
    """R-WORK-2: subtasks inherit client, project, priority and verdict; the parent waits for them."""
    clean = [" ".join(t.split()) for t in titles if t.strip()]
    if not clean:
        raise BadInput("give at least one subtask title")
    with desk.write() as session:
        parent = get_task(session, key)
        if not Status(parent.status).is_open:
            raise Refused(f"{parent.key} is {parent.status}; only open tasks are split")
        children = []
        for title in clean:
            child = create_task(desk, session, subject=title, project_id=parent.project_id,
                                client_id=parent.client_id, channel=parent.channel, received_at=parent.received_at,
                                sender=parent.sender, first_sent_at=parent.first_sent_at,
                                verdict=json.loads(parent.verdict),
                                priority=Priority(parent.priority_order) if parent.priority_order else None,
                                parent_id=parent.id, reason=f"split from {parent.key} (R-WORK-2)")
            children.append(child)
        audit.record(session, at=desk.now(), actor=desk.actor, action="task.split", entity="task",
                     entity_id=parent.key, task_id=parent.id,
                     changes={"children": (None, [c.key for c in children])})
        return view_of(session, parent), children


def hand_off(desk: Desk, key: str, *, reason: HandoffReason | str, note: str | None = None,
             expected_version: int | None = None) -> TaskView:
    """R-WORK-3: above minimal volume the task goes to the project's manager, with a handover note."""
    why = reason if isinstance(reason, HandoffReason) else _handoff_reason(reason)

    def body(session: Session, task: Task) -> None:
        if task.project_id is None:
            raise Refused(f"{task.key} has no project yet; set one (task project) so its manager is known")
        project = session.get(Project, task.project_id)
        if project is None or project.manager_id is None:
            raise Refused(f"project {task.project_id} has no assigned manager in the registry (R-WORK-3)")
        transition(Status(task.status), Action.HANDOFF, key=task.key)
        text = f"{why.russian} / {why.english}" + (f": {note.strip()}" if note and note.strip() else "")
        apply_change(session, desk, task, {"status": Status.HANDED_OFF.value, "assignee_id": project.manager_id,
                                           "note": text, **_reaction(task, desk.now())},
                     action="task.handoff", expected_version=expected_version, reason=text)
        from dutydesk.services.outbound_hooks import queue_handoff_notice

        queue_handoff_notice(session, desk, task, project.manager_id, text)
    return _run(desk, key, body)


def _handoff_reason(text: str) -> HandoffReason:
    try:
        return HandoffReason.parse(text)
    except ValueError as exc:
        raise BadInput(str(exc)) from None


def set_project(desk: Desk, key: str, project_id: str, *, expected_version: int | None = None) -> TaskView:
    """Mail from a client with several projects arrives without one; the lead chooses at triage."""

    def body(session: Session, task: Task) -> None:
        project = session.get(Project, project_id)
        if project is None:
            raise NotFound(f"no project {project_id!r}")
        if task.client_id is not None and project.client_id != task.client_id:
            raise Refused(f"project {project_id} belongs to client {project.client_id}, "
                          f"but {task.key} is from {task.client_id}")
        apply_change(session, desk, task, {"project_id": project.id, "client_id": project.client_id},
                     action="task.project", expected_version=expected_version)
    return _run(desk, key, body)


def out_of_scope(desk: Desk, key: str, *, note: str | None = None, expected_version: int | None = None) -> TaskView:
    """R-SCOPE-1: not in the contract's list; it waits for an additional agreement and is not started."""
    return _simple(desk, key, Action.OUT_OF_SCOPE, "task.scope", note, expected_version)


def agree(desk: Desk, key: str, *, note: str | None = None) -> TaskView:
    return _simple(desk, key, Action.AGREE, "task.agree", note, None)


def reopen(desk: Desk, key: str, *, note: str | None = None) -> TaskView:
    return _simple(desk, key, Action.REOPEN, "task.reopen", note, None, clear={"done_at": None})


def done(desk: Desk, key: str, *, note: str | None = None, expected_version: int | None = None) -> TaskView:
    """Closes the task; a parent with open subtasks cannot be done (R-WORK-2)."""

    def body(session: Session, task: Task) -> None:
        open_children = session.exec(select(func.count()).select_from(Task).where(
            Task.parent_id == task.id, Task.status.in_([s.value for s in Status if s.is_open]))).one()  # type: ignore[attr-defined]
        transition(Status(task.status), Action.DONE, key=task.key, open_children=int(open_children))
        apply_change(session, desk, task, {"status": Status.DONE.value, "done_at": desk.now()},
                     action="task.done", expected_version=expected_version, reason=note)
    return _run(desk, key, body)


def _simple(desk: Desk, key: str, action: Action, name: str, note: str | None, expected_version: int | None,
            clear: Mapping[str, Any] | None = None) -> TaskView:
    def body(session: Session, task: Task) -> None:
        target = transition(Status(task.status), action, key=task.key)
        apply_change(session, desk, task, {"status": target.value, **(clear or {})}, action=name,
                     expected_version=expected_version, reason=note)
    return _run(desk, key, body)


def override_eligibility(desk: Desk, key: str, *, reason: str) -> TaskView:
    """R-ELIG-4 "individual consideration": the lead accepts the request anyway, with a reason."""

    def body(session: Session, task: Task) -> None:
        stored = json.loads(task.verdict or "{}")
        if not stored:
            raise Refused(f"{task.key} has no eligibility verdict (created without a sender)")
        try:
            updated = override_verdict(Verdict.from_json(stored), reason=reason, by=desk.actor, at=desk.now())
        except ValueError as exc:
            raise Refused(str(exc)) from None
        apply_change(session, desk, task,
                     {"verdict": json.dumps(updated.to_json(), ensure_ascii=False, sort_keys=True)},
                     action="task.eligibility", reason=reason)
    return _run(desk, key, body)
