"""One task in full: the thread, attachments, clocks with their reasoning, verdict, subtasks, escalations, history.

The same task actions as the pool (shared through ``TaskActions``), plus
those the pool leaves to this screen: out of contract scope (R-SCOPE-1),
done, and "the client answered". Everything shown is one ``TaskDetail``
read in a worker; after any write, or another desk's change, it is read
again.
"""

from __future__ import annotations

from rich.console import Group
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Static

from dutydesk.screens.base import DeskScreen
from dutydesk.screens.pool import priority_bindings
from dutydesk.screens.task_actions import TaskActions
from dutydesk.services.task_detail import task_detail
from dutydesk.widgets import task_render as render
from dutydesk.widgets.bars import TopBar
from dutydesk.widgets.escalate_prompt import EscalatePrompt
from dutydesk.widgets.verdict_card import verdict_card


class TaskScreen(TaskActions, DeskScreen):
    """| key | action |
    |-----|--------|
    | 1–5 | priority | a | acknowledgement | t | take | w | wait | u | client answered | s | split |
    | h | hand off | o | out of scope | d | done | r | refresh | esc | back |
    """

    BINDINGS = [
        *priority_bindings(),
        Binding("a", "ack", "ack", id="ack"),
        Binding("t", "take", "take", id="take"),
        Binding("w", "wait", "ask client", id="wait"),
        Binding("u", "resume", "client answered", id="resume"),
        Binding("s", "split", "split", id="split"),
        Binding("h", "hand_off", "hand off", id="hand-off"),
        Binding("o", "out_of_scope", "out of scope", id="out-of-scope"),
        Binding("d", "done", "done", id="done"),
        Binding("r", "refresh", "refresh", id="refresh"),
        Binding("escape", "back", "back", id="back"),
    ]
    PALETTE_EXTRA = (("escalate", "escalate"),)

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key
        self.detail = None

    def screen_title(self) -> str:
        return f"{self.t('screen.task')} {self.key}"

    def compose(self) -> ComposeResult:
        yield TopBar(id="topbar")
        yield Static(self.t("pane.loading"), id="task-facts")
        with Horizontal(id="task-body"):
            with VerticalScroll(id="task-thread"):
                yield Static("", id="task-messages")
                yield Static("", id="task-attachments")
            with VerticalScroll(id="task-side"):
                yield Static("", id="task-clocks")
                yield Static("", id="task-verdict")
                yield Static("", id="task-relations")
                yield Static("", id="task-history")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#task-thread").focus()
        self._tick()
        self.set_interval(1.0, self._tick)
        self.load()

    def on_resize(self) -> None:
        self.set_class(self.size.width < 100, "-narrow")

    def _tick(self) -> None:
        now = self.desk.now()
        self.show_top_bar(now)
        if self.detail is not None:
            self._show_clocks(now)

    def load(self) -> None:
        self.call(task_detail, self.key, group="detail", done=self.show)

    def show(self, detail) -> None:
        self.detail = detail
        t, tz = self.t, self.tz
        self.query_one("#task-facts", Static).update(render.task_facts(detail.task, t, tz, blocked_by=detail.blocked_by))
        self.query_one("#task-messages", Static).update(
            Group(render.title(t("pane.thread")), render.thread(detail.messages, t, tz)))
        self.query_one("#task-attachments", Static).update(
            Group(render.title(t("pane.attachments")), render.attachments(detail.messages, t)))
        self._show_clocks(self.desk.now())
        self.query_one("#task-verdict", Static).update(
            Group(render.title(t("pane.verdict")), verdict_card(detail.task.verdict, t)))
        self.query_one("#task-relations", Static).update(
            Group(render.title(t("pane.subtasks")), render.subtasks(detail.task, t),
                  render.title(t("pane.escalations")), render.escalations(detail.escalations, t, tz)))
        self.query_one("#task-history", Static).update(
            Group(render.title(t("pane.history")), render.history(detail.history, t, tz)))

    def _show_clocks(self, now) -> None:
        self.query_one("#task-clocks", Static).update(
            Group(render.title(self.t("pane.clocks")),
                  render.clocks(self.detail.clocks, now, self.desk.calendar, self.t, self.tz)))

    def target(self):
        return self.detail.task if self.detail is not None else None

    def after_write(self, key: str | None) -> None:
        self.load()

    def on_desk_changed(self) -> None:
        self.load()

    def action_refresh(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_escalate(self) -> None:
        from dutydesk.services.escalation import escalate

        def recorded(answer) -> None:
            if answer:
                key = answer.pop("key")
                self.call(escalate, key, group="write", write=True, **answer,
                          done=lambda item: (self.tell(self.t("esc.recorded", key=item.key, level=int(item.level))),
                                             self.load()))

        self.app.push_screen(EscalatePrompt(self.t, self.tz, key=self.key), recorded)
