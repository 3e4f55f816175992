"""Mail intake (R-IN-1, R-IN-2, R-TRI-1, R-TRI-2): every inbound message is kept and gets exactly one outcome.

The outcomes, decided in this order:

``duplicate``
    R-IN-2: an inbound message with the same Message-ID (or, when it has
    none, the same content hash) is already held. Nothing is written, so
    importing the same source twice changes nothing.
``quarantined``
    It cannot be a request (unparseable, no sender, unreadable file). Kept
    with its raw bytes, listed and retryable (``dutydesk mail quarantine``).
``ignored``
    Automatic mail: auto-replies, bounces, receipts, the echo of our own
    acknowledgement through the support mailbox's cc.
``threaded``
    In-Reply-To / References name a message of a task (ours or the
    client's), or the subject carries ``[SUP-123]`` *and* the sender belongs
    to that task's client (zammad #5064: a stranger's mail mentioning a key
    never attaches to it). A reply to a task waiting for the client resumes
    it in the same transaction (R-WORK-1).
``new_task``
    Everything else: a task with the sender's verdict and default priority,
    exactly as :func:`dutydesk.services.intake.create_request` makes it.

Each message is parsed once (a long import parses in a worker process:
:mod:`dutydesk.services.intake_prepare`) and stored with its raw bytes
compressed. Messages are committed in batches of up to ``BATCH_MESSAGES``
(:mod:`dutydesk.services.intake_batch` decides and writes one); when a batch
fails, its messages are redone one transaction each, and a message that fails
even alone is quarantined with the error, so one bad message never loses the
others. Nothing here raises for a message; only an unusable store stops an
import (what was committed stays, and a re-run goes on where it stopped).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

from dutydesk.mail.parse import ParsedMessage
from dutydesk.mail.sources import MailSource
from dutydesk.services.desk import Desk
from dutydesk.services.intake_prepare import RAW_MARK, Incoming, pack_raw, prepare, unpack_raw  # noqa: F401
from dutydesk.store.engine import StoreError

OUTCOMES = ("new_task", "threaded", "duplicate", "ignored", "quarantined")
NO_SUBJECT = "(без темы)"
#: Messages per transaction; a batch also ends early past this many raw bytes.
BATCH_MESSAGES = 200
BATCH_BYTES = 8 * 1024 * 1024
#: References deeper than this are not followed (a hostile header can list thousands).
MAX_REFERENCES = 30

# --- what an import reports --------------------------------------------------


@dataclass(frozen=True)
class IntakeItem:
    """One message's outcome. ``message`` is its stored row (None for a duplicate: nothing is stored)."""

    source: str
    outcome: str
    task: str | None
    reason: str | None
    message: int | None = None
    subject: str = ""  # for people reading the summary; not in the JSON

    def to_json(self) -> dict:
        return {"source": self.source, "outcome": self.outcome, "task": self.task, "reason": self.reason}


@dataclass
class IntakeReport:
    items: list[IntakeItem] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for item in self.items if item.outcome == outcome)

    @property
    def quarantined(self) -> int:
        return self.count("quarantined")

    def to_json(self) -> dict:
        """The shape ``mail import --json`` and ``mail fetch --json`` print."""
        return {"new_tasks": self.count("new_task"), "threaded": self.count("threaded"),
                "duplicates": self.count("duplicate"), "ignored": self.count("ignored"),
                "quarantined": self.quarantined, "items": [item.to_json() for item in self.items]}


# --- Message-IDs and text as stored ---------------------------------------------


def stored_id(message_id: str) -> str:
    """A Message-ID as stored and looked up: a hostile, huge one is kept as its digest (index limits)."""
    if len(message_id) <= 255 and message_id.isascii():
        return message_id
    return "sha256:" + hashlib.sha256(message_id.encode("utf-8", "surrogatepass")).hexdigest()


def thread_ids(parsed: ParsedMessage) -> list[str]:
    """The messages this one answers, nearest first: In-Reply-To, then References from the end."""
    found = [parsed.in_reply_to] if parsed.in_reply_to else []
    found += [r for r in reversed(parsed.references[-MAX_REFERENCES:]) if r != parsed.in_reply_to]
    return [stored_id(r) for r in found]


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def text_for_store(value: str | None, limit: int | None = None) -> str:
    """PostgreSQL text holds no NUL and no lone surrogate; the parser already made it terminal-safe."""
    text = _UNSTORABLE.sub("", value or "")
    return text[:limit] if limit else text


def safe_moment(value: datetime | None) -> datetime | None:
    """A date the store can hold: a Date: header in year 9999 +14:00 overflows UTC, and is no date."""
    if value is None:
        return None
    try:
        value.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        return None
    return value


# --- the run ---------------------------------------------------------------------


class Intake:
    """One import run over a desk. The registry's answers are cached for its whole length."""

    def __init__(self, desk: Desk) -> None:
        from dutydesk.services.intake_senders import SenderCache

        self.desk = desk
        self.senders = SenderCache(desk)

    def run(self, incoming: Iterable[Incoming], *, progress: Callable[[int], None] | None = None,
            committed: Callable[[list[IntakeItem]], None] | None = None) -> IntakeReport:
        """Import every message; ``committed`` hears each batch once it is safely in the store."""
        report = IntakeReport()
        for batch in _batches(incoming):
            done = self.commit(batch)
            report.items.extend(done)
            if committed is not None:
                committed(done)
            if progress is not None:
                progress(len(done))
        return report

    def commit(self, batch: Sequence[Incoming], rows: Sequence[int | None] | None = None) -> list[IntakeItem]:
        """One transaction for the batch; if it fails, one per message (``rows``: stored messages retried)."""
        rows = list(rows) if rows is not None else [None] * len(batch)
        try:
            return self._transaction(batch, rows)
        except StoreError:
            if len(batch) == 1:
                raise
        except Exception:  # noqa: BLE001 - redo one by one below: only a bad message may suffer
            pass
        return [self._alone(item, row) for item, row in zip(batch, rows)]

    def _transaction(self, batch: Sequence[Incoming], rows: Sequence[int | None]) -> list[IntakeItem]:
        from dutydesk.services.intake_batch import Batch

        with self.desk.write() as session:
            work = Batch(self, session, batch)
            for item, row in zip(batch, rows):
                work.process(item, row)
            return work.write()

    def _alone(self, item: Incoming, row: int | None) -> IntakeItem:
        """One message, its own transaction; tried twice (a concurrent desk), then quarantined with the error."""
        error: Exception | None = None
        for _ in range(2):
            try:
                return self._transaction([item], [row])[0]
            except StoreError:
                raise  # the store itself is unusable: stop; what was committed stays, a re-run resumes
            except Exception as exc:  # noqa: BLE001
                error = exc
        first = (str(error).splitlines() or [""])[0]
        reason = f"intake failed: {type(error).__name__}: {first}"[:500]
        broken = replace(item, parsed=replace(item.parsed, quarantine=reason, auto_reply=None))
        return self._transaction([broken], [row])[0]


def _batches(incoming: Iterable[Incoming]) -> Iterable[list[Incoming]]:
    batch: list[Incoming] = []
    size = 0
    for item in incoming:
        batch.append(item)
        size += item.size
        if len(batch) >= BATCH_MESSAGES or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def import_sources(desk: Desk, sources: Iterable[MailSource], *, progress: Callable[[int], None] | None = None,
                   committed: Callable[[list[IntakeItem]], None] | None = None,
                   workers: int | None = None) -> IntakeReport:
    """``dutydesk mail import``: every message from the sources, each with its outcome."""
    from dutydesk.services.intake_prepare import prepared

    settings = desk.settings
    stream = prepared(sources, support_address=settings.support_address, own_domain=settings.message_id_domain,
                      workers=workers)
    try:
        return Intake(desk).run(stream, progress=progress, committed=committed)
    finally:
        stream.close()
