"""Outbound mail's two steps — record it queued, then deliver and mark it — and the outbox retry."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select, update

from dutydesk import paths
from dutydesk.errors import Refused
from dutydesk.mail.compose import OutboundMail, UnsafeAddress, build_message, reply_subject
from dutydesk.mail.templates import render
from dutydesk.mail.transport import SendFailed, send_smtp, smtp_configured, write_outbox
from dutydesk.services import audit
from dutydesk.services.desk import Desk
from dutydesk.services.tasks import get_task
from dutydesk.store.models import Message, Project, Task


def outbox_dir(desk: Desk, given: Path | None = None) -> Path:
    return Path(given or desk.settings.outbox_dir or paths.data_dir() / "outbox")


def record_outbound(desk: Desk, key: str, mail: OutboundMail, *, kind: str, body: str) -> int:
    """Step one: the message exists, queued, before any network call."""
    now = desk.now()
    with desk.write() as session:
        task = get_task(session, key)
        message = Message(task_id=task.id, direction="out", kind=kind, message_id=mail.message_id,
                          in_reply_to=(mail.headers.get("In-Reply-To") or "").strip("<>") or None,
                          references=" ".join(r.strip("<>") for r in (mail.headers.get("References") or "").split()),
                          sender=desk.settings.support_address, recipients=mail.headers.get("To", ""),
                          cc=mail.headers.get("Cc", ""), subject=mail.headers.get("Subject", ""), body_text=body,
                          sent_at=None, state="queued", raw=mail.raw, created_at=now)
        session.add(message)
        session.flush()
        audit.record(session, at=now, actor=desk.actor, action=f"mail.queue.{kind}", entity="message",
                     entity_id=str(message.id), task_id=task.id, changes={"state": (None, "queued")})
        return int(message.id)  # type: ignore[arg-type]


def deliver(desk: Desk, message_id: int, mail: OutboundMail, *, to_outbox: bool = False, outbox: Path | None = None,
            reaction: bool = False) -> tuple[str, str]:
    """Step two: SMTP when configured (unless the outbox is asked for), else an .eml in the outbox folder."""
    smtp = desk.settings.smtp
    try:
        if smtp_configured(smtp) and not to_outbox:
            send_smtp(smtp, sender=desk.settings.support_address, recipients=mail.recipients, raw=mail.raw)
            state, detail = "sent", f"sent via {smtp.host}"
        else:
            path = write_outbox(outbox_dir(desk, outbox), message_id=mail.message_id, raw=mail.raw)
            state, detail = "outbox", f"written to {path}"
    except (SendFailed, OSError) as exc:
        state, detail = "failed", str(exc)
    _mark(desk, message_id, state, detail, reaction=reaction and state != "failed")
    return state, detail


def _mark(desk: Desk, message_id: int, state: str, detail: str, *, reaction: bool) -> None:
    now = desk.now()
    with desk.write() as session:
        message = session.get(Message, message_id)
        before = message.state
        message.state, message.reason = state, None if state != "failed" else detail
        if state != "failed":
            message.sent_at = now
        audit.record(session, at=now, actor=desk.actor, action=f"mail.{state}", entity="message",
                     entity_id=str(message_id), task_id=message.task_id, changes={"state": (before, state)},
                     reason=detail)
        if reaction and message.task_id is not None:
            # R-SLA-REACT: the first acknowledgement is a reaction; only the first one is recorded.
            task = session.get(Task, message.task_id)
            if task.reacted_at is None:
                session.execute(update(Task).where(Task.id == task.id, Task.reacted_at.is_(None))  # type: ignore[union-attr]
                                .values(reacted_at=now, version=Task.version + 1, updated_at=now))
                audit.record(session, at=now, actor=desk.actor, action="task.reaction", entity="task",
                             entity_id=task.key, task_id=task.id, changes={"reacted_at": (None, now)},
                             reason="acknowledgement sent (R-SLA-REACT)")


def _render_queued(desk: Desk, message: Message) -> OutboundMail:
    """Questions (R-WORK-1) and hand-off notices (R-WORK-3) are queued as text; build them at send time."""
    with desk.read() as session:
        task = session.get(Task, message.task_id)
        project = session.get(Project, task.project_id) if task.project_id else None
        parent = session.exec(select(Message).where(Message.task_id == task.id, Message.direction == "in")
                              .order_by(Message.id)).first()
        key, subject, sender = task.key, task.subject, task.sender
    context = {"key": key, "subject": subject, "body": message.body_text, "studio": desk.settings.studio_name,
               "support": desk.settings.support_address, "phone": desk.settings.main_phone,
               "project": project.name if project else None, "client_name": None, "sender": sender}
    text = render(f"{message.kind}.txt.j2", context, override=desk.settings.templates_dir)
    try:
        return build_message(
            from_address=desk.settings.support_address, from_name=f"Поддержка {desk.settings.studio_name}",
            to=[message.recipients], cc=[desk.settings.support_address] if message.kind == "question" else [],
            subject=reply_subject(key, parent.subject if parent else subject), text=text, html=None,
            in_reply_to=parent.message_id if parent and message.kind == "question" else None,
            references=[], message_id_domain=desk.settings.message_id_domain, sent_at=desk.now(),
            auto_submitted=None)
    except (UnsafeAddress, ValueError) as exc:
        raise Refused(f"message {message.id}: cannot address it: {exc}") from None


def pending(desk: Desk, *, task_key: str | None = None) -> list[Message]:
    with desk.read() as session:
        query = select(Message).where(Message.direction == "out",
                                      Message.state.in_(("queued", "failed")))  # type: ignore[union-attr]
        if task_key is not None:
            query = query.where(Message.task_id == get_task(session, task_key).id)
        return list(session.exec(query.order_by(Message.id)))


def retry_outbox(desk: Desk, *, to_outbox: bool = False, outbox: Path | None = None,
                 task_key: str | None = None) -> list[tuple[int, str, str]]:
    """Deliver every queued or failed message (of one task, if named); a failure keeps its state and reason."""
    results = []
    for message in pending(desk, task_key=task_key):
        if message.raw is None:
            mail = _render_queued(desk, message)
            with desk.write() as session:
                row = session.get(Message, message.id)
                row.raw, row.message_id, row.subject = mail.raw, mail.message_id, mail.headers.get("Subject", "")
        else:
            mail = OutboundMail(message_id=message.message_id or "", headers={}, raw=message.raw,
                                recipients=tuple(a.strip() for a in (message.recipients + "," + message.cc).split(",")
                                                 if a.strip()))
        state, detail = deliver(desk, int(message.id), mail, to_outbox=to_outbox, outbox=outbox,
                                reaction=message.kind == "ack")
        results.append((int(message.id), state, detail))
    return results
