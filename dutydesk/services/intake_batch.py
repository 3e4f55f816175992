"""One intake transaction: decide each message's outcome, then write the batch in a few statements.

Deciding needs what the store holds (earlier messages by Message-ID or
content hash, the tasks they belong to) and what this batch has decided so
far (a reply can follow its request in the same import). Both are kept in
:class:`_Known`, filled by a few queries per batch. New tasks, messages and
their audit events are inserted together at the end, with their ids drawn
first, as one plain ``executemany`` per table: that is what makes an import of
thousands of messages take seconds instead of minutes (the ORM path, one
flush per row, ran at ~150 messages/s). A change to an existing task (a reply
resumes it, R-WORK-1) goes through
:func:`~dutydesk.services.lifecycle.apply_change` as every other change does.

New tasks are made exactly as :func:`dutydesk.services.intake.create_request`
makes them (the verdict, the client's only project, the R-ELIG-4 default
priority, the same ``task.create`` audit events); a test compares the two.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text, update
from sqlmodel import Session

from dutydesk.domain.lifecycle import resume_action, transition
from dutydesk.domain.priority import Channel, Status
from dutydesk.services import audit
from dutydesk.services.desk import Desk
from dutydesk.services.intake_mail import (
    MAX_REFERENCES, NO_SUBJECT, Incoming, IntakeItem, safe_moment, stored_id, text_for_store, thread_ids,
)
from dutydesk.services.intake_senders import slices
from dutydesk.services.lifecycle import apply_change
from dutydesk.services.tasks import FIRST_NUMBER, KEY_PREFIX, task_key
from dutydesk.store.models import AuditEvent, Message, Task

if TYPE_CHECKING:
    from dutydesk.mail.parse import ParsedMessage
    from dutydesk.services.intake_mail import Intake

#: A bounce from a bare "MAILER-DAEMON" has no usable sender, but is known to be automatic: ignored, not held.
_SENDER_PROBLEMS = ("no sender address", "sender address without domain")
_KEY_IN_SUBJECT = re.compile(rf"\[\s*{re.escape(KEY_PREFIX)}\s*-\s*(\d+)\s*\]", re.IGNORECASE)


@dataclass
class _NewTask:
    """A task decided in this batch, inserted at its end."""

    values: dict[str, Any]
    reason: str
    id: int | None = None

    @property
    def key(self) -> str:
        return self.values["key"]

    @property
    def sender(self) -> str | None:
        return self.values["sender"]

    @property
    def client_id(self) -> str | None:
        return self.values["client_id"]

    @property
    def status(self) -> str:
        return self.values["status"]


@dataclass
class _Row:
    """A message held: stored earlier (``id`` known) or decided in this batch (``id`` after the write)."""

    id: int | None
    task: int | _NewTask | None
    outcome: str | None


@dataclass
class _Decision:
    item: Incoming
    outcome: str
    reason: str | None
    task: Task | _NewTask | int | None
    row: _Row | None  # the stored message (None for a duplicate)
    values: dict[str, Any] | None = None  # the message's columns to insert or update
    retried: int | None = None  # the stored (quarantined) message this decision updates
    before: str | None = None
    repeats: _Row | None = None  # for a duplicate: the message it repeats
    repeats_what: str = ""


class _Known:
    """What the store and this batch hold that the batch's messages may name."""

    def __init__(self, session: Session, items: list[Incoming]) -> None:
        ids: set[str] = set()
        hashes: set[str] = set()
        for item in items:
            p = item.parsed
            if p.message_id:
                ids.add(stored_id(p.message_id))
            else:
                hashes.add(p.content_hash)
            ids.update(thread_ids(p))
        self.inbound: dict[str, _Row] = {}
        self.by_hash: dict[str, _Row] = {}
        self.task_of: dict[str, int | _NewTask] = {}  # a message of a task (in or out), by Message-ID
        self.new_by_key: dict[str, _NewTask] = {}
        cols = (Message.id, Message.task_id, Message.outcome, Message.direction)
        for part in slices(sorted(ids)):
            query = select(Message.message_id, *cols).where(Message.message_id.in_(part))  # type: ignore[union-attr]
            for mid, id_, task_id, outcome, direction in session.execute(query):
                self.note(mid, None, _Row(id_, task_id, outcome), inbound=direction == "in")
        self.tasks: dict[int, Task] = {}  # held here: the session's identity map keeps them only weakly
        for part in slices(sorted({t for t in self.task_of.values() if isinstance(t, int)})):
            self.tasks.update((t.id, t) for t in session.execute(select(Task).where(Task.id.in_(part))).scalars())  # type: ignore[union-attr,misc]
        for part in slices(sorted(hashes)):
            query = select(Message.content_hash, *cols).where(Message.content_hash.in_(part),  # type: ignore[union-attr]
                                                              Message.direction == "in")
            for digest, id_, task_id, outcome, _ in session.execute(query):
                self.by_hash.setdefault(digest, _Row(id_, task_id, outcome))

    def note(self, mid: str | None, digest: str | None, row: _Row, *, inbound: bool = True) -> None:
        if mid and inbound:
            self.inbound.setdefault(mid, row)
        if mid and row.task is not None:
            self.task_of.setdefault(mid, row.task)
        if digest and inbound:
            self.by_hash.setdefault(digest, row)


class Batch:
    """The messages of one transaction, decided in order and written at the end."""

    def __init__(self, intake: "Intake", session: Session, items: list[Incoming]) -> None:
        self.intake, self.desk, self.session = intake, intake.desk, session
        self.known = _Known(session, list(items))
        intake.senders.prefetch(session, (text_for_store(i.parsed.from_address, 320) for i in items
                                          if i.parsed.is_request))
        self.now = self.desk.now()
        self.decisions: list[_Decision] = []
        self.new_tasks: list[_NewTask] = []
        self._next_number: int | None = None
        self._by_key: dict[str, Task | None] = {}

    # -- deciding

    def process(self, item: Incoming, retried: int | None = None) -> None:
        """Decide one message: duplicate, quarantined, ignored, threaded or new_task (in that order)."""
        p = item.parsed
        previous = self.known.inbound.get(stored_id(p.message_id)) if p.message_id else \
            self.known.by_hash.get(p.content_hash)
        if previous is not None and (retried is None or previous.id != retried):
            what = "Message-ID" if p.message_id else "content (no Message-ID)"
            if retried is None:
                self.decisions.append(_Decision(item, "duplicate", None, previous.task, None, repeats=previous,
                                                repeats_what=what))
                return
            # A retried message that turns out to repeat another keeps its row, marked as the duplicate.
            self._message(item, "duplicate", None, previous.task, "request", retried, keep_hash=True,
                          repeats=previous, what=what)
            return
        if p.quarantine and not (p.auto_reply and p.quarantine.startswith(_SENDER_PROBLEMS)):
            self._message(item, "quarantined", p.quarantine, None, "quarantine", retried)
        elif p.auto_reply:
            self._message(item, "ignored", p.auto_reply, None, "auto", retried)
        else:
            received = self.received_at(p)
            sender = text_for_store(p.from_address, 320)
            task, why, note = self._thread_target(p, sender, received)
            if task is not None:
                if isinstance(task, Task) and self._resume_if_waiting(task, p):
                    why += "; resumed the task"
                self._message(item, "threaded", why, task, "reply", retried)
            else:
                self._message(item, "new_task", note, self._new_task(p, sender, received, note), "request", retried)

    def received_at(self, p: "ParsedMessage") -> datetime:
        """When the support mailbox got it: topmost Received:, else Date:, else now; never in the future."""
        moment = safe_moment(p.received_at) or safe_moment(p.sent_at) or self.now
        return min(moment, self.now).astimezone(self.desk.settings.tz)  # the studio's clock, as typed by hand

    def _task(self, ref: int | _NewTask) -> Task | _NewTask | None:
        if isinstance(ref, _NewTask):
            return ref
        return self.known.tasks.get(ref) or self.session.get(Task, ref)

    def _task_by_key(self, key: str) -> Task | _NewTask | None:
        if key in self.known.new_by_key:
            return self.known.new_by_key[key]
        if key not in self._by_key:
            self._by_key[key] = self.session.execute(select(Task).where(Task.key == key)).scalars().first()
        return self._by_key[key]

    def _thread_target(self, p: "ParsedMessage", sender: str,
                       received: datetime) -> tuple[Task | _NewTask | None, str, str | None]:
        """The task this message continues and why; or None and a note for the new task."""
        for mid in thread_ids(p):
            ref = self.known.task_of.get(mid)
            task = self._task(ref) if ref is not None else None
            if task is None:
                continue
            if task.status == Status.DONE.value:
                return None, "", f"follow-up to {task.key}, which is done (In-Reply-To/References)"
            return task, f"In-Reply-To/References name a message of {task.key}", None
        match = _KEY_IN_SUBJECT.search(p.subject or "")
        if match is None:
            return None, "", None
        key = task_key(int(match.group(1)))
        task = self._task_by_key(key)
        if task is None:
            return None, "", f"mentions {key} (no such task)"
        if not self._belongs(task, sender, received):
            # zammad #5064: a stranger's mail naming a task never attaches to it.
            return None, "", f"mentions {key} (the sender is not of its client, not attached)"
        if task.status == Status.DONE.value:
            return None, "", f"follow-up to {key}, which is done (subject key)"
        return task, f"subject key {key} from its client", None

    def _belongs(self, task: Task | _NewTask, sender: str, received: datetime) -> bool:
        """The sender is the task's own, or the eligibility verdict names the task's client."""
        if task.sender and task.sender == sender:
            return True
        if task.client_id is None:
            return False
        on = received.astimezone(self.desk.settings.tz).date()
        return self.intake.senders.verdict(self.session, sender, on).client_id == task.client_id

    def _resume_if_waiting(self, task: Task, p: "ParsedMessage") -> bool:
        """R-WORK-1: the client answered; back to whoever had taken the task, else to the pool."""
        if task.status != Status.WAITING_CLIENT.value:
            return False
        target = transition(Status(task.status), resume_action(was_taken=task.assignee_id is not None), key=task.key)
        apply_change(self.session, self.desk, task, {"status": target.value}, action="task.resume",
                     reason=f"the client answered by mail from {p.from_address}")
        return True

    def _new_task(self, p: "ParsedMessage", sender: str, received: datetime, note: str | None) -> _NewTask:
        """As create_request: the verdict on the day received, its client's only project, its default priority."""
        on = received.astimezone(self.desk.settings.tz).date()
        found = self.intake.senders.verdict(self.session, sender, on)
        if self._next_number is None:
            self._next_number = (self.session.execute(select(func.max(Task.number))).scalar() or FIRST_NUMBER - 1) + 1
        number = self._next_number
        self._next_number += 1
        values = {
            "number": number, "key": task_key(number), "project_id": found.project_id,
            "client_id": found.client_id, "parent_id": None,
            "subject": " ".join(text_for_store(p.subject).split()) or NO_SUBJECT,
            "sender": sender.lower(), "priority_order": int(found.default_priority) if found.default_priority else 0,
            "status": Status.POOL.value, "channel": Channel.EMAIL.value, "received_at": received,
            "first_sent_at": safe_moment(p.sent_at) or received,
            "verdict": json.dumps(found.to_json(), ensure_ascii=False, sort_keys=True),
            "note": note, "created_at": self.now, "updated_at": self.now, "version": 1,
        }
        task = _NewTask(values, found.rule)
        self.new_tasks.append(task)
        self.known.new_by_key[task.key] = task
        return task

    def _message(self, item: Incoming, outcome: str, reason: str | None, task: Task | _NewTask | int | None,
                 kind: str, retried: int | None, *, keep_hash: bool = False, repeats: _Row | None = None,
                 what: str = "") -> None:
        p = item.parsed
        values: dict[str, Any] = {
            "direction": "in", "kind": kind,
            "message_id": stored_id(p.message_id) if p.message_id else None,
            "in_reply_to": stored_id(p.in_reply_to) if p.in_reply_to else None,
            "references": " ".join(stored_id(r) for r in p.references[-MAX_REFERENCES:]),
            "content_hash": p.content_hash, "sender": text_for_store(p.from_address, 320) or None,
            "sender_name": text_for_store(p.from_name) or None, "recipients": text_for_store(", ".join(p.to)),
            "cc": text_for_store(", ".join(p.cc)), "subject": text_for_store(p.subject),
            "body_text": text_for_store(p.body_text),
            "attachments": json.dumps([{"filename": text_for_store(a.filename),
                                        "content_type": text_for_store(a.content_type), "size": a.size}
                                       for a in p.attachments], ensure_ascii=False),
            "sent_at": safe_moment(p.sent_at), "received_at": safe_moment(p.received_at),
            "outcome": outcome, "reason": reason,
        }
        before = None
        if retried is not None:
            before = self.session.execute(select(Message.outcome).where(Message.id == retried)).scalar()
            if keep_hash:
                del values["content_hash"]
            if item.size:  # a file unreadable at import may have been read now
                values["raw"] = item.packed
        else:
            values.update(source=item.source, raw=item.packed, state=None, created_at=self.now)
        task_ref = task.id if isinstance(task, Task) else task
        row = _Row(retried, task_ref, outcome)
        self.decisions.append(_Decision(item, outcome, reason, task, row, values, retried, before, repeats, what))
        self.known.note(values.get("message_id"), values.get("content_hash"), row)

    # -- writing

    def write(self) -> list[IntakeItem]:
        """Insert the batch's tasks, messages and audit events; return each message's outcome.

        Ids are drawn first (the write lock is held on SQLite; PostgreSQL hands
        out its sequence), so every insert is one plain ``executemany``.
        """
        session, now, actor = self.session, self.now, self.desk.actor
        connection = session.connection()
        events: list[dict[str, Any]] = []
        if self.new_tasks:
            for task, id_ in zip(self.new_tasks, _draw_ids(connection, Task, len(self.new_tasks))):
                task.id = task.values["id"] = id_
                events += _create_events(task, now, actor)
            connection.execute(Task.__table__.insert(), [t.values for t in self.new_tasks])  # type: ignore[attr-defined]
        for d in self.decisions:
            if d.values is not None:
                d.values["task_id"] = _task_id(d.task)
        inserts = [d for d in self.decisions if d.values is not None and d.retried is None]
        if inserts:
            for d, id_ in zip(inserts, _draw_ids(connection, Message, len(inserts))):
                d.row.id = d.values["id"] = id_  # type: ignore[union-attr,index]
            connection.execute(Message.__table__.insert(), [d.values for d in inserts])  # type: ignore[attr-defined,misc]
        for d in self.decisions:
            if d.values is None:
                continue
            if d.repeats is not None:
                d.reason = d.values["reason"] = self._repeat_reason(d)
            if d.retried is not None:
                session.execute(update(Message).where(Message.id == d.retried).values(**d.values))
            events.append(_event(now, actor, "mail.retry" if d.retried is not None else f"mail.{d.outcome}",
                                 "message", str(d.row.id), d.values["task_id"],  # type: ignore[union-attr]
                                 "outcome", d.before, d.outcome, d.reason))
        if events:
            connection.execute(AuditEvent.__table__.insert(), events)  # type: ignore[attr-defined]
        return [self._item(d) for d in self.decisions]

    def _repeat_reason(self, d: _Decision) -> str:
        held = d.repeats
        assert held is not None
        return f"same {d.repeats_what} as message {held.id}" + (f" ({held.outcome})" if held.outcome else "")

    def _item(self, d: _Decision) -> IntakeItem:
        reason = self._repeat_reason(d) if d.repeats is not None and d.values is None else d.reason
        ref = d.task
        if isinstance(ref, int):
            found = self._task(ref)
            key = found.key if found is not None else None
        else:
            key = ref.key if ref is not None else None
        return IntakeItem(d.item.source, d.outcome, key, reason, d.row.id if d.row is not None else None,
                          d.item.parsed.subject)


def _draw_ids(connection, model, count: int) -> list[int]:
    """``count`` fresh primary keys for ``model``'s table, taken before inserting."""
    table = model.__table__
    if connection.dialect.name == "postgresql":
        query = text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)")
        return list(connection.execute(query, {"table": table.name, "n": count}).scalars())
    # SQLite: the transaction holds the write lock (BEGIN IMMEDIATE), so nobody else takes these.
    top = connection.execute(select(func.max(table.c.id))).scalar() or 0
    return list(range(top + 1, top + 1 + count))


def _task_id(task: Task | _NewTask | int | None) -> int | None:
    if task is None or isinstance(task, int):
        return task
    return task.id


def _event(at: datetime, actor: str, action: str, entity: str, entity_id: str, task_id: int | None,
           field: str | None, before: Any, after: Any, reason: str | None) -> dict[str, Any]:
    return {"at": at, "actor": actor, "action": action, "entity": entity, "entity_id": entity_id,
            "task_id": task_id, "field": field, "before": audit.as_text(before), "after": audit.as_text(after),
            "reason": reason}


def _create_events(task: _NewTask, at: datetime, actor: str) -> list[dict[str, Any]]:
    """The ``task.create`` events create_task records: one per field that has a value."""
    v = task.values
    from dutydesk.domain.priority import Priority

    priority = Priority(v["priority_order"]).slug if v["priority_order"] else None
    fields = {"status": v["status"], "subject": v["subject"], "project_id": v["project_id"],
              "client_id": v["client_id"], "priority": priority, "channel": v["channel"],
              "received_at": v["received_at"]}
    if v["note"]:
        fields["note"] = v["note"]
    return [_event(at, actor, "task.create", "task", task.key, task.id, name, None, value, task.reason)
            for name, value in fields.items() if audit.as_text(value) is not None]
