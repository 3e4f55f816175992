"""Build outbound mail (the acknowledgement of R-TRI-4) that cannot be subverted.

Everything that goes into a header here may have come from a stranger:
the client's subject, their display name, the Message-ID we reply to. A
CR or LF in any of them would let the stranger add headers (a ``Bcc:`` to
harvest our replies), a comma in an address would add a recipient. So
every address is validated (`UnsafeAddress` otherwise), every other value
has line breaks and control characters removed, and the header lines are
encoded by this module itself rather than by `EmailMessage`: the stdlib
parses a plain string assigned to a header as if it were already encoded,
so a subject containing ``=?utf-8?q?=0D=0ABcc:...?=`` would be *decoded*
into a real line break on output (Python 3.11 before 3.11.10).
"""

from __future__ import annotations

import email.policy
import email.utils
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.header import Header
from email.message import EmailMessage
from types import MappingProxyType

from dutydesk.mail.sanitize import fold_whitespace, strip_unsafe

__all__ = ["OutboundMail", "UnsafeAddress", "build_message", "reply_subject", "validate_address"]

_LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
_MSGID_UNSAFE = re.compile(r"[\s<>\x00-\x1f\x7f-\x9f]")
_TOKEN = re.compile(r"^[A-Za-z0-9-]+$")


class UnsafeAddress(ValueError):
    """An address that would not be one address: it holds a line break,
    a second address, quoting tricks, or no domain."""


def validate_address(address: str) -> str:
    """Return ``address`` as a plain ``local@domain``, or raise `UnsafeAddress`.

    Deliberately narrower than RFC 5322: no display names, quoted local
    parts, comments or routes, and no non-ASCII local part (that needs
    SMTPUTF8); a Unicode domain is converted to its IDNA form.
    """
    if not isinstance(address, str):
        raise UnsafeAddress(f"not a string: {address!r}")
    candidate = address.strip(" \t")
    if re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", candidate):
        raise UnsafeAddress(f"control character or line break in address {address!r}")
    if re.search(r"[,;<>\"()\[\]\\:\s]", candidate):
        raise UnsafeAddress(f"address {address!r} is not a single plain address")
    local, at, domain = candidate.rpartition("@")
    if not at or not local or not domain or "@" in local:
        raise UnsafeAddress(f"address {address!r} needs exactly one @ with text on both sides")
    if not local.isascii():
        raise UnsafeAddress(f"non-ASCII local part in {address!r}")
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise UnsafeAddress(f"invalid domain in {address!r}") from exc
    if not _LOCAL_PART.match(local) or not _DOMAIN.match(domain) or len(local) > 64:
        raise UnsafeAddress(f"malformed address {address!r}")
    return f"{local}@{domain}"


def _one_line(text: str) -> str:
    return fold_whitespace(strip_unsafe(str(text or ""), multiline=False))


def _clean_message_id(value: str | None) -> str | None:
    """A message id without brackets, whitespace or controls, or None.

    An id that contains ``=?`` is dropped: readers that treat In-Reply-To
    as unstructured text would decode it as an encoded-word.
    """
    if not value:
        return None
    cleaned = _MSGID_UNSAFE.sub("", strip_unsafe(str(value), multiline=False))
    return cleaned if cleaned and cleaned.isascii() and "=?" not in cleaned else None


def _needs_encoding(text: str) -> bool:
    return not text.isascii() or "=?" in text or any(len(word) > 70 for word in text.split())


def _encode_text(text: str, header_name: str) -> str:
    """Wire form of an unstructured value: folded, RFC 2047 where needed.

    An ASCII value that merely *looks* encoded (contains ``=?``) is
    encoded too, so no reader decodes it into something we did not write.
    """
    charset = "utf-8" if _needs_encoding(text) else "us-ascii"
    return Header(text, charset, header_name=header_name).encode(linesep="\r\n")


def _encode_mailbox(name: str, address: str) -> str:
    if not name:
        return address
    if _needs_encoding(name):
        phrase = Header(name, "utf-8").encode(linesep="\r\n")
    else:
        phrase = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{phrase} <{address}>"


class _EncodedHeader(str):
    """A header value whose wire form this module produced.

    `email.policy.EmailPolicy` stores a value that carries a matching
    ``name`` as it is, and serialises it by calling its ``fold`` (the
    protocol of `email.headerregistry` header objects); the ``str`` value
    is the text as a reader will see it.
    """

    name: str
    wire: str

    def __new__(cls, name: str, text: str, wire: str) -> _EncodedHeader:
        if "\n" in wire.replace("\r\n ", "").replace("\r\n\t", "") or "\r" in wire.replace("\r\n", ""):
            raise ValueError(f"unfolded line break in {name}")  # cannot happen; belt and braces
        obj = super().__new__(cls, text)
        obj.name = name
        obj.wire = wire
        return obj

    def fold(self, *, policy: email.policy.Policy) -> str:
        return f"{self.name}: {self.wire}{policy.linesep}"


@dataclass(frozen=True)
class OutboundMail:
    """A message ready for SMTP.

    ``message_id`` is without angle brackets; ``headers`` maps each header
    to its value as recipients will read it; ``raw`` is the exact wire
    form (CRLF line ends); ``recipients`` are the envelope recipients
    (To and Cc, de-duplicated).
    """

    message_id: str
    headers: Mapping[str, str] = field(hash=False)
    raw: bytes = field(repr=False)
    recipients: tuple[str, ...] = ()
    message: EmailMessage | None = field(default=None, repr=False, compare=False)

    def as_bytes(self) -> bytes:
        """The message as it goes over the wire."""
        return self.raw


def build_message(
    *,
    from_address: str,
    from_name: str,
    to: Sequence[str],
    cc: Sequence[str],
    subject: str,
    text: str,
    html: str | None,
    in_reply_to: str | None,
    references: Sequence[str],
    message_id_domain: str,
    auto_submitted: str | None = "auto-replied",
    sent_at: datetime,
) -> OutboundMail:
    """Build one outbound message (text, plus HTML as an alternative).

    Threading (R-TRI-4): In-Reply-To names the client's message and
    References carries its references followed by it. ``auto_submitted``
    marks the acknowledgement as automatic (RFC 3834), so well-behaved
    auto-responders do not answer it and mail loops do not start.
    Raises `UnsafeAddress` for any address that is not one plain address
    and ValueError for a naive ``sent_at`` or an invalid domain.
    """
    if sent_at.tzinfo is None or sent_at.utcoffset() is None:
        raise ValueError("sent_at must be timezone-aware")
    domain = str(message_id_domain or "").strip().lower()
    if not _DOMAIN.match(domain):
        raise ValueError(f"invalid Message-ID domain {message_id_domain!r}")
    if isinstance(to, str) or isinstance(cc, str):
        raise TypeError("to and cc are sequences of addresses, not strings")
    sender = validate_address(from_address)
    to_list: list[str] = []
    cc_list: list[str] = []
    seen: set[str] = set()
    for source, target in ((to, to_list), (cc, cc_list)):
        for address in source:
            valid = validate_address(address)
            if valid.lower() not in seen:
                seen.add(valid.lower())
                target.append(valid)
    if not to_list:
        raise UnsafeAddress("a message needs at least one To: address")

    message = EmailMessage(policy=email.policy.SMTP)
    message_id = email.utils.make_msgid(domain=domain)[1:-1]
    name = _one_line(from_name)
    clean_subject = _one_line(subject)
    parent = _clean_message_id(in_reply_to)
    chain = [r for r in (_clean_message_id(ref) for ref in references) if r]
    if parent and parent not in chain:
        chain.append(parent)  # RFC 5322 3.6.4: the parent's References, then the parent
    chain = list(dict.fromkeys(chain))

    def put(header: str, text: str, wire: str) -> None:
        message[header] = _EncodedHeader(header, text, wire)

    put("From", f"{name} <{sender}>" if name else sender, _encode_mailbox(name, sender))
    put("To", ", ".join(to_list), ",\r\n ".join(to_list))
    if cc_list:
        put("Cc", ", ".join(cc_list), ",\r\n ".join(cc_list))
    put("Subject", clean_subject, _encode_text(clean_subject, "Subject"))
    date = email.utils.format_datetime(sent_at)
    put("Date", date, date)
    put("Message-ID", f"<{message_id}>", f"<{message_id}>")
    if parent:
        put("In-Reply-To", f"<{parent}>", f"<{parent}>")
    if chain:
        put("References", " ".join(f"<{r}>" for r in chain), "\r\n ".join(f"<{r}>" for r in chain))
    if auto_submitted:
        token = _one_line(auto_submitted)
        if not _TOKEN.match(token):
            raise ValueError(f"invalid Auto-Submitted value {auto_submitted!r}")
        put("Auto-Submitted", token, token)
        # Exchange and Outlook ignore RFC 3834; this keeps their
        # out-of-office replies from answering the acknowledgement.
        put("X-Auto-Response-Suppress", "All", "All")

    message.set_content(strip_unsafe(text or "", multiline=True))
    if html is not None:
        message.add_alternative(strip_unsafe(html, multiline=True), subtype="html")
    raw = message.as_bytes()
    headers = MappingProxyType({key: str(value) for key, value in message.items()})
    return OutboundMail(
        message_id=message_id,
        headers=headers,
        raw=raw,
        recipients=tuple(to_list + cc_list),
        message=message,
    )


_REPLY_PREFIX = re.compile(r"^\s*(?:re|aw|sv|antw|ответ|отв|на)\s*(?:\[\d+\]|\(\d+\)|\^\d+)?\s*:\s*", re.IGNORECASE)


def reply_subject(task_key: str, original_subject: str) -> str:
    """``[SUP-1042] Re: <original>`` without stacking ``Re: Re:`` or tags.

    Leading reply prefixes in the usual languages (Re, AW, SV, Ответ,
    Отв, Re[2]) are dropped before one ``Re:`` is added, and any copy of
    this task's tag already in the subject is removed, so a long thread
    keeps one tag and one ``Re:``. Other tasks' tags stay: they are the
    client's text. An empty original gives just the tag.
    """
    key = _one_line(task_key)
    tag = f"[{key}]"
    rest = _one_line(original_subject)
    previous = None
    while rest != previous:
        previous = rest
        rest = re.sub(re.escape(tag), " ", rest, flags=re.IGNORECASE)
        rest = _REPLY_PREFIX.sub("", fold_whitespace(rest))
        rest = fold_whitespace(rest)
    return f"{tag} Re: {rest}" if rest else tag
