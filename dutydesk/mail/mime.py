"""Find the readable text of a MIME message; list the rest as attachments.

The duty lead reads a request, so the text/plain rendering is preferred
(it is what the client typed), HTML is converted when it is the only
rendering or the plain one is empty, inline text parts of a mixed message
are joined in order (body, then a forwarded note, then a signature), and
every other leaf part is an `Attachment` with its decoded name and size.
Enclosed messages (message/rfc822) are single attachments: their insides
are somebody else's mail.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from email.message import Message

from dutydesk.mail.charsets import decode_bytes
from dutydesk.mail.headers import decode_header_bytes, header_params
from dutydesk.mail.htmltext import html_to_text, meta_charset
from dutydesk.mail.sanitize import fold_whitespace, strip_unsafe

__all__ = ["Attachment", "extract_content"]

MAX_DEPTH = 30  # MIME nesting deeper than this is an attack, not mail
_SIGNATURES = {"application/pgp-signature", "application/pkcs7-signature", "application/x-pkcs7-signature"}


@dataclass(frozen=True)
class Attachment:
    """A part of the message that is not its readable text.

    ``filename`` is decoded (RFC 2047 and RFC 2231), made safe for the
    terminal and reduced to its last path component, so it can never
    point outside a folder it is saved to; empty when the sender gave
    none. ``size`` is the decoded size in bytes.
    """

    filename: str
    content_type: str
    size: int


def _raw_header(part: Message, name: str) -> str | None:
    for key, value in part.raw_items():
        if key.strip().lower() == name:
            return value
    return None


def _params(part: Message, header: str) -> dict[str, tuple[bytes, str | None]]:
    value = _raw_header(part, header)
    return header_params(value) if value is not None else {}


def _disposition(part: Message) -> str:
    value = _raw_header(part, "content-disposition") or ""
    return value.split(";", 1)[0].strip().lower()


_UNKNOWN = object()


class _Extractor:
    def __init__(self, hints: tuple[str, ...], problems: list[str], charsets: Mapping[int, str | None]) -> None:
        self.hints = hints
        self.problems = problems
        self.charsets = charsets
        self.used: set[int] = set()

    def is_attachment(self, part: Message) -> bool:
        return (
            _disposition(part) == "attachment"
            or "filename" in _params(part, "content-disposition")
            or "name" in _params(part, "content-type")
        )

    def text_of(self, part: Message, *, html: bool) -> str:
        self.used.add(id(part))
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            payload = b""
        charset = self.charsets.get(id(part), _UNKNOWN)
        if charset is _UNKNOWN:
            charset = part.get_content_charset()
        if html and not charset:
            charset = meta_charset(payload)
        text = decode_bytes(payload, charset, hints=self.hints, problems=self.problems, where=part.get_content_type())
        if html:
            return html_to_text(text)
        # get_param parses every parameter again: ask only when "flowed" can be there
        flowed = "flowed" in str(part.get("content-type", "")).lower()
        if flowed and str(part.get_param("format") or "").lower() == "flowed":
            return unflow(text, delsp=str(part.get_param("delsp") or "").lower() == "yes")
        return text

    def body(self, part: Message, depth: int) -> str:
        """Readable text of ``part``; marks the parts it used."""
        if depth > MAX_DEPTH:
            self.problems.append("MIME nesting too deep, the rest ignored")
            return ""
        ctype = part.get_content_type()
        if ctype.startswith("message/"):
            return ""
        if not part.is_multipart():
            if depth > 0 and self.is_attachment(part):
                return ""
            if ctype == "text/plain" or ctype.startswith("multipart/"):
                return self.text_of(part, html=False)  # a multipart that lost its boundary is text
            if ctype == "text/html":
                return self.text_of(part, html=True)
            return ""
        children = [c for c in part.get_payload() if isinstance(c, Message)]
        subtype = part.get_content_subtype()
        if subtype == "alternative":
            return self.alternative(children, depth)
        if subtype == "encrypted":
            self.problems.append("encrypted message: no readable text")
            return ""
        if subtype in ("related", "signed", "report"):
            if subtype == "signed":
                for child in children[1:]:
                    if child.get_content_type() in _SIGNATURES:
                        self.used.add(id(child))  # a signature is not something to open
            root = children[0] if children else None
            start = str(part.get_param("start") or "").strip()
            if subtype == "related" and start:
                root = next((c for c in children if str(c.get("Content-ID", "")).strip() == start), root)
            return self.body(root, depth + 1) if root is not None else ""
        texts = []
        for child in children:
            ctype = child.get_content_type()
            inline_text = ctype in ("text/plain", "text/html") and not self.is_attachment(child)
            if inline_text or (child.is_multipart() and not ctype.startswith("message/")):
                text = self.body(child, depth + 1)
                if text.strip():
                    texts.append(text.strip("\n"))
        return "\n\n".join(texts)

    def alternative(self, children: list[Message], depth: int) -> str:
        for wanted in ("text/plain", "text/html", "multipart/*"):
            for child in children:
                matches = child.is_multipart() if wanted == "multipart/*" else child.get_content_type() == wanted
                if not matches or (not child.is_multipart() and self.is_attachment(child)):
                    continue
                text = self.body(child, depth + 1)
                if text.strip():
                    self.mark_renderings(children, depth)
                    return text
        return ""

    def mark_renderings(self, parts: list[Message], depth: int) -> None:
        """The other renderings of the chosen text are not attachments."""
        for part in parts:
            if depth > MAX_DEPTH:
                return
            if part.is_multipart():
                self.mark_renderings([c for c in part.get_payload() if isinstance(c, Message)], depth + 1)
            elif part.get_content_type() in ("text/plain", "text/html") and not self.is_attachment(part):
                self.used.add(id(part))

    def leaves(self, part: Message, depth: int = 0) -> Iterator[Message]:
        if depth > MAX_DEPTH:
            return
        if part.is_multipart() and not part.get_content_type().startswith("message/"):
            for child in part.get_payload():
                if isinstance(child, Message):
                    yield from self.leaves(child, depth + 1)
        else:
            yield part

    def attachment(self, part: Message) -> Attachment:
        try:
            return self.describe(part)
        except Exception as exc:  # noqa: BLE001 - one odd part must not lose the message
            self.problems.append(f"attachment unreadable: {type(exc).__name__}")
            return Attachment(filename="", content_type="application/octet-stream", size=0)

    def filename(self, part: Message) -> str:
        for header, name in (("content-disposition", "filename"), ("content-type", "name")):
            found = _params(part, header).get(name)
            if not found or not found[0].strip():
                continue
            data, charset = found
            if charset:
                text = decode_bytes(data, charset, hints=self.hints, problems=self.problems, where="file name")
            else:
                text = decode_header_bytes(data, hints=self.hints, problems=self.problems, where="file name")
            text = fold_whitespace(strip_unsafe(text, multiline=False))
            return re.split(r"[/\\]", text)[-1].strip()
        return ""

    def describe(self, part: Message) -> Attachment:
        if part.is_multipart():  # an enclosed message: its size as it was sent
            try:
                size = sum(len(c.as_bytes()) for c in part.get_payload() if isinstance(c, Message))
            except Exception:  # noqa: BLE001 - the size of an enclosed message is a courtesy
                size = 0
        else:
            payload = part.get_payload(decode=True)
            size = len(payload) if isinstance(payload, bytes) else 0
        content_type = strip_unsafe(part.get_content_type(), multiline=False)
        return Attachment(filename=self.filename(part), content_type=content_type, size=size)


def extract_content(
    message: Message, *, hints: tuple[str, ...], problems: list[str],
    charsets: Mapping[int, str | None] | None = None,
) -> tuple[str, tuple[Attachment, ...]]:
    """The readable body text of ``message`` and its attachments.

    The text is made safe (`strip_unsafe`, multiline) with trailing
    spaces and surrounding blank lines removed. ``charsets`` may map
    ``id(part)`` to ``part.get_content_charset()`` already read by the
    caller, so it is not parsed out of the header twice.
    """
    extractor = _Extractor(hints, problems, charsets or {})
    try:
        body = extractor.body(message, 0)
    except Exception as exc:  # noqa: BLE001 - headers are still worth having
        problems.append(f"body unreadable: {type(exc).__name__}")
        body = ""
    body = "\n".join(line.rstrip() for line in strip_unsafe(body, multiline=True).split("\n")).strip("\n")
    attachments = tuple(
        extractor.attachment(part) for part in extractor.leaves(message) if id(part) not in extractor.used
    )
    return body, attachments


def unflow(text: str, *, delsp: bool) -> str:
    """Join RFC 3676 format=flowed soft line breaks back into paragraphs."""
    out: list[str] = []
    buffer = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith(" "):
            line = line[1:]  # space-stuffing
        if line.endswith(" ") and line != "-- ":
            buffer += line[:-1] if delsp else line
        else:
            out.append(buffer + line)
            buffer = ""
    if buffer:
        out.append(buffer)
    return "\n".join(out)
