"""Markdown for mail and chat: a title line, the counts, one table."""

from __future__ import annotations

import re

from dutydesk.export.cells import formatters
from dutydesk.export.model import COLUMNS, Snapshot, table, title

#: The snapshot time is the title; every row would repeat it.
MD_COLUMNS = tuple(c for c in COLUMNS if c.name != "snapshot_at")

#: What can turn literal text into markup inside a line: emphasis, code, links, HTML, columns.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def md_escape(text: str) -> str:
    """Literal text in a Markdown table cell: no emphasis, links, HTML or column breaks."""
    return _SPECIAL.sub(r"\\\1", text)


def to_markdown(snapshot: Snapshot) -> str:
    counts = ", ".join(f"{name} {n}" for name, n in snapshot.counts().items() if n)
    lines = [f"# {md_escape(title(snapshot))}", "", counts or "The pool is empty.", ""]
    if snapshot.rows:
        lines.append("| " + " | ".join(c.header for c in MD_COLUMNS) + " |")
        lines.append("|" + "|".join("---:" if c.kind in ("number", "int") else "---" for c in MD_COLUMNS) + "|")
        fmt = formatters(MD_COLUMNS)
        for values in table(snapshot, MD_COLUMNS):
            lines.append("| " + " | ".join(md_escape(f(v)) for f, v in zip(fmt, values)) + " |")
        lines.append("")
    return "\n".join(lines)
