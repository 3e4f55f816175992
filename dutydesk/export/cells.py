"""Turning raw cell values into text for the text formats, safely and fast.

Untrusted text (a mail's subject, a client's name) reaches every file as one
line without control characters or terminal escapes; in CSV a leading ``=``,
``+``, ``-`` or ``@`` is defused with an apostrophe so a spreadsheet never
runs it as a formula. One formatter per column is chosen up front, because
a 100k-row export formats two million cells; :func:`formatters` also
remembers each distinct value's text, since a column repeats itself (the
same clients, assignees, end-of-day deadlines) and a remembered cell is one
dictionary lookup in C.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import tzinfo
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


def _time(layout: str, tz: tzinfo | None) -> Formatter:
    """Minutes, as the wall clock in ``tz`` shows them (or in the value's own zone without one).

    Converting here, not before, is what lets :func:`formatters` remember a
    time by its instant: equal instants then always read the same.
    """
    # isoformat is one C call; its first 16 characters are "YYYY-MM-DD HH:MM" for every year 1–9999.
    if layout == RU_MINUTES:
        def text(v: Any) -> str:
            if v is None:
                return ""
            iso = (v.astimezone(tz) if tz is not None else v).isoformat(" ", "minutes")
            return f"{iso[8:10]}.{iso[5:7]}.{iso[:4]} {iso[11:16]}"
    else:
        def text(v: Any) -> str:
            if v is None:
                return ""
            return (v.astimezone(tz) if tz is not None else v).isoformat(" ", "minutes")[:16]
    return text


def _text(defuse: bool) -> Formatter:
    """``clean`` (and ``defuse_formula``) written out in one function: the hot cell of every export."""
    def text(v: Any) -> str:
        if v is None:
            return ""
        line = v if type(v) is str else str(v)
        if not (line.isprintable() and "  " not in line and line == line.strip()):
            line = safe_line(line)
        return "'" + line if defuse and line.startswith(_FORMULA_START) else line
    return text


def formatter(kind: str, *, layout: str = ISO_MINUTES, decimal: str = ".", defuse: bool = False,
              tz: tzinfo | None = None) -> Formatter:
    """The text of one cell of ``kind``; ``None`` is the empty string. ``tz``: show times in it."""
    if kind == TIME:
        return _time(layout, tz)
    if kind == NUMBER:
        if decimal == ".":
            return lambda v: "" if v is None else f"{float(v):.1f}"
        return lambda v: "" if v is None else f"{float(v):.1f}".replace(".", decimal)
    if kind == INT:
        return lambda v: "" if v is None else str(int(v))
    if kind == TEXT:
        return _text(defuse)
    return lambda v: "" if v is None else str(v)


class _Remembered(dict):
    """Value → its text, computed on the first miss; ``__getitem__`` is the formatter."""

    __slots__ = ("_text",)

    def __init__(self, text: Formatter) -> None:
        super().__init__()
        self._text = text

    def __missing__(self, value: Any) -> str:
        text = self[value] = self._text(value)
        return text


def formatters(columns: Sequence[Column], **options: Any) -> list[Formatter]:
    """One remembering formatter per column, for one table (cells must be hashable: they are
    text, numbers, times and ``None``)."""
    return [_Remembered(formatter(c.kind, **options)).__getitem__ for c in columns]


def text_of(value: Any, kind: str, **options: Any) -> str:
    """One cell, for the odd caller; writers use :func:`formatters`."""
    return formatter(kind, **options)(value)
