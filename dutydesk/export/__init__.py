"""Writers for pool snapshots and reports: pure functions from data to bytes, no database.

``render(snapshot, "csv" | "json" | "md" | "html" | "xlsx", excel=False)`` is the one
entry point the services and the CLI use; every format is deterministic (same
snapshot, same bytes), so daily files diff cleanly.
"""

from __future__ import annotations

from dutydesk.export.model import COLUMNS, Column, Snapshot, SnapshotRow

FORMATS = ("csv", "json", "md", "html", "xlsx")
TEXT_FORMATS = ("csv", "json", "md", "html")

__all__ = ["COLUMNS", "FORMATS", "TEXT_FORMATS", "Column", "Snapshot", "SnapshotRow", "render", "suffix"]


def suffix(fmt: str) -> str:
    return "." + fmt


def render(snapshot: Snapshot, fmt: str, *, excel: bool = False) -> bytes:
    """The snapshot in ``fmt``; ``excel`` is the CSV flavour for Russian Excel (BOM, ``;``)."""
    if fmt == "csv":
        from dutydesk.export.csvfile import to_csv

        return to_csv(snapshot, excel=excel)
    if fmt == "json":
        from dutydesk.export.jsonfile import to_json

        return to_json(snapshot)
    if fmt == "md":
        from dutydesk.export.markdown import to_markdown

        return to_markdown(snapshot).encode("utf-8")
    if fmt == "html":
        from dutydesk.export.html import to_html

        return to_html(snapshot).encode("utf-8")
    if fmt == "xlsx":
        from dutydesk.export.xlsx import to_xlsx

        return to_xlsx(snapshot)
    raise ValueError(f"unknown format {fmt!r}: use " + ", ".join(FORMATS))
