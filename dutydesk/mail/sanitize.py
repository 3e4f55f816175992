"""Make text from outside safe to put on a terminal.

Subjects, names, bodies and file names come from strangers and end up on
the duty lead's terminal, where an escape sequence is a command (clear the
screen, retitle the window, fake a prompt), a bidi override reorders what
is shown, and a line break inside a subject can fake a second header line.
Every screen shows untrusted text only after `strip_unsafe`.
"""

from __future__ import annotations

import re

__all__ = ["fold_whitespace", "strip_unsafe"]

# ESC-introduced sequences: CSI (ESC [ ... final byte, or 8-bit CSI),
# OSC / DCS / SOS / PM / APC (ESC ] P X ^ _ ... up to BEL or ST, or to the
# end of the line), and the other two-byte escapes. The payload of an
# unterminated string is bounded so a stray ESC cannot eat a whole body;
# the remaining 8-bit C1 introducers go with the control characters.
_ESCAPE_SEQUENCE = re.compile(
    r"""
      (?:\x1b\[|\x9b) [0-?]* [ -/]* [@-~]?
    | \x1b[\]PX^_] [^\x07\x1b\x9c\n]{0,4096} (?:\x07|\x1b\\|\x9c)?
    | \x1b[ -/]*[0-~]?
    """,
    re.VERBOSE,
)
# Bidi embeddings, overrides and isolates can make a line display in an
# order other than its logical one (the "Trojan Source" trick); LRM/RLM/ALM
# are harmless marks and stay.
_BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\x0b\x0c\x85\u2028\u2029]")
_CONTROLS_MULTILINE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff" + _BIDI_CONTROLS + "]"
)
_CONTROLS_ONE_LINE = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff" + _BIDI_CONTROLS + "]"
)
_WHITESPACE = re.compile(r"\s+")
# Any character one of the substitutions above would touch (ESC and 8-bit
# CSI are controls too); text without one comes back as it is. Tab and
# line feed count only for the one-line form.
_ANYTHING_UNSAFE_MULTILINE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff" + _BIDI_CONTROLS + "]"
)
_ANYTHING_UNSAFE_ONE_LINE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff" + _BIDI_CONTROLS + "]"
)


def strip_unsafe(text: str, *, multiline: bool) -> str:
    """Remove whatever a terminal would obey instead of display.

    Drops ESC sequences (CSI, OSC and the like, also their 8-bit forms),
    C0 and C1 control characters, DEL, lone surrogates and bidi overrides.
    With ``multiline`` every kind of line break becomes ``\\n`` and tabs
    stay; without it line breaks and tabs become a space, so that words on
    both sides of a removed break do not fuse and nothing can start a new
    (header) line. Markup such as ``[bold]`` is text and is kept: escaping
    it is the renderer's job.
    """
    if not text:
        return ""
    if (_ANYTHING_UNSAFE_MULTILINE if multiline else _ANYTHING_UNSAFE_ONE_LINE).search(text) is None:
        return text  # the common case: nothing to remove or replace
    text = _ESCAPE_SEQUENCE.sub("", text)
    if multiline:
        text = _LINE_BREAKS.sub("\n", text)
        return _CONTROLS_MULTILINE.sub("", text)
    text = _LINE_BREAKS.sub(" ", text).replace("\t", " ")
    return _CONTROLS_ONE_LINE.sub("", text)


def fold_whitespace(text: str) -> str:
    """Collapse every run of whitespace (any Unicode kind) to one space."""
    return _WHITESPACE.sub(" ", text).strip()
