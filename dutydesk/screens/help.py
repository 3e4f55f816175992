"""``?``: the keys of the screen below, generated from its live bindings (user keymap applied).

Nothing here is written by hand: the table is the calling screen's
``active_bindings`` (its own, its focused widget's and the app's), so the
help can never drift from what the keys really do, and a key rebound in
the config shows up rebound.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from dutydesk.widgets.keys import localise_bindings


def binding_rows(screen: Screen) -> list[tuple[str, str, str, str]]:
    """(key as shown, footer label, what it does, binding id) for every binding with an id."""
    app = screen.app
    rows = []
    seen: set[str] = set()
    for key, active in screen.active_bindings.items():
        b = active.binding
        if not b.id or b.id in seen or b.system:
            continue
        seen.add(b.id)
        rows.append((app.get_key_display(b), b.description, b.tooltip or b.description, b.id))
    return rows


class HelpScreen(ModalScreen):
    BINDINGS = [
        Binding("escape", "close", "back", id="back"),
        Binding("question_mark", "close", "help", id="help", show=False),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 110; height: 90%; border: thick $accent;
                                  background: $surface; padding: 0 1; }
    """

    def __init__(self, below: Screen) -> None:
        super().__init__()
        self.below = below
        localise_bindings(self, self.app.t)

    def compose(self) -> ComposeResult:
        t = self.app.t
        table = Table(title=t("screen.help"), expand=True, header_style="bold")
        table.add_column(t("help.key"), no_wrap=True, style="bold #ffaf00")
        table.add_column(t("help.action"))
        table.add_column(t("help.id"), style="dim", no_wrap=True)
        for key, label, tip, binding_id in binding_rows(self.below):
            table.add_row(Text(key), Text(tip), Text(binding_id))
        with VerticalScroll():
            yield Static(table, id="help-table")
            yield Static(Text(t("help.footer"), style="dim"))

    def action_close(self) -> None:
        self.dismiss(None)
