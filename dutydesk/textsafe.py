"""Text from mail or the registry must never act as markup or a terminal escape."""

from __future__ import annotations

import re

_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"        # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC … BEL/ST
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC
    r"|\x1b."                          # any other two-byte escape
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"  # C0 and C1 controls (tab and newline handled by callers)
    r"|[\u202a-\u202e\u2066-\u2069]"   # bidi overrides that reorder what the lead reads
)


def safe_text(text: str) -> str:
    """Keep newlines and tabs, drop every escape and control character."""
    return _ESCAPES.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def safe_line(text: str) -> str:
    """One line: also folds newlines and tabs to spaces."""
    return " ".join(safe_text(text).split())
