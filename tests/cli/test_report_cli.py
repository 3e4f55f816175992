"""``dutydesk export``, ``snapshot take|list``, ``report trend|handover`` through typer's runner (issue 6)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from dutydesk.services import lifecycle
from dutydesk.services.intake import create_request
from dutydesk.services.registry import import_registry
from dutydesk.services.registry_schema import load_registry

MSK = ZoneInfo("Europe/Moscow")
DEMO = Path(__file__).resolve().parents[2] / "data" / "demo" / "registry.json"
NOW = "2026-12-01T19:00"


@pytest.fixture
def seeded(make_desk, at) -> dict[str, str]:
    """Two requests on Tue 1 Dec; after 18:00 one is re-prioritised and taken."""
    desk = make_desk(now=NOW)
    import_registry(at(desk, "2026-11-30T09:00"), load_registry(DEMO), source="demo")
    first = create_request(at(desk, "2026-12-01T10:00"), subject="Опечатка в «Доставке»", project_id="acme-shop",
                           received_at=datetime(2026, 12, 1, 10, 0, tzinfo=MSK)).key
    lifecycle.set_priority(at(desk, "2026-12-01T10:05"), first, "normal")
    second = create_request(at(desk, "2026-12-01T11:00"), subject="Сайт не открывается",
                            project_id="stroymash-site", received_at=datetime(2026, 12, 1, 11, 0, tzinfo=MSK)).key
    lifecycle.set_priority(at(desk, "2026-12-01T18:30"), first, "immediate")
    lifecycle.take(at(desk, "2026-12-01T18:35"), first, staff="duty-1")
    return {"first": first, "second": second}


def test_export_at_a_past_moment_shows_the_task_as_it_was(cli, seeded) -> None:
    evening = cli("export", "--at", "2026-12-01T18:00", "--format", "json", now=NOW)
    assert evening.exit_code == 0, evening.stderr
    task = {t["key"]: t for t in evening.json()["tasks"]}[seeded["first"]]
    assert task["priority"] == "normal" and task["status"] == "pool" and task["assignee"] is None
    current = {t["key"]: t for t in cli("export", "-f", "json", now=NOW).json()["tasks"]}[seeded["first"]]
    assert current["priority"] == "immediate" and current["status"] == "in_progress"
    assert current["assignee"] == "duty-1"


def test_date_means_the_end_of_that_working_day_and_bytes_repeat(cli, seeded) -> None:
    by_date = cli("export", "--date", "2026-12-01", now=NOW)
    by_at = cli("export", "--at", "2026-12-01T18:00", now=NOW)
    assert by_date.exit_code == 0 and by_date.stdout == by_at.stdout
    assert by_date.stdout == cli("export", "--date", "2026-12-01", now=NOW).stdout
    header, *rows = by_date.stdout.splitlines()
    assert header.startswith("Snapshot at,Key,Subject") and len(rows) == 2
    assert rows[0].startswith(f"2026-12-01 18:00,{seeded['second']},")  # untriaged first (R-POOL-2)


def test_excel_csv_has_a_bom_and_semicolons(cli, seeded, tmp_path: Path) -> None:
    out = tmp_path / "pool.csv"
    result = cli("export", "--excel", "-o", str(out), now=NOW)
    assert result.exit_code == 0 and result.stdout == ""
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.decode("utf-8-sig").startswith("Snapshot at;Key;Subject;")


def test_xlsx_needs_a_file_and_reads_back(cli, seeded, tmp_path: Path) -> None:
    refused = cli("export", "-f", "xlsx", now=NOW)
    assert refused.exit_code == 1 and "give -o FILE" in refused.stderr and refused.stderr.count("\n") == 1
    out = tmp_path / "pool.xlsx"
    assert cli("export", "-f", "xlsx", "-o", str(out), "--at", "2026-12-01T18:00", now=NOW).exit_code == 0
    ws = load_workbook(io.BytesIO(out.read_bytes()))["Pool"]
    assert ws.freeze_panes == "C2" and ws.max_row == 3
    assert {ws.cell(row=r, column=2).value for r in (2, 3)} == set(seeded.values())


@pytest.mark.parametrize("fmt, marker", [("md", "# Pool at 2026-12-01 19:00"), ("html", "<!DOCTYPE html>")])
def test_markdown_and_html_go_to_standard_output(cli, seeded, fmt: str, marker: str) -> None:
    result = cli("export", "-f", fmt, now=NOW)
    assert result.exit_code == 0 and result.stdout.startswith(marker) and seeded["first"] in result.stdout


@pytest.mark.parametrize("args, message", [
    (("-f", "pdf"), "unknown format"),
    (("-f", "json", "--excel"), "CSV flavour"),
    (("--at", "2026-12-02T10:00"), "in the future"),
    (("--at", "2026-12-01T10:00", "--date", "2026-12-01"), "not both"),
    (("--date", "01/12"), "not a date"),
])
def test_bad_exports_are_one_line_errors(cli, args, message: str) -> None:
    result = cli("export", *args, now=NOW)
    assert result.exit_code == 1 and message in result.stderr and result.stderr.count("\n") == 1


def test_snapshot_take_is_idempotent_and_listed(cli, seeded, tmp_path: Path) -> None:
    folder = tmp_path / "snapshots"
    env = {"DUTYDESK_SNAPSHOT_DIR": str(folder)}
    first = cli("snapshot", "take", "--json", now=NOW, env=env)
    assert first.exit_code == 0, first.stderr
    assert first.json()["outcome"] == "stored" and first.json()["snapshot"]["tasks"] == 2
    assert sorted(p.suffix for p in folder.iterdir()) == [".csv", ".html", ".json", ".md", ".xlsx"]
    again = cli("snapshot", "take", "--if-working-day", "--json", now="2026-12-01T19:05", env=env)
    assert again.json()["outcome"] == "kept"
    assert again.json()["snapshot"]["sha256"] == first.json()["snapshot"]["sha256"]
    listed = cli("snapshot", "list", "--json", now=NOW).json()["snapshots"]
    assert [(s["day"], s["tasks"]) for s in listed] == [("2026-12-01", 2)]
    stored_json = json.loads((folder / "pool-2026-12-01.json").read_text(encoding="utf-8"))
    exported = cli("export", "--date", "2026-12-01", "-f", "json", now=NOW).json()
    assert stored_json == exported
    text = cli("snapshot", "list", now=NOW)
    assert text.exit_code == 0 and "2026-12-01" in text.stdout


def test_snapshot_take_on_a_day_off_does_nothing_with_the_flag(cli, tmp_path: Path) -> None:
    folder = tmp_path / "snapshots"
    result = cli("snapshot", "take", "--if-working-day", "--dir", str(folder), now="2026-12-05T18:05")
    assert result.exit_code == 0 and "not a working day" in result.stderr
    assert not folder.exists()
    assert cli("snapshot", "list", "--json", now="2026-12-05T18:05").json() == {"snapshots": []}


def test_report_trend_json_and_table(cli, seeded) -> None:
    result = cli("report", "trend", "--days", "2", "--json", now=NOW)
    assert result.exit_code == 0, result.stderr
    days = result.json()["days"]
    assert [d["date"] for d in days] == ["2026-11-30", "2026-12-01"]
    # at 18:00 the first task was still Normal: it was re-prioritised at 18:30
    assert days[1]["pool"] == {"total": 2, "untriaged": 1, "immediate": 0, "valuable": 0, "normal": 1, "low": 0,
                               "insignificant": 0}
    assert days[1]["new"] == 2 and days[1]["at"] == "2026-12-01T18:00:00+03:00"
    table = cli("report", "trend", "--days", "2", now=NOW)
    assert table.exit_code == 0 and "Tue 01.12" in table.stdout and "In breach" in table.stdout


def test_report_handover_writes_html_and_records_itself(cli, seeded, tmp_path: Path) -> None:
    preview = cli("report", "handover", "--preview", now=NOW)
    assert preview.exit_code == 0 and preview.stdout.startswith("# Shift handover, 2026-12-01 19:00")
    assert "Since 2026-11-30 18:00" in preview.stdout and seeded["first"] in preview.stdout
    out = tmp_path / "handover.html"
    given = cli("report", "handover", "-f", "html", "-o", str(out), now=NOW)
    assert given.exit_code == 0 and given.stdout == ""
    assert "<h2>Taken (1)</h2>" in out.read_text(encoding="utf-8")
    later = cli("report", "handover", "--preview", now="2026-12-01T19:30")
    assert "Since 2026-12-01 19:00" in later.stdout and "## New since the last handover (0)" in later.stdout
    bad = cli("report", "handover", "-f", "pdf", now=NOW)
    assert bad.exit_code == 1 and "md or html" in bad.stderr


def test_the_headless_commands_never_load_textual() -> None:
    code = ("import sys; import dutydesk.cli.report_cmds, dutydesk.services.snapshot, dutydesk.services.report, "
            "dutydesk.export.xlsx, dutydesk.export.html, dutydesk.export.handover; "
            "assert 'textual' not in sys.modules, 'textual was imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
