"""CSV: plain (UTF-8, comma) for scripts, or ``excel`` (BOM, semicolon, comma decimals,
dd.mm.yyyy times) because that is what Russian Excel opens correctly by double-click."""

from __future__ import annotations

import csv
import io

from dutydesk.export.cells import ISO_MINUTES, RU_MINUTES, formatters
from dutydesk.export.model import CODE, COLUMNS, Snapshot, column_values

BOM = "\ufeff"


def to_csv(snapshot: Snapshot, *, excel: bool = False) -> bytes:
    """Deterministic bytes: same snapshot, same file (so daily files diff cleanly).

    Formatted column by column and handed to the C writer in one call. The
    desk's own codes (keys, slugs, statuses) go in as they are: the writer
    turns ``None`` into an empty cell and leaves text alone, which is all
    their formatter would do.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if excel else ",", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([c.header for c in COLUMNS])
    fmt = formatters(COLUMNS, layout=RU_MINUTES if excel else ISO_MINUTES, decimal="," if excel else ".",
                     defuse=True, tz=snapshot.tz)
    cells = [values if column.kind == CODE else list(map(f, values))
             for column, f, values in zip(COLUMNS, fmt, column_values(snapshot, local=False))]
    writer.writerows(zip(*cells))
    return ((BOM if excel else "") + buffer.getvalue()).encode("utf-8")
