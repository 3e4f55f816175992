"""Parse one inbound message into what the desk needs, never raising.

Every message that reaches the support address (R-IN-1) goes through
`parse_message`, and whatever bytes arrive, it returns a `ParsedMessage`:
a message that cannot be a request says why in ``quarantine``, an
automatic one (auto-reply, bounce, our own acknowledgement coming back)
says why in ``auto_reply``, and decoding trouble that was worked around is
listed in ``problems``. Every text field has been through `strip_unsafe`,
so it can be shown on a terminal without executing anything in it.

Pure: no database, no clock, no I/O.
"""

from __future__ import annotations

import email
import email.parser
import email.policy
import email.utils
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import Message

from dutydesk.mail.addresses import Mailbox, is_plausible_local_only, parse_address_list
from dutydesk.mail.headers import decode_header_bytes, header_bytes
from dutydesk.mail.mime import Attachment, extract_content
from dutydesk.mail.sanitize import fold_whitespace, strip_unsafe

__all__ = ["Attachment", "ParsedMessage", "content_hash", "parse_message", "strip_unsafe"]


@dataclass(frozen=True)
class ParsedMessage:
    """What the desk knows about one inbound message.

    Message ids are normalised without angle brackets; addresses are
    lower-cased addr-specs; dates are timezone-aware (a date without a
    zone is taken as UTC). ``content_hash`` identifies the same mail
    arriving twice without a Message-ID (R-IN-2).
    """

    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    from_address: str | None
    from_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    sent_at: datetime | None
    received_at: datetime | None
    body_text: str
    attachments: tuple[Attachment, ...]
    auto_reply: str | None
    quarantine: str | None
    content_hash: str
    problems: tuple[str, ...]

    @property
    def is_request(self) -> bool:
        """True when this message may become a task (R-IN-1, R-TRI-2)."""
        return self.quarantine is None and self.auto_reply is None


def content_hash(from_address: str | None, subject: str, body_text: str) -> str:
    """sha256 of sender, subject and body with whitespace folded.

    Folding makes the hash survive what relays do to a message (CRLF
    versus LF, re-wrapped trailing spaces), so a copy that came via a
    project manager (R-IN-2) hashes the same as the original.
    """
    normal = "\x1f".join((from_address or "", fold_whitespace(subject), fold_whitespace(body_text)))
    return hashlib.sha256(normal.encode("utf-8", "surrogatepass")).hexdigest()


def parse_message(
    raw: bytes,
    *,
    support_address: str = "support@cetera.ru",
    own_message_id_domain: str | None = None,
) -> ParsedMessage:
    """Parse the raw bytes of one message (RFC 5322, with or without an
    mbox ``From `` line). Never raises: any failure inside becomes a
    ``quarantine`` reason."""
    problems: list[str] = []
    try:
        data = bytes(raw)
    except Exception:  # noqa: BLE001 - not even bytes
        data = b""
    try:
        return _Parser(data, support_address, own_message_id_domain, problems).result()
    except Exception as exc:  # noqa: BLE001 - never raise for any input bytes
        problems.append(f"parser failure: {type(exc).__name__}")
        return _quarantined(data, f"unparseable: {type(exc).__name__}", problems)


def _quarantined(data: bytes, reason: str, problems: list[str]) -> ParsedMessage:
    return ParsedMessage(
        message_id=None, in_reply_to=None, references=(), from_address=None, from_name="",
        to=(), cc=(), subject="", sent_at=None, received_at=None, body_text="",
        attachments=(), auto_reply=None, quarantine=reason,
        content_hash=hashlib.sha256(data).hexdigest(), problems=tuple(problems),
    )


# --- small header helpers ----------------------------------------------------

_MSGID = re.compile(r"<([^<>]*)>")


def _message_ids(value: str) -> list[str]:
    """All message ids in a header value, without brackets, deduplicated."""
    value = strip_unsafe(value, multiline=False)
    found = _MSGID.findall(value) or value.split()
    ids: list[str] = []
    for item in found:
        item = re.sub(r"\s+", "", item)
        if item and item not in ids:
            ids.append(item)
    return ids


def _parse_date(value: str) -> datetime | None:
    try:
        parsed = email.utils.parsedate_to_datetime(value.strip())
    except Exception:  # noqa: BLE001 - TypeError, ValueError, OverflowError on junk
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def _walk(message: Message, limit: int = 2000) -> list[Message]:
    """All parts, without recursion (`Message.walk` recurses and a hostile
    message nests thousands deep), at most ``limit`` of them."""
    found: list[Message] = []
    stack = [message]
    while stack and len(found) < limit:
        part = stack.pop()
        found.append(part)
        # is_multipart() first: get_payload() of a leaf with 8-bit content
        # decodes the whole body just to hand it back, for nothing here.
        if part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                stack.extend(reversed([p for p in payload if isinstance(p, Message)]))
    return found


_FIELD_LINE = re.compile(rb"^[!-9;-~]+:")
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_KNOWN_FIELD = re.compile(
    rb"(?i)^(from|to|cc|subject|date|message-id|received|return-path|mime-version|reply-to|sender"
    rb"|in-reply-to|references|delivered-to|content-[a-z-]+|x-[a-z0-9-]+):"
)


def _repair_headers(data: bytes, problems: list[str]) -> bytes:
    """Mend a header section the stdlib would cut short.

    `email` ends the headers at the first line that is neither a field
    nor a continuation, so one unindented wrapped line (or a forwarding
    tool's banner above the headers) turns every following header, From
    and Subject included, into body text. When real fields follow such a
    line before the blank line, the line is made a continuation of the
    field above (or dropped if it precedes every field).
    """
    match = _HEADER_END.search(data)
    end = match.start() if match else len(data)
    lines = data[:end].split(b"\n")
    first = 1 if lines and lines[0].startswith(b"From ") else 0
    bad = {
        i for i in range(first, len(lines))
        if not (_FIELD_LINE.match(lines[i]) or lines[i][:1] in (b" ", b"\t"))
    }
    if not bad or not any(_KNOWN_FIELD.match(line) for line in lines[min(bad) + 1 :]):
        return data  # nothing header-like follows: the body just starts early
    if sum(1 for line in lines if _FIELD_LINE.match(line)) < 2:
        return data
    out: list[bytes] = []
    seen_field = False
    for i, line in enumerate(lines):
        if i in bad:
            if seen_field:
                out.append(b" " + line)
            continue
        seen_field = seen_field or i >= first
        out.append(line)
    problems.append(f"{len(bad)} malformed header line(s) mended")
    return b"\n".join(out) + data[end:]


class _Parser:
    """One run of parsing; holds the problems found along the way."""

    def __init__(self, data: bytes, support_address: str, own_domain: str | None, problems: list[str]):
        self.data = data
        self.support_address = (support_address or "").strip().lower()
        self.own_domain = (own_domain or "").strip().lower().lstrip("@") or None
        self.problems = problems

    # -- headers

    def _headers(self, name: str) -> list[str]:
        return self.by_name.get(name, [])

    def _first(self, name: str) -> str | None:
        values = self._headers(name)
        return values[0] if values else None

    def _decoded(self, value: str, where: str) -> str:
        text = decode_header_bytes(header_bytes(value), hints=self.hints, problems=self.problems, where=where)
        return fold_whitespace(strip_unsafe(text, multiline=False))

    def _address(self, mailbox: Mailbox) -> str:
        raw = header_bytes(mailbox.address).decode("utf-8", "replace")
        return re.sub(r"\s+", " ", strip_unsafe(raw, multiline=False)).strip().lower()

    def _addresses(self, name: str) -> tuple[str, ...]:
        found: list[str] = []
        for value in self._headers(name):
            for mailbox in parse_address_list(value):
                address = self._address(mailbox)
                if address and address not in found:
                    found.append(address)
        return tuple(found)

    def _sender(self) -> tuple[str | None, str]:
        """The sender: the first From mailbox with an address; failing
        that Sender:, then Reply-To: (spam and some web forms omit From)."""
        from_values = self._headers("from")
        if len(from_values) > 1:
            self.problems.append(f"{len(from_values)} From: headers, the first usable one taken")
        for header in ("from", "sender", "reply-to"):
            mailboxes = [m for value in self._headers(header) for m in parse_address_list(value)]
            usable = [m for m in mailboxes if "@" in m.address] or [
                m for m in mailboxes if m.address and is_plausible_local_only(m.address)
            ]
            if usable:
                if header != "from":
                    self.problems.append(f"no usable From: address, sender taken from {header.title()}:")
                elif len(mailboxes) > 1:
                    self.problems.append("From: names several mailboxes, the first one taken")
                name = self._decoded(usable[0].name, f"{header} name")
                return self._address(usable[0]), name
        names = [m.name for value in from_values for m in parse_address_list(value) if m.name]
        return None, (self._decoded(names[0], "from name") if names else "")

    # -- classification

    def _auto_reply(self, from_address: str | None, message_id: str | None, top: Message) -> str | None:
        """Why this message is automatic, or None (RFC 3834 and habits)."""
        if self.own_domain and message_id and message_id.lower().rsplit("@", 1)[-1] == self.own_domain:
            return f"our own message (Message-ID on {self.own_domain})"
        if from_address and self.support_address and from_address == self.support_address:
            return "sent from the support address"
        if top.get_content_type() == "multipart/report":
            report = str(top.get_param("report-type") or "").lower()
            kind = "read receipt" if report == "disposition-notification" else "delivery report"
            return f"{kind} (multipart/report; report-type={report or '?'})"
        local = (from_address or "").split("@", 1)[0]
        if local in ("mailer-daemon", "postmaster"):
            return f"sender is {local}"
        checks = (
            ("auto-submitted", lambda v: v.split(";")[0].split("(")[0].strip().lower() not in ("", "no")),
            ("precedence", lambda v: v.strip().lower() in ("bulk", "junk", "list")),
            ("x-autoreply", lambda v: v.strip().lower() not in ("", "no", "false", "0")),
            ("x-autorespond", lambda v: v.strip() != ""),
            # Only the values an automatic sender sets; "RN, NRN" merely
            # suppresses receipts and also rides on mail people write.
            ("x-auto-response-suppress", lambda v: bool(re.search(r"(?i)\b(all|oof|autoreply)\b", v))),
        )
        for name, is_auto in checks:
            value = self._first(name)
            if value is not None:
                text = fold_whitespace(strip_unsafe(header_bytes(value).decode("ascii", "replace"), multiline=False))
                if is_auto(text):
                    return f"{name.title()}: {text[:80]}"
        return_path = self._first("return-path")
        if return_path is not None and return_path.strip() in ("<>", ""):
            return "null envelope sender (Return-Path: <>)"
        return None

    def result(self) -> ParsedMessage:
        if not self.data.strip():
            return _quarantined(self.data, "empty message", self.problems)
        data = _repair_headers(self.data, self.problems)
        structure_error = None
        try:
            message = email.message_from_bytes(data, policy=email.policy.compat32)
        except Exception as exc:  # noqa: BLE001 - the stdlib parser recurses per MIME level
            # Keep what the headers say; the body is beyond reading.
            message = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(data, headersonly=True)
            message.set_payload("")
            structure_error = f"unparseable: MIME structure ({type(exc).__name__})"
            self.problems.append(f"MIME structure unreadable: {type(exc).__name__}")
        self.headers = [(key.strip().lower(), value) for key, value in message.raw_items()]
        self.by_name: dict[str, list[str]] = {}
        for key, value in self.headers:
            self.by_name.setdefault(key, []).append(value)
        parts = _walk(message)
        # Each part's charset, read once: the body extraction needs them again.
        part_charsets = {id(part): part.get_content_charset() for part in parts}
        self.hints = tuple(dict.fromkeys(c for c in part_charsets.values() if c))

        subject_raw = self._first("subject")
        subject = self._decoded(subject_raw, "subject") if subject_raw is not None else ""
        from_address, from_name = self._sender()
        message_ids = _message_ids(self._first("message-id") or "")
        message_id = message_ids[0] if message_ids else None
        in_reply_to = next(iter(_message_ids(self._first("in-reply-to") or "")), None)
        references = tuple(_message_ids(" ".join(self._headers("references"))))

        sent_at = None
        date = self._first("date")
        if date is not None:
            sent_at = _parse_date(header_bytes(date).decode("ascii", "replace"))
            if sent_at is None:
                self.problems.append("Date: header unreadable")
        received_at = None
        for index, value in enumerate(self._headers("received")):
            received_at = _parse_date(header_bytes(value).decode("ascii", "replace").rsplit(";", 1)[-1])
            if received_at is not None:
                if index:
                    self.problems.append("topmost Received: header has no readable date")
                break

        body, attachments = extract_content(message, hints=self.hints, problems=self.problems, charsets=part_charsets)
        defects = sorted({type(d).__name__ for part in parts for d in getattr(part, "defects", [])})
        if defects:
            self.problems.append("MIME defects: " + ", ".join(defects))

        quarantine = structure_error
        if quarantine is not None:
            pass
        elif not self.headers:
            quarantine = "not an e-mail message: no header fields"
        elif from_address is None:
            quarantine = "no sender address"
        elif "@" not in from_address:
            quarantine = f"sender address without domain: {from_address[:80]}"
        return ParsedMessage(
            message_id=message_id,
            in_reply_to=in_reply_to,
            references=references,
            from_address=from_address,
            from_name=from_name,
            to=self._addresses("to"),
            cc=self._addresses("cc"),
            subject=subject,
            sent_at=sent_at,
            received_at=received_at,
            body_text=body,
            attachments=attachments,
            auto_reply=self._auto_reply(from_address, message_id, message),
            quarantine=quarantine,
            content_hash=content_hash(from_address, subject, body),
            problems=tuple(dict.fromkeys(self.problems)),
        )

