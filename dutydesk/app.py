"""The Textual app of dutydesk: screens, global keys, the live-refresh poll, and measurement hooks.

Thin on purpose: each screen lives in ``dutydesk.screens``, each reusable
piece in ``dutydesk.widgets``; the regulation is in ``dutydesk.domain`` and
the database in the services, which run in thread workers only.

Live refresh: every ``settings.refresh_seconds`` a thread worker reads
``desk.change_counter()`` (the newest audit event id, which grows with any
change by any desk); when it grew, the current screen reloads what it shows
(``on_desk_changed``), keeping its cursor on the same task.

Measurement hooks for ``bench/``: ``app.first_rows_at`` (seconds from the
app's construction to the first pool rows painted, also posted as
:class:`PoolShown`) and ``app.metrics`` (``"repaint:priority"``: key →
first repaint showing the new priority; ``"settled:priority"``: key → the
reloaded window painted), in milliseconds.
"""

from __future__ import annotations

import time
from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.message import Message

from dutydesk.i18n import Catalogue
from dutydesk.widgets.keys import localise_bindings
from dutydesk.screens.palette import DeskCommands


class PoolShown(Message):
    """The first pool rows reached the screen, ``seconds`` after the app was built."""

    def __init__(self, seconds: float, rows: int, total: int) -> None:
        super().__init__()
        self.seconds, self.rows, self.total = seconds, rows, total


class DeskChanged(Message):
    """Another desk (or this one) changed the store: the change counter grew to ``counter``."""

    def __init__(self, counter: int) -> None:
        super().__init__()
        self.counter = counter


class DutyDeskApp(App):
    """The lead's desk. ``DutyDeskApp(desk, language="ru").run()``; tests use ``run_test()``."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "dutydesk"
    COMMANDS = {DeskCommands}
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        # Shown on the right of the top bar (see TopBar), not at the end of a crowded footer.
        Binding("e", "escalations", "escalations", id="escalations", show=False),
        Binding("c", "lookup", "lookup", id="lookup", show=False),
        Binding("y", "history", "history", id="history", show=False),
        Binding("question_mark", "help", "help", id="help", show=False),
        Binding("ctrl+p", "command_palette", "palette", id="command-palette", show=False, priority=True),
        Binding("q", "quit", "quit", id="quit", show=False),
    ]

    def __init__(self, desk, *, language: str = "en", poll: bool = True, cursor_blink: bool = True) -> None:
        self.launched_at = time.perf_counter()
        super().__init__()
        self.desk = desk
        self.t = Catalogue(language)
        self.poll_enabled = poll
        self.cursor_blink = cursor_blink
        self.seen_counter: int | None = None
        self.first_rows_at: float | None = None
        self.metrics: dict[str, list[float]] = {}
        self.pending_key: dict[str, float] = {}
        localise_bindings(self, self.t)
        keymap = dict(desk.settings.keymap or {})
        if keymap:
            self.set_keymap(keymap)

    def on_mount(self) -> None:
        from dutydesk.screens.pool import PoolScreen

        self.push_screen(PoolScreen())
        self._check_keymap()
        if self.poll_enabled:
            self.set_interval(max(0.2, float(self.desk.settings.refresh_seconds)), self.poll_changes)
            self.poll_changes()
            if self.desk.engine.dialect.name == "postgresql":
                self.listen_for_changes()

    def _check_keymap(self) -> None:
        """A keymap entry naming no binding is a typo the lead should hear about, not silence.

        Checking imports every screen, so it runs only when there is a keymap to check.
        """
        if not self.desk.settings.keymap:
            return
        from dutydesk.screens.keys import known_binding_ids

        for binding_id in sorted(set(self.desk.settings.keymap or {}) - known_binding_ids(self)):
            self.notify(self.t("keymap.unknown", id=binding_id), severity="warning", markup=False)

    # --- live refresh -------------------------------------------------------------------------------

    def poll_changes(self) -> None:
        desk = self.desk

        def job() -> None:
            try:
                counter = desk.change_counter()
            except Exception:  # a busy or vanished database: try again at the next poll
                return
            self.post_message(DeskChanged(counter))

        self.run_worker(job, name="change-counter", group="counter", thread=True, exclusive=True,
                        exit_on_error=False)

    def listen_for_changes(self) -> None:
        """PostgreSQL pushes each commit (LISTEN/NOTIFY): another desk's change shows at once, not at the next poll.

        The poll keeps running as the fallback (a dropped listen connection just
        means changes arrive at the poll's pace again).
        """
        desk = self.desk

        def job() -> None:
            from textual.worker import get_current_worker

            from dutydesk.services.desk_events import listening

            worker = get_current_worker()
            try:
                with listening(desk) as listener:
                    while not worker.is_cancelled:
                        if listener.wait(1.0):
                            self.post_message(DeskChanged(desk.change_counter()))
            except Exception:  # the server went away: polling carries on
                return

        self.run_worker(job, name="listen", group="listen", thread=True, exclusive=True, exit_on_error=False)

    def on_desk_changed(self, message: DeskChanged) -> None:
        first = self.seen_counter is None
        if not first and message.counter <= self.seen_counter:
            return
        self.seen_counter = message.counter
        if not first:
            handler = getattr(self.screen, "on_desk_changed", None)
            if handler is not None:
                handler()

    def saw_counter(self, counter: int) -> None:
        """Our own write's counter: its reload is already on the way, the poll need not repeat it."""
        self.seen_counter = max(self.seen_counter or 0, counter)

    # --- measurement hooks ----------------------------------------------------------------------------

    def mark_pool_shown(self, rows: int, total: int) -> None:
        if self.first_rows_at is None:
            self.first_rows_at = time.perf_counter() - self.launched_at
            self.post_message(PoolShown(self.first_rows_at, rows, total))

    def pending_key_started(self, name: str, started: float) -> None:
        self.pending_key[name] = started

    def record_metric(self, name: str, started: float) -> None:
        self.metrics.setdefault(name, []).append((time.perf_counter() - started) * 1000)

    # --- global keys ------------------------------------------------------------------------------------

    def action_escalations(self) -> None:
        from dutydesk.screens.escalations import EscalationsScreen

        if not isinstance(self.screen, EscalationsScreen):
            self.push_screen(EscalationsScreen())

    def action_lookup(self) -> None:
        from dutydesk.screens.lookup import LookupScreen

        if not isinstance(self.screen, LookupScreen):
            self.push_screen(LookupScreen())

    def action_history(self) -> None:
        from dutydesk.screens.history import HistoryScreen

        if not isinstance(self.screen, HistoryScreen):
            self.push_screen(HistoryScreen())

    def action_help(self) -> None:
        from dutydesk.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))


def run_app(desk, *, language: str) -> None:
    """Open the desk in this terminal (called lazily by ``dutydesk`` without a sub-command)."""
    DutyDeskApp(desk, language=language).run()
