"""``c``: is this sender on support? (R-TRI-1, R-ELIG-1..4) — the verdict updates as you type.

An address gives its verdict (matched by address, or by domain unless it is
free mail); a domain, a client id or a name fragment lists every matching
client. The card shows every basis with its dates — expired ones struck
through — and the projects with their managers. ``ctrl+o`` opens the
chosen client's tasks in the pool.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from dutydesk.screens.base import DeskScreen
from dutydesk.services.eligibility import lookup
from dutydesk.textsafe import safe_line
from dutydesk.widgets.bars import TopBar
from dutydesk.widgets.verdict_card import verdict_card

TYPING_PAUSE = 0.2


class LookupScreen(DeskScreen):
    BINDINGS = [
        Binding("ctrl+o", "client_tasks", "client's tasks", id="client-tasks"),
        Binding("escape", "back", "back", id="back"),
    ]

    def __init__(self, query: str = "") -> None:
        super().__init__()
        self.query_text = query
        self.cards: list = []
        self._timer = None

    def screen_title(self) -> str:
        return self.t("screen.lookup")

    def compose(self) -> ComposeResult:
        yield TopBar(id="topbar")
        yield Input(self.query_text, placeholder=self.t("lookup.placeholder"), id="lookup-input")
        with Horizontal(id="lookup-body"):
            yield OptionList(id="lookup-list")
            with VerticalScroll(id="lookup-card-box"):
                yield Static(Text(self.t("lookup.hint"), style="dim"), id="lookup-card")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.show_top_bar()
        self.query_one("#lookup-input", Input).focus()
        if self.query_text:
            self.search(self.query_text)

    @on(Input.Changed, "#lookup-input")
    def _typed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        text = event.value
        self._timer = self.set_timer(TYPING_PAUSE, lambda: self.search(text))

    @on(Input.Submitted, "#lookup-input")
    def _submitted(self) -> None:
        if self.cards:
            self.query_one("#lookup-list", OptionList).focus()

    def search(self, text: str) -> None:
        self.query_text = text
        if not text.strip():
            self._show([])
            return
        self.call(lookup, text, group="lookup", done=self._show)

    def _show(self, cards) -> None:
        self.cards = list(cards)
        options = self.query_one("#lookup-list", OptionList)
        options.clear_options()
        for i, card in enumerate(self.cards):
            v = card.verdict
            label = Text("● " if v.eligible else "○ ", style="#5fd75f" if v.eligible else "#d75f5f")
            label.append(safe_line(v.client_name or v.sender or "—"))
            label.append(f"  {v.rule}", style="dim")
            options.add_option(Option(label, id=str(i)))
        if self.cards:
            options.highlighted = 0
            self._card(0)
        elif self.query_text.strip():
            self.query_one("#lookup-card", Static).update(
                Text(self.t("lookup.nothing", query=safe_line(self.query_text)), style="dim"))
        else:
            self.query_one("#lookup-card", Static).update(Text(self.t("lookup.hint"), style="dim"))

    @on(OptionList.OptionHighlighted, "#lookup-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_index is not None:
            self._card(event.option_index)

    @on(OptionList.OptionSelected, "#lookup-list")
    def _selected(self) -> None:
        self.action_client_tasks()

    def _card(self, index: int) -> None:
        if 0 <= index < len(self.cards):
            self.query_one("#lookup-card", Static).update(verdict_card(self.cards[index].to_json(), self.t))

    def action_client_tasks(self) -> None:
        """Back to the pool, filtered to the chosen client (its open tasks in the order of work)."""
        options = self.query_one("#lookup-list", OptionList)
        index = options.highlighted
        if index is None or not (0 <= index < len(self.cards)) or not self.cards[index].verdict.client_id:
            return
        client_id = self.cards[index].verdict.client_id
        from dataclasses import replace

        from dutydesk.screens.pool import PoolScreen
        from dutydesk.services.pool import PoolFilter

        self.app.pop_screen()
        pool = next((s for s in self.app.screen_stack if isinstance(s, PoolScreen)), None)
        if pool is not None:
            pool.apply_filter(replace(PoolFilter(), client_id=client_id))

    def action_back(self) -> None:
        self.app.pop_screen()
