"""Small modal dialogs that ask the lead for one thing: a question, subtask titles, a hand-off reason.

Each returns its answer through ``dismiss`` (None when cancelled) so the
calling screen stays a few lines: ``push_screen(TextPrompt(...), callback)``.
Escape always cancels; Enter accepts a one-line answer, ``ctrl+s`` a
multi-line one (Enter there is a new line).
"""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static, TextArea

from dutydesk.i18n import Catalogue
from dutydesk.widgets.keys import localise_bindings, steady_cursors


def field_row(label: str, widget) -> ComposeResult:
    """``Label  [field]`` on one line: compact fields keep a five-field dialog inside 24 rows."""
    with Horizontal(classes="field-row"):
        yield Label(label)
        yield widget


class _Prompt(ModalScreen):
    """Shared frame: a title, the fields, OK / Cancel."""

    BINDINGS = [
        Binding("escape", "cancel", "cancel", id="cancel"),
        Binding("ctrl+s", "accept", "OK", id="accept"),
    ]
    DEFAULT_CSS = """
    _Prompt { align: center middle; }
    _Prompt > Vertical { width: 80%; max-width: 100; height: auto; max-height: 90%;
                         border: thick $accent; background: $surface; padding: 0 1; }
    _Prompt .prompt-title { text-style: bold; padding: 0 0 1 0; }
    _Prompt .prompt-error { color: $error; height: auto; }
    _Prompt TextArea { height: 8; }
    _Prompt .buttons { height: auto; align-horizontal: right; padding-top: 1; }
    _Prompt Button { margin-left: 2; }
    _Prompt .field-row { height: 1; margin-bottom: 1; }
    _Prompt .field-row > Label { width: 12; }
    _Prompt .field-row > Input, _Prompt .field-row > Select { width: 1fr; }
    """

    def __init__(self, t: Catalogue, title: str) -> None:
        super().__init__()
        self.t, self.title_text = t, title
        self.accepted = False
        localise_bindings(self, t)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.title_text), classes="prompt-title")
            yield from self.fields()
            yield Static("", classes="prompt-error", id="prompt-error")
            with Horizontal(classes="buttons"):
                yield Button(self.t("prompt.cancel"), id="cancel")
                yield Button(self.t("prompt.ok"), variant="primary", id="ok")

    def fields(self) -> ComposeResult:
        yield from ()

    @on(events.ScreenResume)
    def _steady(self) -> None:
        steady_cursors(self)

    def answer(self):
        """The value to dismiss with, or raise ValueError with a line to show."""
        raise NotImplementedError

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_accept(self) -> None:
        try:
            value = self.answer()
        except ValueError as exc:
            self.query_one("#prompt-error", Static).update(Text(str(exc)))
            return
        self.accepted = True
        self.dismiss(value)

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self.action_accept()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_cancel()


class TextPrompt(_Prompt):
    """One answer: a line (Enter accepts) or a block of text (``ctrl+s`` accepts)."""

    def __init__(self, t: Catalogue, title: str, *, placeholder: str = "", multiline: bool = False,
                 required: bool = True, initial: str = "") -> None:
        super().__init__(t, title)
        self.placeholder, self.multiline, self.required, self.initial = placeholder, multiline, required, initial

    def fields(self) -> ComposeResult:
        if self.multiline:
            yield TextArea(self.initial, id="answer", soft_wrap=True, show_line_numbers=False)
            yield Label(Text("ctrl+s — OK · esc — " + self.t("prompt.cancel")), classes="dim")
        else:
            yield Input(self.initial, placeholder=self.placeholder, id="answer")

    def on_mount(self) -> None:
        self.query_one("#answer").focus()

    def answer(self) -> str | None:
        widget = self.query_one("#answer")
        text = (widget.text if isinstance(widget, TextArea) else widget.value).strip()
        if not text and self.required:
            raise ValueError(self.t("prompt.empty"))
        return text or None

    @on(Input.Submitted, "#answer")
    def _submitted(self) -> None:
        self.action_accept()


class LinesPrompt(TextPrompt):
    """Several answers, one per line (subtask titles, R-WORK-2)."""

    def __init__(self, t: Catalogue, title: str) -> None:
        super().__init__(t, title, multiline=True)

    def answer(self) -> list[str]:
        text = super().answer() or ""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if not lines:
            raise ValueError(self.t("prompt.empty"))
        return lines


HANDOFF_REASONS = ("materials", "module", "docs", "other")


class HandOffPrompt(_Prompt):
    """R-WORK-3's checklist: the three named criteria of "above minimal volume", or other with a note."""

    def fields(self) -> ComposeResult:
        with RadioSet(id="reason"):
            for i, reason in enumerate(HANDOFF_REASONS):
                yield RadioButton(self.t(f"prompt.handoff.{reason}"), value=i == 0, id=f"reason-{reason}")
        yield Input(placeholder=self.t("prompt.note"), id="note")

    def on_mount(self) -> None:
        self.query_one("#reason", RadioSet).focus()

    def answer(self) -> tuple[str, str | None]:
        radio = self.query_one("#reason", RadioSet)
        index = radio.pressed_index if radio.pressed_index >= 0 else 0
        reason = HANDOFF_REASONS[index]
        note = self.query_one("#note", Input).value.strip() or None
        if reason == "other" and not note:
            raise ValueError(self.t("prompt.handoff.other"))
        return reason, note

    @on(Input.Submitted, "#note")
    def _submitted(self) -> None:
        self.action_accept()
