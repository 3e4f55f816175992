"""The pure writers of ``dutydesk.export``: no database, hostile text, exact bytes (issue 6)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from dutydesk.export import FORMATS, Snapshot, SnapshotRow, render
from dutydesk.export.handover import Handover, HandoverItem, HandoverSection, handover_html, handover_markdown
from dutydesk.export.markdown import md_escape
from dutydesk.export.model import COLUMNS, PRIORITY_COLOURS

MSK = ZoneInfo("Europe/Moscow")
AT = datetime(2026, 12, 1, 18, 0, tzinfo=MSK)
HOSTILE = '=HYPERLINK("http://evil")|[bold]x[/] <script>alert(1)</script>\x1b[31m red\nnext'


def row(key: str, priority: str | None, **over) -> SnapshotRow:
    base = dict(key=key, subject="Не оформляется заказ", client_id="acme", client_name="ООО «Акме»",
                project_id="acme-shop", project_name="acme.ru shop", priority=priority, status="pool",
                blocked_by=None, parent=None, received_at=datetime(2026, 12, 1, 9, 10, tzinfo=MSK), age_hours=8.8,
                reaction_due=datetime(2026, 12, 1, 10, 10, tzinfo=MSK), start_due=None, due=None, breaches=(),
                assignee=None, escalation_level=None)
    base.update(over)
    return SnapshotRow(**base)  # type: ignore[arg-type]


SNAPSHOT = Snapshot(at=AT, timezone="Europe/Moscow", rows=(
    row("SUP-1001", "immediate", status="in_progress", assignee="duty-1",
        due=datetime(2026, 12, 1, 18, 0, tzinfo=MSK), escalation_level=2),
    row("SUP-1002", "valuable", subject=HOSTILE, blocked_by="SUP-1001", breaches=("reaction", "start"),
        start_due=datetime(2026, 12, 2, 18, 0, tzinfo=MSK), client_name="-1+1 @client"),
    row("SUP-1003", None, project_id=None, project_name=None, client_id=None, client_name=None, age_hours=0.5,
        parent="SUP-1002"),
    row("SUP-1004", "insignificant"),
))


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_snapshot_same_bytes(fmt: str) -> None:
    assert render(SNAPSHOT, fmt) == render(SNAPSHOT, fmt)


def test_xlsx_bytes_do_not_depend_on_the_wall_clock() -> None:
    """openpyxl stamps the save time; the writer replaces it with the snapshot's moment."""
    here = str(Path(__file__).resolve().parent)
    code = (f"import sys; sys.path.insert(0, {here!r}); from test_snapshot_writers import SNAPSHOT; "
            "from dutydesk.export import render; sys.stdout.buffer.write(render(SNAPSHOT, 'xlsx'))")
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True).stdout
    import time

    time.sleep(2.1)  # zip timestamps have a 2-second resolution
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True).stdout
    assert first == second == render(SNAPSHOT, "xlsx")
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2026, 12, 1, 15, 0, 0)}


def test_csv_plain_is_comma_separated_utf8_without_bom() -> None:
    data = render(SNAPSHOT, "csv")
    assert not data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert rows[0] == [c.header for c in COLUMNS]
    assert len(rows) == 5 and all(len(r) == len(COLUMNS) for r in rows)
    first = dict(zip(rows[0], rows[1]))
    assert first["Snapshot at"] == "2026-12-01 18:00" and first["Due"] == "2026-12-01 18:00"
    assert first["Priority"] == "Immediate" and first["Приоритет"] == "НЕМЕДЛЕННО"
    assert first["Age, working h"] == "8.8" and first["Escalation level"] == "2"
    hostile = dict(zip(rows[0], rows[2]))
    assert hostile["Subject"].startswith("'=HYPERLINK")  # a spreadsheet will not run it
    assert "\x1b" not in hostile["Subject"] and "\n" not in hostile["Subject"]
    assert hostile["Client"] == "'-1+1 @client"
    assert hostile["Breaches"] == "reaction, start" and hostile["Blocked by"] == "SUP-1001"
    untriaged = dict(zip(rows[0], rows[3]))
    assert untriaged["Priority"] == "Untriaged" and untriaged["Project"] == "" and untriaged["Parent"] == "SUP-1002"


def test_csv_for_russian_excel_has_bom_semicolons_and_comma_decimals() -> None:
    data = render(SNAPSHOT, "csv", excel=True)
    assert data.startswith("\ufeff".encode("utf-8"))
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    first = dict(zip(rows[0], rows[1]))
    assert first["Age, working h"] == "8,8" and first["Received at"] == "01.12.2026 09:10"
    assert len(rows[0]) == len(COLUMNS)


def test_json_round_trips_and_keeps_the_pool_keys() -> None:
    data = json.loads(render(SNAPSHOT, "json"))
    assert data["at"] == "2026-12-01T18:00:00+03:00" and len(data["tasks"]) == 4
    assert set(data["tasks"][0]) >= {"key", "subject", "client", "project", "priority", "status", "blocked_by",
                                     "received_at", "reaction_due", "start_due", "due", "breaches", "assignee",
                                     "snapshot_at", "priority_en", "priority_ru", "age_working_hours",
                                     "escalation_level", "parent"}
    assert data["tasks"][1]["subject"] == HOSTILE  # machines get the text as it came
    assert Snapshot.from_json(data) == SNAPSHOT
    assert render(Snapshot.from_json(data), "json") == render(SNAPSHOT, "json")


def test_markdown_escapes_what_would_become_markup() -> None:
    text = render(SNAPSHOT, "md").decode("utf-8")
    lines = text.splitlines()
    assert lines[0] == "# Pool at 2026-12-01 18:00 (Europe/Moscow): 4 open"
    assert "untriaged 1, immediate 1, valuable 1, insignificant 1" in text
    table = [line for line in lines if line.startswith("|")]
    assert len(table) == 2 + 4
    assert all(line.count(" | ") == len(COLUMNS) - 2 for line in table if not line.startswith("|-"))
    hostile = next(line for line in table if "SUP-1002" in line)
    assert "\\|" in hostile and "\\[bold\\]" in hostile and "\\<script\\>" in hostile and "\x1b" not in hostile
    assert md_escape("a|b*c_d`e") == "a\\|b\\*c\\_d\\`e"


def test_empty_pool_renders_in_every_format() -> None:
    empty = Snapshot(at=AT, timezone="Europe/Moscow", rows=())
    assert "The pool is empty." in render(empty, "md").decode()
    assert json.loads(render(empty, "json"))["tasks"] == []
    assert render(empty, "csv").decode().count("\n") == 1
    assert load_workbook(io.BytesIO(render(empty, "xlsx")))["Pool"].max_row == 1


def test_html_is_escaped_and_coloured_by_priority() -> None:
    page = render(SNAPSHOT, "html").decode("utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert "<script>" not in page and "&lt;script&gt;" in page and "\x1b" not in page
    assert 'class="p-immediate"' in page and 'class="p-untriaged"' in page
    assert f"tr.p-immediate td.p {{ background: #{PRIORITY_COLOURS['immediate']}; }}" in page
    assert "Snapshot at" not in page  # the moment is the title, not a column


def test_xlsx_reads_back_with_header_frozen_panes_widths_colours_and_types() -> None:
    wb = load_workbook(io.BytesIO(render(SNAPSHOT, "xlsx")))
    ws = wb["Pool"]
    assert [c.value for c in ws[1]] == [c.header for c in COLUMNS]
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "C2"
    assert ws.auto_filter.ref == "A1:R5"
    assert ws.column_dimensions["C"].width == 48 and ws.column_dimensions["B"].width == 11
    header = {c.value: c.column for c in ws[1]}
    for r, slug in ((2, "immediate"), (3, "valuable"), (4, "untriaged"), (5, "insignificant")):
        for name in ("Priority", "Приоритет"):
            fill = ws.cell(row=r, column=header[name]).fill
            assert fill.fill_type == "solid" and fill.start_color.rgb.endswith(PRIORITY_COLOURS[slug])
    assert ws.cell(row=2, column=header["Subject"]).fill.fill_type is None
    assert ws.cell(row=2, column=header["Snapshot at"]).value == datetime(2026, 12, 1, 18, 0)
    assert ws.cell(row=2, column=header["Due"]).number_format == "yyyy-mm-dd hh:mm"
    assert ws.cell(row=2, column=header["Age, working h"]).value == 8.8
    assert ws.cell(row=2, column=header["Escalation level"]).value == 2
    hostile = ws.cell(row=3, column=header["Subject"])
    assert hostile.data_type == "s" and hostile.value.startswith('=HYPERLINK("http://evil")')  # text, no formula
    assert "\x1b" not in hostile.value and "\n" not in hostile.value
    assert ws.cell(row=3, column=header["Client"]).value == "-1+1 @client"
    assert ws.cell(row=4, column=header["Project"]).value is None
    assert wb.properties.creator == "dutydesk"


def handover_report() -> Handover:
    item = HandoverItem("SUP-1002", HOSTILE, "acme.ru shop", "valuable", "pool", "duty-1", "created 01.12 09:30")
    other = HandoverItem("SUP-1003", "Без проекта", "No project", None, "pool", None, "created 01.12 11:00")
    return Handover(at=AT, since=datetime(2026, 11, 30, 18, 0, tzinfo=MSK),
                    horizon=datetime(2026, 12, 2, 13, 0, tzinfo=MSK), timezone="Europe/Moscow", pool_total=2,
                    sections=(HandoverSection("new", "New since the last handover",
                                              (("acme.ru shop", (item,)), ("No project", (other,)))),
                              HandoverSection("done", "Done", ())))


def test_handover_markdown_groups_by_project_and_escapes() -> None:
    text = handover_markdown(handover_report())
    assert text.startswith("# Shift handover, 2026-12-01 18:00 (Europe/Moscow)")
    assert "Since 2026-11-30 18:00; open in the pool now: 2" in text
    assert "## New since the last handover (2)" in text and "## Done (0)\n\nNothing." in text
    assert text.index("### acme.ru shop") < text.index("### No project")
    line = next(x for x in text.splitlines() if "SUP-1002" in x)
    assert "Valuable / ЦЕННАЯ" in line and "\\<script\\>" in line and "\x1b" not in line and "duty-1" in line


def test_handover_html_escapes() -> None:
    page = handover_html(handover_report())
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<h3>acme.ru shop</h3>" in page and 'class="p p-valuable"' in page and 'class="p p-untriaged"' in page


@pytest.mark.parametrize("raw, expected", [
    ("plain text", "plain text"),
    ("two  spaces ", "two spaces"),
    ("bidi \u202eevil\u202c order", "bidi evil order"),
    ("esc \x1b[31mred\x1b[0m", "esc red"),
    ("line\nbreak\ttab", "line break tab"),
])
def test_untrusted_text_becomes_one_clean_line(raw: str, expected: str) -> None:
    from dutydesk.export.cells import clean

    assert clean(raw) == expected
