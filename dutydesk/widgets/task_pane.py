"""The pool's side (or lower) pane: the selected task at a glance.

It fills in two steps so moving the cursor never waits for the database:
at once from the ``PoolRow`` the table already holds (key, priority,
subject, clock), then from the ``TaskDetail`` the screen reads in a
worker (first message, verdict card, clocks with their explanation,
history).
"""

from __future__ import annotations

from datetime import datetime

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.css.query import NoMatches
from textual.widgets import Static

from dutydesk.i18n import Catalogue
from dutydesk.widgets import task_render as render
from dutydesk.widgets.pool_format import clock_text, priority_text, status_text, untrusted
from dutydesk.widgets.verdict_card import verdict_card


class TaskPane(VerticalScroll, can_focus=False):
    DEFAULT_CSS = """
    TaskPane { background: $surface-darken-1; padding: 0 1; }
    TaskPane > Static { margin-bottom: 1; }
    """

    def __init__(self, t: Catalogue, calendar, tz, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.t, self.calendar, self.tz = t, calendar, tz
        self.key: str | None = None
        self.detail = None

    def compose(self) -> ComposeResult:
        yield Static(Text(self.t("pane.none"), style="dim"), id="pane-head")
        yield Static("", id="pane-message")
        yield Static("", id="pane-verdict")
        yield Static("", id="pane-clocks")
        yield Static("", id="pane-history")

    def show_row(self, row, now: datetime) -> None:
        """Immediate: what the table row knows. Clears the sections of a different task."""
        if row is None:
            self.key, self.detail = None, None
            self._set("pane-head", Text(self.t("pane.none"), style="dim"))
            for part in ("message", "verdict", "clocks", "history"):
                self._set(f"pane-{part}", "")
            return
        head = Text(row.key + "  ", style="bold")
        head.append_text(priority_text(row.priority, self.t, english=True))
        head.append("  ")
        head.append_text(status_text(row.status, self.t))
        head.append("  ")
        head.append_text(clock_text(row, now, self.calendar, self.t))
        lines = [head, untrusted(row.subject, style="bold"),
                 Text.assemble(untrusted(row.sender), "  ", untrusted(row.client_name, style="dim"))]
        if row.blocked_by:
            lines.append(Text(f"{self.t('field.blocked')}: {row.blocked_by} (R-POOL-3)", style="#ff8787"))
        self._set("pane-head", Group(*lines))
        if row.key != self.key:
            self.key, self.detail = row.key, None
            self._set("pane-message", Text(self.t("pane.loading"), style="dim"))
            for part in ("verdict", "clocks", "history"):
                self._set(f"pane-{part}", "")

    def show_detail(self, detail, now: datetime) -> None:
        """When the worker brings the task: its first mail, verdict, clocks and history."""
        if detail.task.key != self.key:
            return
        self.detail = detail
        t, tz = self.t, self.tz
        self._set("pane-message", Group(render.title(t("pane.message")), render.first_message(detail.messages, t)))
        self._set("pane-verdict", Group(render.title(t("pane.verdict")), verdict_card(detail.task.verdict, t)))
        self._set("pane-clocks", Group(render.title(t("pane.clocks")),
                                       render.clocks(detail.clocks, now, self.calendar, t, tz)))
        self._set("pane-history", Group(render.title(t("pane.history")), render.history(detail.history, t, tz, last=8)))

    def _set(self, part: str, content) -> None:
        try:
            self.query_one(f"#{part}", Static).update(content)
        except NoMatches:  # not composed yet
            pass
