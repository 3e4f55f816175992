"""Turning raw cell values into text for the text formats, safely and fast.

Untrusted text (a mail's subject, a client's name) reaches every file as one
line without control characters or terminal escapes; in CSV a leading ``=``,
``+``, ``-`` or ``@`` is defused with an apostrophe so a spreadsheet never
runs it as a formula. One formatter per column is chosen up front, because
a 100k-row export formats two million cells.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from dutydesk.export.model import INT, NUMBER, TEXT, TIME, Column
from dutydesk.textsafe import safe_line

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: Time layouts: ISO-like for scripts and chat, day-first for Russian Excel.
ISO_MINUTES, RU_MINUTES = "iso", "ru"

Formatter = Callable[[Any], str]


def clean(text: str) -> str:
    """``safe_line`` with a fast path: most text is one printable line with single spaces already."""
    if text.isprintable() and "  " not in text and text == text.strip():
        return text
    return safe_line(text)


def defuse_formula(text: str) -> str:
    """CSV injection: a spreadsheet would evaluate ``=HYPERLINK(…)``; keep it literal."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _time(layout: str) -> Formatter:
    if layout == RU_MINUTES:
        return lambda v: "" if v is None else f"{v.day:02d}.{v.month:02d}.{v.year:04d} {v.hour:02d}:{v.minute:02d}"
    return lambda v: "" if v is None else f"{v.year:04d}-{v.month:02d}-{v.day:02d} {v.hour:02d}:{v.minute:02d}"


def formatter(kind: str, *, layout: str = ISO_MINUTES, decimal: str = ".", defuse: bool = False) -> Formatter:
    """The text of one cell of ``kind``; ``None`` is the empty string."""
    if kind == TIME:
        return _time(layout)
    if kind == NUMBER:
        if decimal == ".":
            return lambda v: "" if v is None else f"{float(v):.1f}"
        return lambda v: "" if v is None else f"{float(v):.1f}".replace(".", decimal)
    if kind == INT:
        return lambda v: "" if v is None else str(int(v))
    if kind == TEXT:
        if defuse:
            return lambda v: "" if v is None else defuse_formula(clean(str(v)))
        return lambda v: "" if v is None else clean(str(v))
    return lambda v: "" if v is None else str(v)


def formatters(columns: Sequence[Column], **options: Any) -> list[Formatter]:
    return [formatter(c.kind, **options) for c in columns]


def text_of(value: Any, kind: str, **options: Any) -> str:
    """One cell, for the odd caller; writers use :func:`formatters`."""
    return formatter(kind, **options)(value)
