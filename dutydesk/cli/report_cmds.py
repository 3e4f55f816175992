"""``export``, ``snapshot take|list``, ``report trend|handover``: the pool's snapshots and history (issue 6)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.text import Text

from dutydesk.cli.context import cell, err_console, out_console, print_json, state, table

snapshot_app = typer.Typer(help="The stored daily snapshots of the pool.", no_args_is_help=True, rich_markup_mode=None)
report_app = typer.Typer(help="The pool's history: trend and shift handover.", no_args_is_help=True,
                         rich_markup_mode=None)


def register(app: typer.Typer) -> None:
    app.command("export")(export_cmd)
    app.add_typer(snapshot_app, name="snapshot")
    app.add_typer(report_app, name="report")


def _emit(data: bytes, output: Optional[Path]) -> None:
    """Exact bytes to the file, or to standard output (no newline added, no re-encoding)."""
    if output is not None:
        from dutydesk.services.snapshot import write_atomically

        write_atomically(output.expanduser(), data)
        return
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def _day(text: str):
    from datetime import date

    from dutydesk.errors import BadInput

    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f"not a date: {text!r} (use YYYY-MM-DD)") from None


def export_cmd(
    ctx: typer.Context,
    at: Optional[str] = typer.Option(None, "--at", help="the moment (ISO 8601, studio time); default now"),
    day: Optional[str] = typer.Option(None, "--date", help="the end of that working day (YYYY-MM-DD)"),
    fmt: str = typer.Option("csv", "--format", "-f", help="csv | json | md | html | xlsx"),
    excel: bool = typer.Option(False, "--excel", help="CSV for Russian Excel: UTF-8 with BOM, ';'-separated"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="file to write (required for xlsx)"),
) -> None:
    """The pool as it stood at a moment, rebuilt from the audit trail; deterministic bytes."""
    from dutydesk.clock import parse_moment
    from dutydesk.errors import BadInput
    from dutydesk.export import FORMATS, render
    from dutydesk.services.snapshot import build_snapshot, moment_of

    fmt = fmt.strip().lower()
    if fmt not in FORMATS:
        raise BadInput(f"unknown format {fmt!r}: use " + ", ".join(FORMATS))
    if excel and fmt != "csv":
        raise BadInput("--excel is a CSV flavour (BOM and ';'); use it with --format csv")
    if fmt == "xlsx" and output is None:
        raise BadInput("xlsx is binary: give -o FILE")
    desk = state(ctx).desk()
    moment = moment_of(desk, at=parse_moment(at, desk.settings.tz) if at else None,
                       day=_day(day) if day else None)
    _emit(render(build_snapshot(desk, moment), fmt, excel=excel), output)


@snapshot_app.command("take")
def take_cmd(
    ctx: typer.Context,
    if_working_day: bool = typer.Option(False, "--if-working-day",
                                        help="do nothing (exit 0) on a day off: for cron / systemd timers"),
    day: Optional[str] = typer.Option(None, "--date", help="the day (default today); a past day is rebuilt"),
    folder: Optional[Path] = typer.Option(None, "--dir", help="folder for the files (default: snapshot_dir)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Store the day's snapshot in the database and write its files; running it twice changes nothing."""
    from dutydesk.services.snapshot import take_snapshot

    result = take_snapshot(state(ctx).desk(), day=_day(day) if day else None, if_working_day=if_working_day,
                           folder=folder)
    if as_json:
        print_json(result.to_json())
        return
    if result.snapshot is None:
        err_console().print(Text(f"skipped: {result.reason}"))
        return
    s = result.snapshot
    line = f"{result.outcome}: snapshot of {s.day.isoformat()} at {s.at.astimezone(state(ctx).settings.tz):%H:%M}, " \
           f"{s.tasks} open tasks, sha256 {s.sha256[:12]}"
    out_console().print(Text(line))
    for path in result.files:
        out_console().print(Text(f"  {path}"))


@snapshot_app.command("list")
def list_cmd(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """The stored daily snapshots, newest first."""
    from dutydesk.services.snapshot import list_snapshots

    desk = state(ctx).desk()
    items = list_snapshots(desk)
    if as_json:
        print_json({"snapshots": [s.to_json() for s in items]})
        return
    tz = desk.settings.tz
    grid = table("Day", "At", "Open", "Taken", "By", "SHA-256", "Folder")
    for s in items:
        grid.add_row(cell(s.day.isoformat()), cell(f"{s.at.astimezone(tz):%H:%M}"), cell(s.tasks),
                     cell(f"{s.taken_at.astimezone(tz):%d.%m %H:%M}"), cell(s.taken_by), cell(s.sha256[:12]),
                     cell(s.folder))
    out_console().print(grid)


@report_app.command("trend")
def trend_cmd(ctx: typer.Context, days: int = typer.Option(30, "--days", min=1, max=3660,
                                                           help="calendar days back, today included"),
              as_json: bool = typer.Option(False, "--json")) -> None:
    """Per working day: pool by priority, new / done / handed off, breaches, escalations (from the audit trail)."""
    from dutydesk.services.report import POOL_KEYS, trend

    result = trend(state(ctx).desk(), days=days)
    if as_json:
        print_json(result.to_json())
        return
    heads = ["Day", "Pool", *(k.capitalize() for k in POOL_KEYS), "New", "Done", "Handed off", "Breached",
             "In breach", "Escalations"]
    grid = table(*heads)
    for d in result.days:
        grid.add_row(cell(f"{d.day:%a %d.%m}"), cell(d.total), *(cell(d.pool[k]) for k in POOL_KEYS),
                     cell(d.new), cell(d.done), cell(d.handed_off), cell(d.breached), cell(d.in_breach),
                     cell(d.escalations))
    out_console().print(grid)


@report_app.command("handover")
def handover_cmd(
    ctx: typer.Context,
    fmt: str = typer.Option("md", "--format", "-f", help="md | html"),
    output: Optional[Path] = typer.Option(None, "--output", "-o"),
    since: Optional[str] = typer.Option(None, "--since", help="default: the last handover, else the previous "
                                                              "working day's end"),
    next_hours: float = typer.Option(4.0, "--next-hours", help="working hours ahead for the due list"),
    preview: bool = typer.Option(False, "--preview", help="do not record this handover"),
) -> None:
    """The shift handover: new, taken, done, waiting, handed off, breached, escalated, due next — by project."""
    from dutydesk.clock import parse_moment
    from dutydesk.errors import BadInput
    from dutydesk.export.handover import render_handover
    from dutydesk.services.report import handover, record_handover

    fmt = fmt.strip().lower()
    if fmt not in ("md", "html"):
        raise BadInput(f"unknown handover format {fmt!r}: use md or html")
    desk = state(ctx).desk()
    report = handover(desk, since=parse_moment(since, desk.settings.tz) if since else None,
                      next_hours=next_hours, record=False)
    _emit(render_handover(report, fmt), output)
    if not preview:  # recorded only once it has been delivered
        record_handover(desk, report)
