"""CSV: plain (UTF-8, comma) for scripts, or ``excel`` (BOM, semicolon, comma decimals,
dd.mm.yyyy times) because that is what Russian Excel opens correctly by double-click."""

from __future__ import annotations

import csv
import io

from dutydesk.export.cells import ISO_MINUTES, RU_MINUTES, formatters
from dutydesk.export.model import COLUMNS, Snapshot, table

BOM = "\ufeff"


def to_csv(snapshot: Snapshot, *, excel: bool = False) -> bytes:
    """Deterministic bytes: same snapshot, same file (so daily files diff cleanly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if excel else ",", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([c.header for c in COLUMNS])
    fmt = formatters(COLUMNS, layout=RU_MINUTES if excel else ISO_MINUTES, decimal="," if excel else ".",
                     defuse=True)
    writer.writerows([f(v) for f, v in zip(fmt, values)] for values in table(snapshot))
    return ((BOM if excel else "") + buffer.getvalue()).encode("utf-8")
