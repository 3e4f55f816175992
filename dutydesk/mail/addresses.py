"""Split address header fields (From, To, Cc, Reply-To) into mailboxes.

The stdlib's `email.utils.getaddresses` changed behaviour between patch
releases (CVE-2023-27043 made it return nothing for input it used to
salvage), and it splits on a comma inside an RFC 2047 encoded-word
(``=?iso-8859-1?Q?B=FCrling,=20Andreas?=``). Sender matching (R-ELIG-*)
must not depend on the interpreter's patch level, so this is a small,
lenient RFC 5322 tokenizer of our own. It never decodes an encoded-word
inside an address (RFC 2047 section 5 forbids them there: decoding one is
how a crafted From turns into somebody else's address), it only finds
where names and addresses are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Mailbox", "parse_address_list", "is_plausible_local_only"]

_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[qQbB]\?.*?\?=", re.DOTALL)
_SPECIALS = set('"(<>,:;') | {" ", "\t", "\r", "\n"}
_UNFOLD = re.compile(r"\r?\n(?=[ \t])")
_ATOM_LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")


@dataclass(frozen=True)
class Mailbox:
    """One mailbox as written: ``name`` still raw (may hold encoded-words
    or 8-bit bytes as surrogates), ``address`` the addr-spec as written,
    possibly empty (``<>``) or without a domain (``MAILER-DAEMON``)."""

    name: str
    address: str


@dataclass
class _Token:
    kind: str  # atom, quoted, comment, angle, comma, colon, semicolon, ws, junk
    raw: str
    value: str


def _read_delimited(s: str, i: int, close: str, nest: str | None) -> tuple[str, str, int]:
    """Read from ``s[i]`` (the opening char) to the matching ``close``."""
    depth = 1
    j = i + 1
    value: list[str] = []
    while j < len(s):
        ch = s[j]
        if ch == "\\" and j + 1 < len(s):
            value.append(s[j + 1])
            j += 2
            continue
        if nest is not None and ch == nest:
            depth += 1
        elif ch == close:
            depth -= 1
            if depth == 0:
                return s[i : j + 1], "".join(value), j + 1
        value.append(ch)
        j += 1
    return s[i:], "".join(value), len(s)  # unterminated: take the rest


def _tokenize(s: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(s):
        ch = s[i]
        if ch in " \t\r\n":
            j = i
            while j < len(s) and s[j] in " \t\r\n":
                j += 1
            tokens.append(_Token("ws", s[i:j], " "))
            i = j
        elif ch == '"':
            raw, value, i = _read_delimited(s, i, '"', None)
            tokens.append(_Token("quoted", raw, value))
        elif ch == "(":
            raw, value, i = _read_delimited(s, i, ")", "(")
            tokens.append(_Token("comment", raw, value))
        elif ch == "<":
            end = s.find(">", i + 1)
            end = len(s) if end < 0 else end
            tokens.append(_Token("angle", s[i : end + 1], s[i + 1 : end]))
            i = end + 1
        elif ch in ",:;":
            kind = {",": "comma", ":": "colon", ";": "semicolon"}[ch]
            tokens.append(_Token(kind, ch, ch))
            i += 1
        elif ch == ">":
            tokens.append(_Token("junk", ch, ""))
            i += 1
        else:
            match = _ENCODED_WORD.match(s, i) if s.startswith("=?", i) else None
            if match:
                j = match.end()
            else:
                j = i
                while j < len(s) and s[j] not in _SPECIALS:
                    j += 1
            tokens.append(_Token("atom", s[i:j], s[i:j]))
            i = j
    return tokens


def _clean_angle(content: str) -> str:
    content = content.strip()
    # obsolete source route: <@relay1,@relay2:user@example.com>
    if content.startswith("@") and ":" in content:
        content = content.split(":", 1)[1]
    return re.sub(r"\s+", " ", content).strip()


def is_plausible_local_only(address: str) -> bool:
    """True for a domain-less address that is still a valid atom
    (``MAILER-DAEMON``), false for debris such as ``[??????]``."""
    return bool(_ATOM_LOCAL_PART.match(address))


def _phrase(tokens: list[_Token]) -> str:
    parts: list[str] = []
    for token in tokens:
        if token.kind in ("atom", "quoted"):
            parts.append(token.value)
        elif token.kind == "ws" and parts and parts[-1] != " ":
            parts.append(" ")
    return "".join(parts).strip()


def _mailbox(tokens: list[_Token]) -> Mailbox | None:
    comments = [t.value.strip() for t in tokens if t.kind == "comment" and t.value.strip()]
    angles = [k for k, t in enumerate(tokens) if t.kind == "angle"]
    if angles:
        first = angles[0]
        name = _phrase(tokens[:first]) or (comments[0] if comments else "")
        return Mailbox(name, _clean_angle(tokens[first].value))
    # No angle brackets: group adjacent tokens into whitespace-separated words.
    words: list[list[_Token]] = [[]]
    for token in tokens:
        if token.kind in ("ws", "comment"):
            if words[-1]:
                words.append([])
        elif token.kind in ("atom", "quoted"):
            words[-1].append(token)
    words = [w for w in words if w]
    if not words:
        return Mailbox(comments[0], "") if comments else None
    with_at = [w for w in words if any("@" in t.raw for t in w)]
    if len(words) == 1 or len(with_at) == 1:
        chosen = with_at[0] if with_at else words[0]
        if len(chosen) == 1 and chosen[0].kind == "quoted" and "@" in chosen[0].value:
            address = chosen[0].value.strip()  # "user@example.com" with nothing else
        else:
            address = "".join(t.raw for t in chosen)
        rest = [t for w in words if w is not chosen for t in w]
        name = " ".join(t.value for t in rest) or (comments[0] if comments else "")
        return Mailbox(name, address.strip())
    return Mailbox(" ".join(t.value for w in words for t in w), "")


def parse_address_list(value: str) -> list[Mailbox]:
    """Every mailbox in an address header value, groups flattened.

    Lenient: stray ``>``, unterminated quotes and brackets, and a bare
    ``Name user@host`` are salvaged; the caller decides whether the
    address found is usable.
    """
    tokens = _tokenize(_UNFOLD.sub("", value))
    result: list[Mailbox] = []
    current: list[_Token] = []

    def flush() -> None:
        mailbox = _mailbox(current)
        if mailbox is not None and (mailbox.address or mailbox.name):
            result.append(mailbox)
        current.clear()

    for token in tokens:
        if token.kind in ("comma", "semicolon"):
            flush()
        elif token.kind == "colon":
            if any(t.kind == "angle" for t in current):
                current.append(_Token("atom", ":", ":"))
            else:
                current.clear()  # "Group name:" - the display name of a group is dropped
        else:
            current.append(token)
    flush()
    return result
