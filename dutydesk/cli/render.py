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
