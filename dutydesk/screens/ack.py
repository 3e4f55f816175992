"""The acknowledgement composer (R-TRI-4): the exact message the client will get, then send.

The service renders the draft (headers included: From, To, Cc, Subject,
In-Reply-To, Auto-Submitted) so what the lead sees is what goes out; the
body is editable, the headers are not. From the pool it is "select, digit,
``a``, Enter": the Send button has the focus when the draft arrives.

The mail service (``dutydesk.services.ack``) is written separately; until
it imports, this screen says so instead of pretending to send.
"""

from __future__ import annotations

import importlib

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Footer, Label, Static, TextArea

from dutydesk.screens.base import DeskScreen
from dutydesk.textsafe import safe_line, safe_text
from dutydesk.widgets.bars import TopBar


def ack_service():
    """The mail service module, or None while it does not exist yet."""
    try:
        return importlib.import_module("dutydesk.services.ack")
    except ImportError:
        return None


class AckScreen(DeskScreen):
    """Dismisses with True when the acknowledgement was sent or saved, None when cancelled."""

    BINDINGS = [
        Binding("ctrl+s", "send", "send", id="send"),
        Binding("ctrl+o", "outbox", "to outbox", id="outbox"),
        Binding("escape", "cancel", "cancel", id="cancel"),
    ]

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key
        self.draft = None
        self.service = ack_service()

    def screen_title(self) -> str:
        return f"{self.t('screen.ack')} {self.key}"

    def compose(self) -> ComposeResult:
        yield TopBar(id="topbar")
        yield Static(Text(self.t("ack.loading"), style="dim"), id="ack-headers")
        yield Label(self.t("ack.body"), id="ack-body-label")
        yield TextArea("", id="ack-body", soft_wrap=True, show_line_numbers=False)
        with Horizontal(id="ack-buttons"):
            yield Button(self.t("key.send"), variant="primary", id="send")
            yield Button(self.t("key.outbox"), id="outbox")
            yield Button(self.t("key.cancel"), id="cancel")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.show_top_bar()
        if self.service is None:
            self._unavailable()
            return
        self.call(self.service.preview_ack, self.key, group="ack", done=self._drafted, failed=self._failed)

    def _unavailable(self) -> None:
        self.query_one("#ack-headers", Static).update(Text(self.t("ack.unavailable"), style="bold #ffaf00"))
        for part in ("#ack-body", "#send", "#outbox"):
            self.query_one(part).disabled = True
        self.query_one("#cancel", Button).focus()

    def _failed(self, error: str) -> None:
        self.fail(error)
        self.query_one("#ack-headers", Static).update(Text(safe_line(error), style="bold #ff5f5f"))
        self.query_one("#cancel", Button).focus()

    def _drafted(self, draft) -> None:
        self.draft = draft
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        for name, value in draft.headers:
            grid.add_row(Text(safe_line(name) + ":"), Text(safe_line(value)))
        self.query_one("#ack-headers", Static).update(grid)
        self.query_one("#ack-body", TextArea).load_text(safe_text(draft.text))
        self.query_one("#send", Button).focus()

    def _send(self, *, to_outbox: bool) -> None:
        if self.service is None or self.draft is None:
            return
        body = self.query_one("#ack-body", TextArea).text
        edited = body if body.strip() != safe_text(self.draft.text).strip() else None

        def done(result) -> None:
            state = self.t(f"ack.state.{result.state}") if self.t.has(f"ack.state.{result.state}") else result.state
            line = self.t("ack.sent", key=self.key, state=state, detail=safe_line(result.detail or ""))
            # A failed send is recorded and retried from the outbox; the lead must still hear it failed.
            (self.fail if result.state == "failed" else self.tell)(line)
            self.dismiss(True)

        for part in ("#send", "#outbox"):
            self.query_one(part).disabled = True
        self.call(self.service.send_ack, self.key, group="write", write=True, done=done,
                  failed=self._send_failed, text=edited, to_outbox=to_outbox)

    def _send_failed(self, error: str) -> None:
        self.fail(error)
        for part in ("#send", "#outbox"):
            self.query_one(part).disabled = False

    def action_send(self) -> None:
        self._send(to_outbox=False)

    def action_outbox(self) -> None:
        self._send(to_outbox=True)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed)
    def _button(self, event: Button.Pressed) -> None:
        {"send": self.action_send, "outbox": self.action_outbox, "cancel": self.action_cancel}[event.button.id]()
