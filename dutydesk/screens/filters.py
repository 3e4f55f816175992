"""``f``: narrow the pool by project, client, priority, status, breaches, and the search text.

Projects and clients come from the registry through the lookup service
(an empty query lists every client with its projects); the answer is a
``PoolFilter`` the pool reads its windows with. The dialog opens at once
with the current filter; the lists fill in when the worker returns.
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select

from dutydesk.domain.priority import Priority, Status
from dutydesk.screens.base import DeskScreen
from dutydesk.services.eligibility import lookup
from dutydesk.services.pool import PoolFilter
from dutydesk.textsafe import safe_line
from dutydesk.widgets.prompts import field_row

ANY = ""
UNTRIAGED = "untriaged"


class FiltersScreen(ModalScreen, DeskScreen):
    """A modal over the pool (ModalScreen first, so its see-through background applies)."""

    BINDINGS = [
        Binding("escape", "cancel", "cancel", id="cancel"),
        Binding("ctrl+s", "apply", "apply", id="apply"),
        Binding("ctrl+r", "clear", "clear", id="clear-filters"),
    ]

    def __init__(self, where: PoolFilter) -> None:
        super().__init__()
        self.where = where

    def compose(self) -> ComposeResult:
        t, w = self.t, self.where
        with Vertical(id="filters"):
            yield Label(Text(t("screen.filters"), style="bold"), classes="filters-title")
            yield from field_row(t("filter.project"), Select([(t("filter.any"), ANY)], value=ANY, allow_blank=False,
                                                             id="f-project", compact=True))
            yield from field_row(t("filter.client"), Select([(t("filter.any"), ANY)], value=ANY, allow_blank=False,
                                                            id="f-client", compact=True))
            priority = UNTRIAGED if w.untriaged else (str(int(w.priority)) if w.priority else ANY)
            yield from field_row(t("filter.priority"), Select(
                [(t("filter.any"), ANY), (t("filter.untriaged"), UNTRIAGED),
                 *[(f"{p.value} · {p.russian} / {p.english}", str(p.value)) for p in Priority]],
                value=priority, allow_blank=False, id="f-priority", compact=True))
            yield from field_row(t("filter.status"), Select(
                [(t("filter.any"), ANY), *[(t(f"status.{s.value}"), s.value) for s in Status]],
                value=w.status or ANY, allow_blank=False, id="f-status", compact=True))
            yield from field_row(t("filter.breached"), Checkbox("", w.breached_only, id="f-breached", compact=True))
            yield from field_row(t("key.search"), Input(w.search or "", placeholder=t("pool.search"), id="f-search",
                                                        compact=True))
            with Horizontal(classes="buttons"):
                yield Button(t("key.clear-filters"), id="clear")
                yield Button(t("prompt.cancel"), id="cancel")
                yield Button(t("key.apply"), variant="primary", id="apply")

    def on_mount(self) -> None:
        self.query_one("#f-priority").focus()
        self.call(lookup, "", group="registry", done=self._registry)

    def _registry(self, cards) -> None:
        """Fill the project and client lists, keeping the current choice."""
        clients, projects = {}, {}
        for card in cards:
            v = card.verdict
            if v.client_id:
                clients[v.client_id] = v.client_name or v.client_id
            for pid, name, _mid, _mname in card.projects:
                projects[pid] = f"{name} ({v.client_name or v.client_id})"
        w = self.where
        self._fill("#f-project", projects, w.project_id)
        self._fill("#f-client", clients, w.client_id)

    def _fill(self, selector: str, items: dict[str, str], current: str | None) -> None:
        select = self.query_one(selector, Select)
        options = [(Text(self.t("filter.any")), ANY),
                   *[(Text(safe_line(label)), key) for key, label in sorted(items.items(), key=lambda i: i[1])]]
        select.set_options(options)
        select.value = current if current in items else ANY

    def _value(self, selector: str) -> str:
        value = self.query_one(selector, Select).value
        return value if isinstance(value, str) else ANY

    def action_apply(self) -> None:
        priority = self._value("#f-priority")
        self.dismiss(replace(
            PoolFilter(),
            project_id=self._value("#f-project") or None,
            client_id=self._value("#f-client") or None,
            untriaged=priority == UNTRIAGED,
            priority=Priority(int(priority)) if priority not in (ANY, UNTRIAGED) else None,
            status=self._value("#f-status") or None,
            breached_only=self.query_one("#f-breached", Checkbox).value,
            search=self.query_one("#f-search", Input).value.strip() or None,
        ))

    def action_clear(self) -> None:
        self.dismiss(PoolFilter())

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed)
    def _button(self, event: Button.Pressed) -> None:
        {"apply": self.action_apply, "clear": self.action_clear, "cancel": self.action_cancel}[event.button.id]()

    @on(Input.Submitted, "#f-search")
    def _submitted(self) -> None:
        self.action_apply()
