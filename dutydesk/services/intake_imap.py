"""``dutydesk mail fetch``: the support mailbox over IMAP, through the same intake as ``mail import``.

The desk remembers, per folder, the UIDVALIDITY and the highest UID it has
committed (:class:`~dutydesk.store.mail_models.MailboxCursor`). A fetch reads
the UIDs above it, imports them batch by batch, and after each batch is
committed marks those messages ``\\Seen`` and moves the cursor, so a crash at
any point loses nothing and at worst reads a batch again (the intake's dedupe
makes that a no-op). A new UIDVALIDITY (the folder was recreated) reads the
whole folder again, safely for the same reason. Nothing is ever deleted.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select

from dutydesk.mail.imap import ImapMailbox
from dutydesk.mail.sources import MailSource
from dutydesk.services import audit
from dutydesk.services.desk import Desk
from dutydesk.services.intake_mail import IntakeItem, IntakeReport, import_sources
from dutydesk.store.mail_models import MailboxCursor


def read_cursor(desk: Desk, mailbox: str) -> tuple[int, int] | None:
    """(uidvalidity, last committed UID) for the folder, or None before its first fetch."""
    with desk.read() as session:
        row = session.exec(select(MailboxCursor).where(MailboxCursor.mailbox == mailbox)).first()
        return (row.uidvalidity, row.last_uid) if row is not None else None


def _save_cursor(desk: Desk, mailbox: str, uidvalidity: int, last_uid: int) -> None:
    now = desk.now()
    with desk.write() as session:
        row = session.exec(select(MailboxCursor).where(MailboxCursor.mailbox == mailbox)).first()
        before = (row.uidvalidity, row.last_uid) if row is not None else (None, None)
        if row is None:
            row = MailboxCursor(mailbox=mailbox, uidvalidity=uidvalidity, last_uid=last_uid, updated_at=now)
            session.add(row)
        else:
            row.uidvalidity, row.last_uid, row.updated_at = uidvalidity, last_uid, now
        audit.record(session, at=now, actor=desk.actor, action="mail.cursor", entity="mailbox",
                     entity_id=mailbox[:64], changes={"uidvalidity": (before[0], uidvalidity),
                                                      "last_uid": (before[1], last_uid)})


def fetch_mail(desk: Desk, *, progress: Callable[[int], None] | None = None,
               started: Callable[[int], None] | None = None) -> IntakeReport:
    """Import what arrived in the configured IMAP folder since the last fetch.

    ``started`` hears how many messages are new, before any is read.
    """
    with ImapMailbox(desk.settings.imap) as box:
        known = read_cursor(desk, box.name)
        last = known[1] if known is not None and known[0] == box.uidvalidity else 0
        uids = box.uids_after(last)
        if started is not None:
            started(len(uids))
        if not uids:
            if known is None or known[0] != box.uidvalidity:
                _save_cursor(desk, box.name, box.uidvalidity, 0)
            return IntakeReport()
        by_label = {box.label(uid): uid for uid in uids}

        def committed(items: list[IntakeItem]) -> None:
            done = [by_label[item.source] for item in items if item.source in by_label]
            if done:
                box.mark_seen(done)  # only now: the batch is in the store
                _save_cursor(desk, box.name, box.uidvalidity, max(done))

        sources = (MailSource(box.label(uid), raw) for uid, raw in box.fetch(uids))
        # In-line parsing: the IMAP session is not shared with a feeder thread, and the network is the slow part.
        return import_sources(desk, sources, progress=progress, committed=committed, workers=0)
