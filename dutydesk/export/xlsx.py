"""XLSX via openpyxl: a header row, frozen panes, column widths, priority colours, real dates.

Written in openpyxl's write-only mode (rows streamed, styles per cell), which
is several times faster on a big pool. openpyxl stamps the save time into the
workbook and into every zip entry; both are replaced by the snapshot's own
moment, so the same snapshot gives the same bytes every time.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from dutydesk.export.model import COLUMNS, INT, NUMBER, PRIORITY_COLOURS, TEXT, TIME, UNTRIAGED, Snapshot, table
from dutydesk.textsafe import safe_line

SHEET = "Pool"
TIME_FORMAT = "yyyy-mm-dd hh:mm"
#: Header row plus the snapshot-time and key columns stay in view while scrolling.
FREEZE = "C2"
_PRIORITY_COLUMNS = {"priority", "priority_ru"}


def _fill(colour: str) -> PatternFill:
    return PatternFill(fill_type="solid", start_color=colour, end_color=colour)


def to_xlsx(snapshot: Snapshot) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET)
    for col, column in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = column.width
    ws.freeze_panes = FREEZE
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(1, len(snapshot.rows) + 1)}"
    header_font, header_fill, header_align = Font(bold=True), _fill("D9D9D9"), Alignment(vertical="top", wrap_text=True)
    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(ws, value=column.header)
        cell.font, cell.fill, cell.alignment = header_font, header_fill, header_align
        header.append(cell)
    ws.append(header)
    fills = {slug: _fill(colour) for slug, colour in PRIORITY_COLOURS.items()}
    kinds = [(c.kind, c.name in _PRIORITY_COLUMNS) for c in COLUMNS]
    for row, values in zip(snapshot.rows, table(snapshot)):
        fill = fills[row.priority or UNTRIAGED]
        cells = []
        for (kind, coloured), value in zip(kinds, values):
            if value is None:
                cells.append(None)
                continue
            cell = WriteOnlyCell(ws)
            if kind == TIME:
                cell.value = value.replace(tzinfo=None)  # Excel has no zones: studio-local wall time
                cell.number_format = TIME_FORMAT
            elif kind == NUMBER:
                cell.value = float(value)
                cell.number_format = "0.0"
            elif kind == INT:
                cell.value = int(value)
            else:
                cell.value = safe_line(str(value)) if kind == TEXT else str(value)
                cell.data_type = "s"  # never a formula, whatever the text starts with
            if coloured:
                cell.fill = fill
            cells.append(cell)
        ws.append(cells)
    return _deterministic(wb, snapshot.at)


def _deterministic(wb: Workbook, moment: datetime) -> bytes:
    stamp = moment.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0)
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.creator = wb.properties.lastModifiedBy = "dutydesk"
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()  # save_workbook() would stamp "modified" with the wall clock
    out = io.BytesIO()
    date_time = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()
