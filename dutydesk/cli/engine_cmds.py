"""``check``, ``calendar``, ``escalations``, ``escalate``, ``escalation close``, ``find``."""

from __future__ import annotations

from typing import Optional

import typer
from rich.text import Text

from dutydesk.cli.context import cell, out_console, print_json, state, table

escalation_app = typer.Typer(help="Recorded escalations.", no_args_is_help=True, rich_markup_mode=None)


def register(app: typer.Typer) -> None:
    app.command("check")(check_cmd)
    app.command("calendar")(calendar_cmd)
    app.command("escalations")(escalations_cmd)
    app.command("escalate")(escalate_cmd)
    app.command("find")(find_cmd)
    app.add_typer(escalation_app, name="escalation")


def check_cmd(ctx: typer.Context, query: str = typer.Argument(..., help="address, client id or name fragment"),
              as_json: bool = typer.Option(False, "--json")) -> None:
    """Is this sender (or client) on support? (R-TRI-1, R-ELIG-1..4)"""
    from dutydesk.services.eligibility import lookup

    cards = lookup(state(ctx).desk(), query)
    if as_json:
        if "@" in query:
            print_json(cards[0].verdict.to_json())
        else:
            print_json({"matches": [c.to_json() for c in cards]})
        return
    if not cards:
        from dutydesk.errors import NotFound

        raise NotFound(f"no client matches {query!r}")
    console = out_console()
    for card in cards:
        v = card.verdict
        head = Text()
        head.append("ON SUPPORT" if v.eligible else "NOT ON SUPPORT", style="bold green" if v.eligible else "bold red")
        head.append(f"  {v.rule}  ")
        head.append(v.client_name or "unknown sender")
        console.print(head)
        grid = table("Basis", "Details", "Active")
        for basis in (card.bases or v.basis):
            detail = ", ".join(f"{k}: {val}" for k, val in basis.to_json().items() if k not in ("kind", "rule", "active"))
            grid.add_row(cell(basis.kind), cell(detail), cell("yes" if basis.active else "expired"))
        console.print(grid)
        for pid, name, _mid, manager in card.projects:
            console.print(Text(f"  project {pid}: {name} — manager {manager or '—'}"))


def calendar_cmd(ctx: typer.Context, year: Optional[int] = typer.Argument(None),
                 as_json: bool = typer.Option(False, "--json"),
                 all_days: bool = typer.Option(False, "--all", help="every day, not only the exceptions")) -> None:
    """The year's working days and where each exception comes from."""
    desk = state(ctx).desk()
    y = year or desk.now().astimezone(desk.settings.tz).year
    days = desk.calendar.year(y)
    if as_json:
        print_json({"year": y, "working_days": sum(1 for d in days if d.working),
                    "days": [{"date": d.date.isoformat(), "working": d.working,
                              "start": d.start.isoformat() if d.start else None,
                              "end": d.end.isoformat() if d.end else None, "source": d.source} for d in days]})
        return
    grid = table("Date", "Day", "Working", "Hours", "Why", title=f"{y}: {sum(1 for d in days if d.working)} working days")
    for d in days:
        usual = d.source in ("weekday", "weekend")
        if usual and not all_days:
            continue
        hours = f"{d.start:%H:%M}–{d.end:%H:%M}" if d.working and d.start and d.end else "—"
        grid.add_row(cell(d.date.isoformat()), cell(f"{d.date:%a}"), cell("yes" if d.working else "no"),
                     cell(hours), cell(d.source))
    out_console().print(grid)


def escalations_cmd(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """Open escalations and detected breaches nobody has handled yet, with whom to call (R-ESC-1..3)."""
    from dutydesk.services.escalation import escalation_board

    desk = state(ctx).desk()
    items = escalation_board(desk)
    if as_json:
        print_json({"now": desk.now().isoformat(), "escalations": [i.to_json() for i in items]})
        return
    grid = table("Id", "Task", "Trigger", "Since", "Level", "Call", "Phone", "Subject")
    tz = desk.settings.tz
    for i in items:
        grid.add_row(cell(i.id if i.id is not None else "detected"), cell(i.key), cell(i.trigger.cli),
                     cell(f"{i.since.astimezone(tz):%d.%m %H:%M}"), cell(int(i.level)),
                     cell(i.contact.name if i.contact else None), cell(i.contact.phone if i.contact else None),
                     cell(i.subject))
    out_console().print(grid)


def escalate_cmd(ctx: typer.Context, key: str,
                 trigger: str = typer.Option(..., "--trigger", help="no-reaction | immediate-overdue | requalify | deadline"),
                 level: int = typer.Option(1, "--level", min=1, max=3),
                 note: Optional[str] = typer.Option(None, "--note"),
                 deadline: Optional[str] = typer.Option(None, "--deadline", help="ISO date-time (R-ESC-1 d)"),
                 as_json: bool = typer.Option(False, "--json")) -> None:
    """Record a client's call (R-ESC-1..3)."""
    from dutydesk.clock import parse_moment
    from dutydesk.services.escalation import escalate

    desk = state(ctx).desk()
    when = parse_moment(deadline, desk.settings.tz) if deadline else None
    item = escalate(desk, key, trigger=trigger, level=level, note=note, deadline=when)
    if as_json:
        print_json(item.to_json())
    else:
        who = f"{item.contact.name}, {item.contact.phone}" if item.contact else "nobody in the registry"
        out_console().print(Text(f"escalation {item.id}: {item.key} level {int(item.level)} — call {who}"))


@escalation_app.command("close")
def close_cmd(ctx: typer.Context, escalation_id: int, outcome: str = typer.Option(..., "--outcome")) -> None:
    """Close an escalation with its outcome."""
    from dutydesk.services.escalation import close_escalation

    close_escalation(state(ctx).desk(), escalation_id, outcome=outcome)


def find_cmd(ctx: typer.Context, key: Optional[str] = typer.Argument(None, help="task key or number"),
             sent: Optional[str] = typer.Option(None, "--sent", help="when the client sent the mail"),
             as_json: bool = typer.Option(False, "--json")) -> None:
    """Find the task a caller means: by its number, or by when they sent the mail (R-ESC-4)."""
    from dutydesk.clock import parse_moment
    from dutydesk.services.escalation import find_tasks

    desk = state(ctx).desk()
    when = parse_moment(sent, desk.settings.tz) if sent else None
    found = find_tasks(desk, key=key, sent=when)
    if as_json:
        print_json({"tasks": [f.to_json() for f in found]})
        return
    grid = table("Key", "Sent", "Distance", "Subject")
    for f in found:
        grid.add_row(cell(f.key), cell(f"{f.sent_at.astimezone(desk.settings.tz):%d.%m.%Y %H:%M}"),
                     cell(f"{f.distance_minutes:.0f} min"), cell(f.subject))
    out_console().print(grid)
