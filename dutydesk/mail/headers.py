"""Header values: RFC 2047 encoded-words, raw 8-bit bytes, RFC 2231 parameters.

The stdlib gets several real subjects wrong (a UTF-7 word folded over
three lines, 8-bit Shift_JIS with an iso-2022-jp label, a charset split
between two encoded-words) and loses 8-bit bytes in MIME parameters to
U+FFFD. These functions work on the original bytes of a header value and
leave the charset guessing to `decode_bytes`.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable

from dutydesk.mail.charsets import decode_bytes

__all__ = ["decode_header_bytes", "header_bytes", "header_params"]


def header_bytes(value: str) -> bytes:
    """The original bytes of a header value as the stdlib parser stored it.

    `email` keeps 8-bit header bytes as lone surrogates (surrogateescape);
    this undoes that so the bytes can be decoded properly. Characters the
    stdlib already decoded (it does for some RFC 2231 parameters) come
    back as UTF-8.
    """
    return value.encode("utf-8", "surrogateescape")


_UNFOLD = re.compile(rb"\r?\n(?=[ \t])")
# Lenient on purpose: real encoded-words contain spaces and even '?'
# (mail018 of the Zammad corpus folds a UTF-7 word over three lines).
_ENCODED_WORD = re.compile(rb"=\?([^?\s]+?)\?([qQbB])\?(.*?)\?=", re.DOTALL)
_QP_BYTE = re.compile(rb"=([0-9A-Fa-f]{2})")


def _decode_q(text: bytes) -> bytes:
    return _QP_BYTE.sub(lambda m: bytes([int(m.group(1), 16)]), text.replace(b"_", b" "))


def _decode_b(text: bytes) -> bytes:
    text = re.sub(rb"[^A-Za-z0-9+/]", b"", text)
    if len(text) % 4 == 1:
        text = text[:-1]
    text += b"=" * (-len(text) % 4)
    try:
        return base64.b64decode(text)
    except (binascii.Error, ValueError):
        return b""


def decode_header_bytes(
    raw: bytes,
    *,
    hints: Iterable[str] = (),
    problems: list[str] | None = None,
    where: str = "header",
) -> str:
    """Decode one header value: RFC 2047 encoded-words and raw 8-bit bytes.

    Adjacent encoded-words in the same charset are joined before decoding,
    so a character split between two words (common with base64 UTF-8)
    survives; whitespace between encoded-words is dropped as RFC 2047
    says. Text outside encoded-words that is not ASCII is decoded by
    `decode_bytes` with the message's charsets as hints. The result is
    *not* yet made safe: callers apply `strip_unsafe`.
    """
    if problems is None:
        problems = []
    hints = tuple(hints)
    raw = _UNFOLD.sub(b"", raw)
    pieces: list[str] = []
    pending: list[tuple[str, bytes]] = []  # run of (charset, bytes) encoded-words

    def flush() -> None:
        while pending:
            charset, chunk = pending.pop(0)
            while pending and pending[0][0] == charset:
                chunk += pending.pop(0)[1]
            pieces.append(decode_bytes(chunk, charset, hints=hints, problems=problems, where=where))

    position = 0
    for match in _ENCODED_WORD.finditer(raw):
        gap = raw[position:match.start()]
        if gap and not (pending and gap.strip(b" \t\r\n") == b""):
            flush()
            pieces.append(decode_bytes(gap, None, hints=hints, problems=problems, where=where))
        charset = match.group(1).decode("ascii", "replace")
        encoded = match.group(3)
        chunk = _decode_q(encoded) if match.group(2) in b"qQ" else _decode_b(encoded)
        pending.append((charset.lower(), chunk))
        position = match.end()
    flush()
    tail = raw[position:]
    if tail:
        pieces.append(decode_bytes(tail, None, hints=hints, problems=problems, where=where))
    return "".join(pieces)


_PARAM_NAME = re.compile(r"^(?P<base>[^*]+)(?:\*(?P<index>\d+))?(?P<extended>\*)?$")
_PERCENT = re.compile(rb"%([0-9A-Fa-f]{2})")


def _split_params(value: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for ch in value:
        if escaped:
            escaped = False
        elif ch == "\\" and quoted:
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def header_params(value: str) -> dict[str, tuple[bytes, str | None]]:
    """The parameters of a MIME header (Content-Type, Content-Disposition).

    Maps each lower-cased name to (original bytes, charset or None):
    RFC 2231 extended values (``name*=koi8-r''%F0...``) and continuations
    (``name*0*=``, ``name*1=``) are joined and %-decoded with their charset
    returned; a plain value keeps its raw bytes (8-bit bytes, or an RFC
    2047 word, which `decode_header_bytes` then decodes). An RFC 2231 value
    wins over a plain one of the same name, as RFC 2231 intends.
    """
    value = _UNFOLD.sub(b"", header_bytes(value)).decode("utf-8", "surrogateescape")
    plain: dict[str, bytes] = {}
    pieces: dict[str, list[tuple[int, bool, str]]] = {}
    for part in _split_params(value)[1:]:
        name, sep, raw = part.partition("=")
        match = _PARAM_NAME.match(name.strip().lower())
        if not sep or not match:
            continue
        base, index, extended = match.group("base"), match.group("index"), bool(match.group("extended"))
        if index is None and not extended:
            plain.setdefault(base, header_bytes(_unquote(raw)))
        else:
            pieces.setdefault(base, []).append((int(index or 0), extended, _unquote(raw)))
    result: dict[str, tuple[bytes, str | None]] = {name: (data, None) for name, data in plain.items()}
    for base, segments in pieces.items():
        segments.sort(key=lambda s: s[0])
        charset = None
        chunks: list[bytes] = []
        for position, (_index, extended, text) in enumerate(segments):
            if extended and position == 0 and text.count("'") >= 2:
                charset, _language, text = text.split("'", 2)
            data = header_bytes(text)
            chunks.append(_PERCENT.sub(lambda m: bytes([int(m.group(1), 16)]), data) if extended else data)
        result[base] = (b"".join(chunks), charset or None)
    return result
