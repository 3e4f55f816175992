"""The standard acknowledgement (R-TRI-4): preview, send (or outbox), and it counts as the reaction.

The message is recorded as queued in one transaction before anything leaves the
desk, and marked sent (or failed, with why) in another, so a crash or an SMTP
error never loses it: ``dutydesk mail outbox --retry`` picks it up.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from dutydesk.domain.acknowledgement import PRIORITY_MEANING_RU, timing_lines, when_ru
from dutydesk.errors import Refused
from dutydesk.mail.compose import OutboundMail, UnsafeAddress, build_message, reply_subject
from dutydesk.mail.templates import render
from dutydesk.services.desk import Desk
from dutydesk.services.mail_out import deliver, record_outbound
from dutydesk.services.task_detail import task_detail
from dutydesk.services.tasks import get_task
from dutydesk.store.models import Message, Project, Staff


@dataclass(frozen=True)
class AckDraft:
    key: str
    headers: tuple[tuple[str, str], ...]
    text: str
    html: str


@dataclass(frozen=True)
class AckResult:
    state: str  # sent | outbox | failed
    message_id: str
    detail: str

    def to_json(self) -> dict:
        return {"state": self.state, "message_id": self.message_id, "detail": self.detail}


def _client_message(session: Session, task_id: int) -> Message | None:
    """The client's first mail in the task: the acknowledgement replies to it (In-Reply-To)."""
    return session.exec(select(Message).where(Message.task_id == task_id, Message.direction == "in")
                        .order_by(Message.id)).first()


def _compose(desk: Desk, key: str, text: str | None = None) -> tuple[OutboundMail, str, str]:
    detail = task_detail(desk, key)
    task = detail.task
    if not task.sender:
        raise Refused(f"{task.key} has no sender address to acknowledge (created by hand without --from)")
    tz = desk.settings.tz
    with desk.read() as session:
        row = get_task(session, key)
        parent = _client_message(session, row.id)  # type: ignore[arg-type]
        manager = None
        if row.project_id:
            project = session.get(Project, row.project_id)
            person = session.get(Staff, project.manager_id) if project and project.manager_id else None
            manager = f"{person.name}{', ' + person.phone if person.phone else ''}" if person else None
    clocks = detail.clocks
    context = {
        "studio": desk.settings.studio_name, "key": task.key, "subject": task.subject,
        "client_name": task.client.name if task.client else None,
        "sent_at": when_ru(task.first_sent_at or task.received_at, tz),
        "priority": task.priority.slug if task.priority else None,
        "priority_ru": task.priority.russian if task.priority else None,
        "priority_en": task.priority.english if task.priority else None,
        "priority_meaning": PRIORITY_MEANING_RU[task.priority] if task.priority else None,
        "timing": timing_lines(start_due=clocks.start.due_at if clocks.start else None,
                               due=clocks.due.due_at if clocks.due else None, tz=tz),
        "working_hours": desk.settings.working_hours, "phone": desk.settings.main_phone,
        "support": desk.settings.support_address, "manager": manager,
    }
    override = desk.settings.templates_dir
    body = text if text is not None else render("ack.txt.j2", context, override=override)
    html = None if text is not None else render("ack.html.j2", context, override=override)
    references = parent.references.split() if parent and parent.references else []
    try:
        mail = build_message(
            from_address=desk.settings.support_address, from_name=f"Поддержка {desk.settings.studio_name}",
            to=[task.sender], cc=[desk.settings.support_address],
            subject=reply_subject(task.key, parent.subject if parent else task.subject),
            text=body, html=html, in_reply_to=parent.message_id if parent else None, references=references,
            message_id_domain=desk.settings.message_id_domain, sent_at=desk.now(),
        )
    except (UnsafeAddress, ValueError) as exc:
        raise Refused(f"cannot address the acknowledgement: {exc}") from None
    return mail, body, html or ""


def preview_ack(desk: Desk, key: str) -> AckDraft:
    mail, body, html = _compose(desk, key)
    shown = ("From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To", "References", "Auto-Submitted")
    headers = tuple((name, mail.headers[name]) for name in shown if name in mail.headers)
    return AckDraft(key=key.upper(), headers=headers, text=body, html=html)


def send_ack(desk: Desk, key: str, *, text: str | None = None, to_outbox: bool = False,
             outbox: Path | None = None) -> AckResult:
    """Send now over SMTP, or write to the outbox folder (also when no SMTP is configured)."""
    mail, body, _ = _compose(desk, key, text)
    message_id = record_outbound(desk, key, mail, kind="ack", body=body)
    state, detail = deliver(desk, message_id, mail, to_outbox=to_outbox, outbox=outbox, reaction=True)
    return AckResult(state, mail.message_id, detail)
