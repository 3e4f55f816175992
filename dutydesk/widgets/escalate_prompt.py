"""Recording a client's call (R-ESC-1..3): which task, why, at which level, a note, a deadline for (d).

The task is asked first because on the phone it is the first question
(R-ESC-4); the escalation screen pre-fills it from the selected line or
from the finder. Validation that needs the store (is the task open, can
it be re-qualified) stays in the service, whose refusal the screen shows.
"""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.widgets import Input, Select

from dutydesk.clock import BadMoment, parse_moment
from dutydesk.domain.escalation import Level, Trigger
from dutydesk.i18n import Catalogue
from dutydesk.widgets.prompts import _Prompt, field_row


class EscalatePrompt(_Prompt):
    """Answers ``{"key", "trigger", "level", "note", "deadline"}`` ready for ``escalation.escalate``."""

    def __init__(self, t: Catalogue, tz, *, key: str = "", trigger: str = Trigger.REQUALIFY.value,
                 level: int = 1) -> None:
        super().__init__(t, t("prompt.escalate"))
        self.tz, self.key, self.trigger, self.level = tz, key, trigger, level

    def fields(self) -> ComposeResult:
        t = self.t
        yield from field_row(t("label.task"), Input(self.key, placeholder=t("prompt.task_key"), id="esc-key",
                                                    compact=True))
        yield from field_row(t("label.trigger"), Select(
            [(t(f"esc.trigger.{tr.value}"), tr.value) for tr in Trigger], value=self.trigger, allow_blank=False,
            id="esc-trigger", compact=True))
        yield from field_row(t("label.level"), Select(
            [(t(f"esc.level.{lv.value}"), lv.value) for lv in Level], value=self.level, allow_blank=False,
            id="esc-level", compact=True))
        yield from field_row(t("label.note"), Input(placeholder=t("prompt.note"), id="esc-note", compact=True))
        yield from field_row(t("label.deadline"), Input(placeholder=t("prompt.deadline"), id="esc-deadline",
                                                        compact=True))

    def on_mount(self) -> None:
        self.query_one("#esc-key" if not self.key else "#esc-trigger").focus()

    def answer(self) -> dict:
        key = self.query_one("#esc-key", Input).value.strip().upper()
        if not key:
            raise ValueError(self.t("prompt.task_key"))
        deadline_text = self.query_one("#esc-deadline", Input).value.strip()
        deadline: datetime | None = None
        if deadline_text:
            try:
                deadline = parse_moment(deadline_text, self.tz)
            except BadMoment as exc:
                raise ValueError(str(exc)) from None
        return {"key": key, "trigger": self.query_one("#esc-trigger", Select).value,
                "level": int(self.query_one("#esc-level", Select).value),
                "note": self.query_one("#esc-note", Input).value.strip() or None, "deadline": deadline}

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id in ("esc-note", "esc-deadline"):
            self.action_accept()
