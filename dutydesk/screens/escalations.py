"""``e``: escalations (R-ESC-1..4) — whom to call, in large type, and the record of each call.

The board lists open escalations, then breaches the desk detected itself
(R-ESC-1 a/b) that nobody has recorded yet. The selected line shows the
person for its level (R-ESC-3) with the phone as big digits — the lead
reads it while dialling — and the next level up. A client on the phone is
first asked for the task number or when they sent the email (R-ESC-4): the
finder takes either.
"""

from __future__ import annotations

import re

from rich.console import Group
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Digits, Footer, Input, Static

from dutydesk.clock import BadMoment, parse_moment
from dutydesk.screens.base import DeskScreen
from dutydesk.services.escalation import close_escalation, escalate, escalation_board, find_tasks
from dutydesk.textsafe import safe_line
from dutydesk.widgets.bars import TopBar
from dutydesk.widgets.escalate_prompt import EscalatePrompt
from dutydesk.widgets.prompts import TextPrompt
from dutydesk.widgets.task_render import stamp

KEY_LIKE = re.compile(r"^[A-Za-z]+-?\d+$|^\d+$")
DIGITS_OK = set(" 0123456789+-()")


def dialable(phone: str | None) -> str:
    """What ``Digits`` can draw of a phone number (it knows digits, + - ( ) and spaces)."""
    return "".join(ch for ch in (phone or "") if ch in DIGITS_OK).strip()


class EscalationsScreen(DeskScreen):
    BINDINGS = [
        Binding("n", "record", "record call", id="record-call"),
        Binding("o", "close", "close", id="close-escalation"),
        Binding("slash", "find", "find task", id="find-task"),
        Binding("enter", "open", "open", id="open"),
        Binding("r", "refresh", "refresh", id="refresh"),
        Binding("escape", "back", "back", id="back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: list = []
        self.found: list = []

    def screen_title(self) -> str:
        return self.t("screen.escalations")

    def compose(self) -> ComposeResult:
        t = self.t
        yield TopBar(id="topbar")
        yield DataTable(id="esc-table", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="esc-detail"):
            with Vertical(id="esc-call"):
                yield Static("", id="esc-who")
                yield Digits("", id="esc-phone")
            yield Static("", id="esc-more")
        yield Input(placeholder=t("esc.find"), id="esc-find", compact=True)
        yield Static("", id="esc-found")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        t = self.t
        table = self.query_one("#esc-table", DataTable)
        for key in ("task", "trigger", "since", "level", "state", "call"):
            table.add_column(t(f"esc.col.{key}"), key=key)
        table.focus()
        self.show_top_bar()
        self.load()

    def load(self) -> None:
        self.call(escalation_board, group="board", done=self._board)

    def on_desk_changed(self) -> None:
        self.load()

    def _board(self, items) -> None:
        t, tz = self.t, self.tz
        table = self.query_one("#esc-table", DataTable)
        keep = table.cursor_row
        self.items = list(items)
        table.clear()
        for i, item in enumerate(self.items):
            who = item.contact.name if item.contact else "—"
            state = Text(t("esc.detected"), style="bold #ff5f5f") if item.detected else Text(t("esc.open"))
            table.add_row(Text(item.key, style="bold"), Text(t(f"esc.trigger.{item.trigger.value}")),
                          Text(stamp(item.since, tz)), Text(str(int(item.level))), state, Text(safe_line(who)),
                          key=str(i))
        if self.items:
            table.move_cursor(row=min(keep, len(self.items) - 1))
        self._detail()

    @property
    def current(self):
        row = self.query_one("#esc-table", DataTable).cursor_row
        return self.items[row] if 0 <= row < len(self.items) else None

    @on(DataTable.RowHighlighted, "#esc-table")
    def _moved(self) -> None:
        self._detail()

    @on(DataTable.RowSelected, "#esc-table")
    def _chosen(self) -> None:
        self.action_open()

    def _detail(self) -> None:
        t, item = self.t, self.current
        main = Text(t("esc.main_phone", phone=self.desk.settings.main_phone), style="dim")
        if item is None:
            self.query_one("#esc-who", Static).update(Group(Text(t("esc.empty"), style="dim"), main))
            self.query_one("#esc-phone", Digits).update("")
            self.query_one("#esc-more", Static).update("")
            return
        head = Text(f"{item.key}  ", style="bold")
        head.append(safe_line(item.subject))
        lines = [head, Text(t(f"esc.trigger.{item.trigger.value}") + " · " + t(f"esc.level.{int(item.level)}"))]
        c = item.contact
        if c is None:
            lines.append(Text(t("esc.nobody"), style="bold #ffaf00"))
        else:
            lines.append(Text(t("esc.call", name=safe_line(c.name), role=safe_line(c.role)), style="bold"))
        self.query_one("#esc-who", Static).update(Group(*lines))
        self.query_one("#esc-phone", Digits).update(dialable(c.phone) if c else "")
        more = []
        if c is not None and c.email:
            more.append(Text(safe_line(c.email)))
        n = item.next_contact
        more.append(Text(t("esc.next", name=safe_line(n.name), phone=safe_line(n.phone or "—")) if n
                         else t("esc.last"), style="dim"))
        if item.note:
            more.append(Text(safe_line(item.note), style="italic"))
        if item.deadline:
            more.append(Text(t("clock.due_at", at=stamp(item.deadline, self.tz)), style="bold"))
        more.append(main)
        self.query_one("#esc-more", Static).update(Group(*more))

    # --- keys ------------------------------------------------------------------------------------

    def action_record(self) -> None:
        """R-ESC-1..3: prefilled from the finder's answer, else from the selected line."""
        item = self.current
        key = self.found[0].key if self.found else (item.key if item else "")
        trigger = item.trigger.value if item and not self.found else "requalify"
        level = int(item.level) if item and not self.found else 1

        def recorded(answer) -> None:
            if answer:
                task_key = answer.pop("key")
                self.call(escalate, task_key, group="write", write=True, **answer,
                          done=lambda it: (self.tell(self.t("esc.recorded", key=it.key, level=int(it.level))),
                                           self.load()))

        self.app.push_screen(EscalatePrompt(self.t, self.tz, key=key, trigger=trigger, level=level), recorded)

    def action_close(self) -> None:
        item = self.current
        if item is None:
            return
        if item.id is None:
            self.fail(self.t("esc.close_detected"))
            return

        def closed(outcome: str | None) -> None:
            if outcome:
                self.call(close_escalation, item.id, group="write", write=True, outcome=outcome,
                          done=lambda _: (self.tell(self.t("esc.closed", id=item.id)), self.load()))

        self.app.push_screen(TextPrompt(self.t, self.t("prompt.outcome", id=item.id)), closed)

    def action_find(self) -> None:
        self.query_one("#esc-find", Input).focus()

    @on(Input.Submitted, "#esc-find")
    def _find(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.found = []
            self.query_one("#esc-found", Static).update("")
            return
        if KEY_LIKE.match(text):
            key = text if "-" in text or not text.isdigit() else f"SUP-{text}"
            self.call(find_tasks, group="find", done=self._found, key=key)
            return
        try:
            sent = parse_moment(text, self.tz)
        except BadMoment as exc:
            self.fail(str(exc))
            return
        self.call(find_tasks, group="find", done=self._found, sent=sent)

    def _found(self, found) -> None:
        self.found = list(found)
        lines = [Text(self.t("esc.found", key=f.key, at=stamp(f.sent_at, self.tz), minutes=round(f.distance_minutes),
                             subject=safe_line(f.subject))) for f in self.found]
        self.query_one("#esc-found", Static).update(Group(*lines) if lines else Text("—", style="dim"))

    def action_open(self) -> None:
        item = self.current
        key = self.found[0].key if self.found and self.focused is self.query_one("#esc-find") else \
            (item.key if item else None)
        if key:
            from dutydesk.screens.task import TaskScreen

            self.app.push_screen(TaskScreen(key))

    def action_refresh(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()
