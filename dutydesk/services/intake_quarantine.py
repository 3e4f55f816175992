"""Quarantined mail: listed, viewable, retryable after a fix — never lost.

A message lands in quarantine when it cannot be a request (unparseable, no
sender, an unreadable file). Its raw bytes are kept; after a fix (a new
dutydesk that parses it, a changed support address, a file made readable
again) ``retry`` runs it through the intake once more, and its row takes the
new outcome in place, with an audit event (``mail.retry``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import select

from dutydesk.errors import NotFound
from dutydesk.mail.parse import parse_message
from dutydesk.mail.sources import MailSource
from dutydesk.services.desk import Desk
from dutydesk.services.intake_mail import BATCH_MESSAGES, Intake, IntakeReport
from dutydesk.services.intake_prepare import prepare, unpack_raw
from dutydesk.services.views import iso
from dutydesk.store.models import Message


@dataclass(frozen=True)
class QuarantinedMessage:
    id: int
    source: str | None
    reason: str | None
    sender: str | None
    subject: str
    received_at: datetime | None
    stored_at: datetime
    size: int

    def to_json(self) -> dict:
        return {"id": self.id, "source": self.source, "reason": self.reason, "from": self.sender,
                "subject": self.subject, "received_at": iso(self.received_at), "stored_at": iso(self.stored_at),
                "size": self.size}


@dataclass(frozen=True)
class QuarantineDetail:
    """One message as the lead inspects it: what the parser makes of it today, and why it is held."""

    message: QuarantinedMessage
    outcome: str | None
    headers: tuple[tuple[str, str], ...]
    problems: tuple[str, ...]
    body_text: str
    attachments: tuple[dict, ...]

    def to_json(self) -> dict:
        return {**self.message.to_json(), "outcome": self.outcome,
                "headers": [{"name": n, "value": v} for n, v in self.headers], "problems": list(self.problems),
                "body": self.body_text, "attachments": list(self.attachments)}


def _summary(row: Message, size: int) -> QuarantinedMessage:
    return QuarantinedMessage(int(row.id), row.source, row.reason, row.sender, row.subject,  # type: ignore[arg-type]
                              row.received_at, row.created_at, size)


def list_quarantine(desk: Desk) -> list[QuarantinedMessage]:
    """Every inbound message held in quarantine, oldest first."""
    with desk.read() as session:
        rows = session.exec(select(Message).where(Message.direction == "in", Message.outcome == "quarantined")
                            .order_by(Message.id)).all()
        return [_summary(row, len(unpack_raw(row.raw))) for row in rows]


def _row(session, message_id: int) -> Message:
    row = session.get(Message, message_id)
    if row is None or row.direction != "in":
        raise NotFound(f"no inbound message {message_id} (see `dutydesk mail quarantine`)")
    return row


def show_quarantined(desk: Desk, message_id: int) -> QuarantineDetail:
    """The message as stored; headers, problems and text re-read from its raw bytes."""
    with desk.read() as session:
        row = _row(session, message_id)
        raw = unpack_raw(row.raw)
        summary, outcome = _summary(row, len(raw)), row.outcome
        attachments = tuple(json.loads(row.attachments or "[]"))
    parsed = parse_message(raw, support_address=desk.settings.support_address,
                           own_message_id_domain=desk.settings.message_id_domain)
    shown = (("From", parsed.from_address or ""), ("To", ", ".join(parsed.to)), ("Cc", ", ".join(parsed.cc)),
             ("Subject", parsed.subject), ("Date", iso(parsed.sent_at) or ""),
             ("Message-ID", parsed.message_id or ""), ("In-Reply-To", parsed.in_reply_to or ""))
    return QuarantineDetail(summary, outcome, tuple((n, v) for n, v in shown if v), parsed.problems,
                            parsed.body_text, attachments)


def raw_message(desk: Desk, message_id: int) -> bytes:
    """The original bytes, to save and inspect (``mail quarantine --show ID --raw``)."""
    with desk.read() as session:
        return unpack_raw(_row(session, message_id).raw)


def retry_quarantined(desk: Desk, ids: Sequence[int] | None = None) -> IntakeReport:
    """Run quarantined messages (these, or all when None) through the intake again."""
    with desk.read() as session:
        query = select(Message.id, Message.source, Message.raw, Message.reason).where(
            Message.direction == "in", Message.outcome == "quarantined")
        if ids is not None:
            wanted = sorted(set(ids))
            query = query.where(Message.id.in_(wanted))  # type: ignore[union-attr]
        rows = session.execute(query.order_by(Message.id)).all()
        if ids is not None:
            missing = sorted(set(ids) - {r[0] for r in rows})
            if missing:
                found = {m.id: m.outcome for m in session.exec(select(Message).where(Message.id.in_(missing)))}  # type: ignore[union-attr]
                first = missing[0]
                if first in found:
                    raise NotFound(f"message {first} is not quarantined (it is {found[first]})")
                raise NotFound(f"no quarantined message {first} (see `dutydesk mail quarantine`)")
    settings = desk.settings
    items, row_ids = [], []
    for id_, source, stored, reason in rows:
        raw = unpack_raw(stored)
        error = None
        if not raw and (reason or "").startswith("unreadable source"):
            raw, error = _reread(source or "")
        items.append(prepare(MailSource(source or f"message:{id_}", raw, error),
                             support_address=settings.support_address, own_domain=settings.message_id_domain))
        row_ids.append(id_)
    intake = Intake(desk)
    report = IntakeReport()
    for start in range(0, len(items), BATCH_MESSAGES):
        report.items.extend(intake.commit(items[start:start + BATCH_MESSAGES], row_ids[start:start + BATCH_MESSAGES]))
    return report


def _reread(label: str) -> tuple[bytes, str | None]:
    """A file that could not be read at import may be readable now (permissions fixed, disk back)."""
    path = Path(label.removeprefix("maildir:"))
    if label.startswith(("mbox:", "imap:")) or not path.is_file():
        return b"", f"{label} is gone"
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return b"", f"{type(exc).__name__}: {exc.strerror or exc}"
    if raw.startswith(b"From "):  # an mbox envelope line, as sources strips it
        raw = raw.split(b"\n", 1)[1] if b"\n" in raw else b""
    return raw, None
