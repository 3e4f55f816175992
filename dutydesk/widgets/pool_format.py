"""How one pool row reads: columns per width, priority colours, the live countdown.

Pure functions over frozen :class:`PoolRow` values, no Textual: the virtual
table calls them for the few rows on screen, and tests call them directly.
Every untrusted string (subject, client, project, sender) goes through
``safe_line`` into a ``rich.text.Text``, so a subject like ``[bold red]x[/]``
shows literally and escape sequences never reach the terminal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.style import Style
from rich.text import Text

from dutydesk.domain.priority import Priority
from dutydesk.i18n import Catalogue
from dutydesk.textsafe import safe_line

#: R-POOL-2 order, hottest first. Untriaged rows get their own loud style: they need the lead.
#: Parsed once: these are drawn for every visible row every second.
PRIORITY_STYLE: dict[Priority | None, Style] = {
    None: Style.parse("bold black on #d7a6ff"),
    Priority.IMMEDIATE: Style.parse("bold #ff5f5f"),
    Priority.VALUABLE: Style.parse("bold #ffaf00"),
    Priority.NORMAL: Style.parse("#5fafff"),
    Priority.LOW: Style.parse("#87afaf"),
    Priority.INSIGNIFICANT: Style.parse("#8a8a8a"),
}
OVERDUE_STYLE = Style.parse("bold #ff5f5f")
SOON_STYLE = Style.parse("#ffaf00")
CALM_STYLE = Style.parse("#87d787")
PAUSED_STYLE = Style.parse("italic #87afaf")
DIM = Style(dim=True)
BOLD = Style(bold=True)
BLOCKED_STYLE = Style.parse("#ff8787")


def untrusted(value: str | None, *, style: str | Style = "") -> Text:
    """Mail or registry text as a literal, one-line Text (markup and escapes neutralised)."""
    if not value:
        return Text("—", style=DIM)
    return Text(safe_line(value), style=style)


def hm(minutes: float) -> str:
    """Working minutes as ``h:mm`` (always positive; the words say whether it is late)."""
    whole = int(abs(minutes))
    return f"{whole // 60}:{whole % 60:02d}"


def age_text(received_at: datetime, now: datetime, t: Catalogue) -> str:
    """Calendar age for tasks without a deadline (Normal and below show their age)."""
    minutes = max(0, int((now - received_at).total_seconds() // 60))
    if minutes < 60:
        return t("age.minutes", n=minutes)
    if minutes < 24 * 60:
        return t("age.hours", n=minutes // 60)
    return t("age.days", n=minutes // (24 * 60))


def minutes_left(row, now: datetime, calendar) -> float | None:
    """Working minutes to the nearest clock's due, recomputed for ``now`` (the clocks tick).

    The listing's own ``working_minutes_left`` was measured when the window
    was read; recomputing from ``due_at`` keeps the countdown live between
    reads, and with a frozen clock it never changes (snapshots rely on it).
    """
    clock = row.nearest
    if clock is None or clock.due_at is None:
        return None
    return calendar.working_minutes_between(now, clock.due_at)


def clock_text(row, now: datetime, calendar, t: Catalogue, *, short: bool = False) -> Text:
    """The nearest clock as the lead reads it: "реакция через 0:42", "просрочено 1:10".

    ``short`` drops the clock's name from an overdue clock (the red colour
    says enough in a narrow column; the pane names it).
    """
    clock = row.nearest
    if clock is None:
        if row.status == "waiting_client":
            return Text(t("clock.paused"), style=PAUSED_STYLE)
        return Text(age_text(row.received_at, now, t), style=DIM)
    left = minutes_left(row, now, calendar)
    name = t(f"clock.{clock.name}")
    if left is None:
        return Text(t("clock.paused"), style=PAUSED_STYLE)
    if left < 0:
        key = "clock.overdue.short" if short else "clock.overdue"
        return Text(t(key, name=name, hm=hm(left)), style=OVERDUE_STYLE)
    key = "clock.left"
    style = SOON_STYLE if left <= 30 else CALM_STYLE
    return Text(t(key, name=name, hm=hm(left)), style=style)


def priority_text(priority: Priority | None, t: Catalogue, *, english: bool = False) -> Text:
    """Colour + name; the regulation's Russian name is always there (R-POOL-2)."""
    style = PRIORITY_STYLE[priority]
    if priority is None:
        return Text(t("priority.untriaged"), style=style)
    label = f"{priority.russian} {priority.english}" if english else priority.russian
    return Text(label, style=style)


def status_text(status: str, t: Catalogue) -> Text:
    return Text(t(f"status.{status}"), style=DIM if status != "pool" else "")


#: "SUP-100000": keys stay whole up to a million tasks.
KEY_WIDTH = 10


@dataclass(frozen=True)
class Column:
    """One column of the pool table: a header key, a width (0 = takes the rest) and a cell renderer."""

    name: str
    width: int
    cell: Callable[..., Text]


def _key(row, now, calendar, t) -> Text:
    return Text(row.key, style=BOLD)


def _subject(row, now, calendar, t) -> Text:
    return untrusted(row.subject)


def _client(row, now, calendar, t) -> Text:
    return untrusted(row.client_name)


def _project(row, now, calendar, t) -> Text:
    return untrusted(row.project_name)


def _blocked(row, now, calendar, t) -> Text:
    return Text(f"⟂{row.blocked_by}", style=BLOCKED_STYLE) if row.blocked_by else Text("")


def _assignee(row, now, calendar, t) -> Text:
    return untrusted(row.assignee) if row.assignee else Text("")


def columns_for(width: int, lang: str) -> list[Column]:
    """The columns that fit ``width`` cells: 80 columns keep key, priority, subject, clock, blocker.

    The subject takes whatever is left, so wide terminals show more of it
    and more columns (client, status, project, assignee) appear in steps.
    """
    prio = Column("priority", 13, lambda r, n, c, t: priority_text(r.priority, t))
    if width < 100:
        return [Column("key", KEY_WIDTH, _key), prio, Column("subject", 0, _subject),
                Column("clock", 18, lambda r, n, c, t: clock_text(r, n, c, t, short=True)),
                Column("blocked", KEY_WIDTH + 1, _blocked)]
    if width < 150:
        return [Column("key", KEY_WIDTH, _key), prio, Column("subject", 0, _subject), Column("client", 18, _client),
                Column("status", 12, lambda r, n, c, t: status_text(r.status, t)),
                Column("clock", 18, lambda r, n, c, t: clock_text(r, n, c, t, short=True)),
                Column("blocked", KEY_WIDTH + 1, _blocked)]
    if lang == "en":
        prio = Column("priority", 27, lambda r, n, c, t: priority_text(r.priority, t, english=True))
    return [Column("key", KEY_WIDTH, _key), prio, Column("subject", 0, _subject), Column("client", 24, _client),
            Column("project", 22, _project), Column("status", 14, lambda r, n, c, t: status_text(r.status, t)),
            Column("clock", 25, lambda r, n, c, t: clock_text(r, n, c, t)), Column("blocked", KEY_WIDTH + 1, _blocked),
            Column("assignee", 12, _assignee)]


def layout(columns: list[Column], width: int) -> list[int]:
    """Concrete widths: fixed columns as asked, the flexible one gets the rest (at least 10)."""
    fixed = sum(c.width for c in columns if c.width) + len(columns) - 1
    rest = max(10, width - fixed)
    return [c.width or rest for c in columns]


def row_text(row, columns: list[Column], widths: list[int], now: datetime, calendar, t: Catalogue) -> Text:
    """One table line: each cell cut (with an ellipsis) or padded to its width."""
    line = Text(no_wrap=True, overflow="ellipsis")
    for i, (column, width) in enumerate(zip(columns, widths)):
        cell = column.cell(row, now, calendar, t)
        cell.truncate(width, overflow="ellipsis", pad=True)
        if i:
            line.append(" ")
        line.append_text(cell)
    return line


def header_text(columns: list[Column], widths: list[int], t: Catalogue) -> Text:
    line = Text(no_wrap=True)
    for i, (column, width) in enumerate(zip(columns, widths)):
        cell = Text(t(f"col.{column.name}"))
        cell.truncate(width, overflow="ellipsis", pad=True)
        if i:
            line.append(" ")
        line.append_text(cell)
    return line
