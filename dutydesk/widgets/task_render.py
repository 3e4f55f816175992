"""Sections of a task (facts, first message, thread, clocks, history…) as Rich renderables.

The pool's side pane and the task screen show the same facts at
different depths, so both draw them from here. Inputs are the frozen views
the services return (``TaskDetail``, ``TaskView``, ``TaskClocks``); all
mail and registry text is made literal with ``safe_text``/``safe_line``.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from dutydesk.i18n import Catalogue
from dutydesk.textsafe import safe_line, safe_text
from dutydesk.widgets.pool_format import OVERDUE_STYLE, hm, priority_text, status_text, untrusted


def stamp(at: datetime | None, tz: tzinfo) -> str:
    return f"{at.astimezone(tz):%d.%m %H:%M}" if at else "—"


def title(text: str) -> Text:
    return Text(text, style="bold underline")


def task_facts(task, t: Catalogue, tz: tzinfo, *, blocked_by: str | None = None) -> RenderableType:
    """Key, subject and the task's fields as a two-column grid."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    head = Text(task.key + "  ", style="bold")
    head.append_text(priority_text(task.priority, t, english=True))
    head.append("  ")
    head.append_text(status_text(task.status, t))
    rows: list[tuple[str, Text]] = [
        (t("field.subject"), Text(safe_line(task.subject))),
        (t("field.from"), untrusted(task.sender)),
        (t("field.client"), untrusted(task.client.name if task.client else None)),
        (t("field.project"), untrusted(task.project.name if task.project else None)),
        (t("field.received"), Text(f"{stamp(task.received_at, tz)} · {task.channel}")),
        (t("field.assignee"), untrusted(task.assignee)),
    ]
    if blocked_by:
        rows.append((t("field.blocked"), Text(blocked_by, style="#ff8787")))
    if task.parent:
        rows.append((t("field.parent"), Text(task.parent)))
    if task.note:
        rows.append((t("field.note"), untrusted(task.note)))
    for label, value in rows:
        grid.add_row(label, value)
    return Group(head, grid)


def first_message(messages, t: Catalogue, *, max_lines: int = 12) -> RenderableType:
    """The client's first mail: the lead triages from it (R-TRI-1..3)."""
    inbound = [m for m in messages if m.direction == "in"] or list(messages)
    if not inbound:
        return Text(t("pane.no_message"), style="dim")
    body = safe_text(inbound[0].body_text or "").strip()
    lines = body.splitlines()
    if len(lines) > max_lines:
        lines = [*lines[:max_lines], "…"]
    return Text("\n".join(lines))


def thread(messages, t: Catalogue, tz: tzinfo) -> RenderableType:
    """Every message in order, client's and staff's, with who, when and state."""
    if not messages:
        return Text(t("pane.no_message"), style="dim")
    parts: list[RenderableType] = []
    for m in messages:
        head = Text("→ " if m.direction == "out" else "← ", style="#5fafff" if m.direction == "out" else "#87d787")
        head.append(f"{stamp(m.at, tz)}  ", style="bold")
        head.append(safe_line(m.sender or "—"))
        head.append(f"  [{m.kind}{'/' + m.state if m.state else ''}]", style="dim")
        parts.append(head)
        parts.append(Text(safe_line(m.subject), style="italic"))
        parts.append(Text(safe_text(m.body_text or "").strip() or "—"))
        parts.append(Text(""))
    return Group(*parts)


def attachments(messages, t: Catalogue) -> RenderableType:
    names = []
    for m in messages:
        for a in m.attachments:
            name = a.get("filename") or a.get("name") or "?"
            size = a.get("size")
            names.append(Text(f"• {safe_line(str(name))}" + (f"  ({size} B)" if size else "")))
    return Group(*names) if names else Text(t("pane.none_yet"), style="dim")


def clocks(task_clocks, now: datetime, calendar, t: Catalogue, tz: tzinfo, *, explain: bool = True) -> RenderableType:
    """Each clock: its rule, due, state and left (live), then why (the calendar explanation)."""
    if task_clocks is None or not task_clocks.clocks:
        return Text(t("pane.none_yet"), style="dim")
    parts: list[RenderableType] = []
    for c in task_clocks.clocks:
        line = Text(f"{t('clock.' + c.name)} ", style="bold")
        line.append(f"({c.rule}) ", style="dim")
        line.append(t("clock.due_at", at=stamp(c.due_at, tz)) + "  ")
        if c.met_at is not None:
            line.append(t("clock.met") + " " + stamp(c.met_at, tz), style="#87d787" if not c.breached else OVERDUE_STYLE)
        elif c.due_at is None or c.paused:
            line.append(t("clock.paused"), style="italic #87afaf")
        else:
            left = calendar.working_minutes_between(now, c.due_at)
            key = "clock.overdue" if left < 0 else "clock.left"
            line.append(t(key, name=t("clock." + c.name), hm=hm(left)), style=OVERDUE_STYLE if left < 0 else "#87d787")
        parts.append(line)
        if explain and c.explanation:
            parts.append(Text("  " + safe_line(c.explanation), style="dim"))
    return Group(*parts)


def history(entries, t: Catalogue, tz: tzinfo, *, last: int | None = None) -> RenderableType:
    """The audit trail, newest last: who changed what from what to what, and why.

    The store keeps one event per changed field; events of one act (same
    moment, actor and action) are drawn as one entry, and a creation as one
    line — its fields are the task's facts, shown above.
    """
    groups: list[list] = []
    for h in entries:
        if groups and (groups[-1][0].at, groups[-1][0].actor, groups[-1][0].action) == (h.at, h.actor, h.action):
            groups[-1].append(h)
        else:
            groups.append([h])
    if last:
        groups = groups[-last:]
    if not groups:
        return Text(t("pane.none_yet"), style="dim")
    parts = []
    for group in groups:
        first = group[0]
        line = Text(f"{stamp(first.at, tz)} ", style="dim")
        line.append(safe_line(first.actor) + " ", style="bold")
        line.append(first.action)
        reason = next((h.reason for h in group if h.reason), None)
        changes = [] if first.action == "task.create" else [h for h in group if h.field]
        for h in changes:
            line.append(f"  {h.field}: {safe_line(h.before or '∅')} → {safe_line(h.after or '∅')}")
        if reason:
            line.append(f"  ({safe_line(reason)})", style="italic")
        parts.append(line)
    return Group(*parts)


def subtasks(task, t: Catalogue) -> RenderableType:
    if not task.children:
        return Text(t("pane.none_yet"), style="dim")
    return Text(", ".join(task.children))


def escalations(records, t: Catalogue, tz: tzinfo) -> RenderableType:
    if not records:
        return Text(t("pane.none_yet"), style="dim")
    parts = []
    for e in records:
        line = Text(f"#{e.id} {t('esc.trigger.' + e.trigger)} · {t('esc.level.' + str(e.level))} · "
                    f"{stamp(e.opened_at, tz)}")
        if e.note:
            line.append(f" · {safe_line(e.note)}", style="italic")
        if e.closed_at:
            line.append(f" · {stamp(e.closed_at, tz)} {safe_line(e.outcome or '')}", style="dim")
        parts.append(line)
    return Group(*parts)
