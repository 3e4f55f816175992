"""Rich renderings for the CLI; untrusted text always goes in as Text, never markup."""

from __future__ import annotations

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from dutydesk.cli.context import cell


def task_panel(view) -> Panel:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    priority = f"{view.priority.english} / {view.priority.russian}" if view.priority else "—"
    rows = [
        ("Subject", view.subject), ("Status", view.status), ("Priority", priority),
        ("Client", view.client.name if view.client else None),
        ("Project", view.project.name if view.project else None),
        ("From", view.sender), ("Channel", view.channel),
        ("Received", view.received_at.isoformat()), ("Assignee", view.assignee),
        ("Parent", view.parent), ("Subtasks", ", ".join(view.children) or None),
    ]
    for label, value in rows:
        grid.add_row(label, cell(value))
    return Panel(Group(grid), title=Text(view.key), title_align="left")


def detail_panel(detail, tz) -> Group:
    """The task, then its clocks with their explanations, then its history."""
    parts: list = [task_panel(detail.task)]
    clocks = Table("Clock", "Due", "State", "Why", header_style="bold")
    for c in detail.clocks.clocks:
        state = "met" if c.met_at is not None else ("BREACHED" if c.breached else ("paused" if c.paused else "running"))
        due = f"{c.due_at.astimezone(tz):%a %d.%m %H:%M}" if c.due_at else "—"
        clocks.add_row(cell(f"{c.name} ({c.rule})"), cell(due), cell(state), cell(c.explanation))
    parts.append(clocks)
    if detail.downgrade_offered:
        parts.append(Text(f"R-SLA-VAL: the due has passed — if the work proved larger, downgrade it: "
                          f"dutydesk task priority {detail.task.key} normal --reason \"…\"", style="yellow"))
    history = Table("When", "Who", "What", "Before → after", header_style="bold")
    for h in detail.history:
        change = f"{h.field}: {h.before or '∅'} → {h.after or '∅'}" if h.field else (h.reason or "")
        history.add_row(cell(f"{h.at.astimezone(tz):%d.%m %H:%M}"), cell(h.actor), cell(h.action), cell(change))
    parts.append(history)
    return Group(*parts)
