"""The home screen: the pool in the order of work (R-POOL-1..3), triaged and worked by single keys.

Only the window of rows around the viewport is ever read
(``pool_listing(offset=…, limit=…)``) and only the visible lines are
rendered (:class:`~dutydesk.widgets.pool_table.PoolTable`), so the screen
stays instant at 100k tasks. The clocks tick every second from the rows'
``due_at`` without touching the database; another desk's change arrives
through the app's change-counter poll and reloads the window with the
cursor kept on the same task.
"""

from __future__ import annotations

import time
from dataclasses import replace

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.widgets import Footer, Input

from dutydesk.domain.priority import Priority
from dutydesk.screens.base import DeskScreen
from dutydesk.screens.task_actions import TaskActions, warm_imports
from dutydesk.services import pool as pool_service
from dutydesk.services.pool import PoolFilter, pool_listing
from dutydesk.textsafe import safe_line
from dutydesk.widgets.bars import CountsBar, TopBar
from dutydesk.widgets.pool_table import PoolTable
from dutydesk.widgets.task_pane import TaskPane

PRIORITY_GROUP = Binding.Group("priority", compact=True)
FIRST_WINDOW = 120
BREACH_RECOUNT_SECONDS = 20.0


def priority_bindings() -> list[Binding]:
    """``1``–``5``: R-TRI-3 from the keyboard, one binding id per level so each can be rebound."""
    return [Binding(str(p.value), f"set_priority({p.value})", p.english, id=f"priority-{p.value}",
                    group=PRIORITY_GROUP, tooltip=f"Set priority {p.english} / {p.russian}") for p in Priority]


class PoolScreen(TaskActions, DeskScreen):
    """| key | action |
    |-----|--------|
    | 1–5 | set priority | a | acknowledgement | t | take | n | take next | w | wait for client |
    | s | split | h | hand off | / | search | f | filters | enter | open | x | snapshot | r | refresh |
    """

    BINDINGS = [
        *priority_bindings(),
        Binding("a", "ack", "ack", id="ack"),
        Binding("t", "take", "take", id="take"),
        Binding("n", "take_next", "next", id="take-next"),
        Binding("w", "wait", "ask client", id="wait"),
        Binding("s", "split", "split", id="split"),
        Binding("h", "hand_off", "hand off", id="hand-off"),
        Binding("enter", "open", "open", id="open"),
        Binding("slash", "search", "search", id="search"),
        Binding("f", "filters", "filters", id="filters"),
        Binding("x", "export", "snapshot", id="export"),
        Binding("r", "refresh", "refresh", id="refresh"),
    ]
    #: Task actions without a key here (the task screen has them); the palette offers them for the row.
    PALETTE_EXTRA = (("out-of-scope", "out_of_scope"), ("done", "done"), ("resume", "resume"))

    def __init__(self) -> None:
        super().__init__()
        self.where = PoolFilter()
        self.counts: dict[str, int] = {}
        self.breached: int | None = None
        self._breach_counted_at = 0.0
        self._counting = False
        self._detail_for: tuple[str, int] | None = None
        self._detail_timer = None
        self._search_timer = None
        self._shown_once = False

    def screen_title(self) -> str:
        return self.t("screen.pool")

    def compose(self) -> ComposeResult:
        desk = self.desk
        yield TopBar(id="topbar")
        yield CountsBar(id="counts")
        with Container(id="pool-body"):
            yield PoolTable(self.t, desk.calendar, desk.now(), id="pool-table")
            yield TaskPane(self.t, desk.calendar, self.tz, id="task-pane")
        yield Input(placeholder=self.t("pool.search"), id="search", compact=True)
        yield Footer(compact=True)

    @property
    def table(self) -> PoolTable:
        return self.query_one(PoolTable)

    def on_mount(self) -> None:
        self.table.focus()
        self._tick()
        self.set_interval(1.0, self._tick)
        self.reload()  # the breach count waits for the first window: both would build the calendar at once

    def on_resize(self) -> None:
        self.set_class(self.size.width >= 160, "-wide")
        self.set_class(self.size.height < 30, "-short")

    def on_screen_resume(self) -> None:
        if self._shown_once:
            self.reload(follow=self.selected_key)

    # --- the clocks ----------------------------------------------------------------------------

    def _tick(self) -> None:
        now = self.desk.now()
        self.show_top_bar(now)
        self.table.tick(now)
        if self.table.current is not None:
            self.query_one(TaskPane).show_row(self.table.current, now)

    # --- reading the pool -------------------------------------------------------------------------

    @property
    def selected_key(self) -> str | None:
        row = self.table.current
        return row.key if row is not None else None

    def reload(self, follow: str | None = None) -> None:
        """Read the window around the viewport again; the cursor follows ``follow`` (a task key)."""
        table = self.table
        offset, limit = table.window_hint() if table.loaded else (0, FIRST_WINDOW)
        self.call(pool_listing, group="window", limit=limit, offset=offset, where=self.where,
                  done=lambda listing: self._shown(listing, offset, follow))

    @on(PoolTable.WindowWanted)
    def _window_wanted(self, message: PoolTable.WindowWanted) -> None:
        offset = message.offset
        self.call(pool_listing, group="window", limit=message.limit, offset=offset, where=self.where,
                  done=lambda listing: self._shown(listing, offset, None))

    def _shown(self, listing, offset: int, follow: str | None) -> None:
        table = self.table
        table.show_window(offset, listing.rows, listing.total, follow=follow)
        self.counts = {k: v for k, v in listing.counts.items() if k != "breached"}
        self._show_counts()
        app = self.app
        if not self._shown_once:
            self._shown_once = True
            self.call_after_refresh(self._first_rows_painted, len(listing.rows), listing.total)
        started = app.pending_key.pop("priority", None)
        if started is not None:
            self.call_after_refresh(app.record_metric, "settled:priority", started)
        if follow and table.current is not None and table.current.key != follow:
            self._locate(follow)

    def _first_rows_painted(self, rows: int, total: int) -> None:
        """Only now the whole-pool breach count starts: clocking every open task in a worker
        thread would otherwise compete with the first paint for the interpreter."""
        self.app.mark_pool_shown(rows, total)
        self.count_breaches(force=True)
        self.run_worker(warm_imports, name="warm-imports", group="warm", thread=True, exit_on_error=False)

    def _locate(self, key: str) -> None:
        """The followed task left the window: find its position if the service can tell, else say so."""
        position = getattr(pool_service, "pool_position", None)
        if position is None:
            self.tell(self.t("moved.away", key=key))
            return

        def found(index: int | None) -> None:
            if index is None:
                self.tell(self.t("moved.away", key=key))
                return
            limit = max(self.table.page_rows * 3, 60)
            offset = max(0, index - limit // 2)
            self.table.cursor = index
            self.call(pool_listing, group="window", limit=limit, offset=offset, where=self.where,
                      done=lambda listing: self._shown(listing, offset, key))

        self.call(position, key, group="locate", where=self.where, done=found)

    def count_breaches(self, *, force: bool = False) -> None:
        """Breaches over the whole pool: a clock per open task, so counted now and then, never per key.

        ``pool_listing(breached_only=True)`` clocks every open row (seconds at
        100k tasks), so one count runs at a time, at most every
        ``BREACH_RECOUNT_SECONDS``; ``pool_breach_count`` is used instead as
        soon as the service offers it.
        """
        now = time.monotonic()
        if self._counting or (not force and now - self._breach_counted_at < BREACH_RECOUNT_SECONDS):
            return
        self._breach_counted_at, self._counting = now, True

        def counted(total: int) -> None:
            self._counting = False
            self.breached = total
            self._show_counts()

        def failed(error: str) -> None:
            self._counting = False
            self.fail(error)

        self.call(breach_count, group="breaches", done=counted, failed=failed)

    def _show_counts(self) -> None:
        self.query_one(CountsBar).show(self.counts, breached=self.breached, shown=self.table.total,
                                       filter_text=self._filter_text(), t=self.t)

    def _filter_text(self) -> str | None:
        w, t, parts = self.where, self.t, []
        if w.project_id:
            parts.append(f"{t('filter.project')} {w.project_id}")
        if w.client_id:
            parts.append(f"{t('filter.client')} {w.client_id}")
        if w.untriaged:
            parts.append(t("filter.untriaged"))
        elif w.priority is not None:
            parts.append(w.priority.russian)
        if w.status:
            parts.append(t(f"status.{w.status}"))
        if w.breached_only:
            parts.append(t("filter.breached"))
        if w.search:
            parts.append(f"“{safe_line(w.search)}”")
        return " · ".join(parts) or None

    # --- the selected task -----------------------------------------------------------------------------

    @on(PoolTable.Highlighted)
    def _highlighted(self, message: PoolTable.Highlighted) -> None:
        row = message.row
        self.query_one(TaskPane).show_row(row, self.table.now)
        if row is None or self._detail_for == (row.key, row.version):
            return
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(0.12, lambda: self._load_detail(row.key, row.version))

    def _load_detail(self, key: str, version: int) -> None:
        from dutydesk.services.task_detail import task_detail

        def done(detail) -> None:
            self._detail_for = (key, version)
            self.query_one(TaskPane).show_detail(detail, self.desk.now())

        self.call(task_detail, key, group="detail", done=done)

    def target(self):
        return self.table.current

    def after_write(self, key: str | None) -> None:
        self._detail_for = None
        self.reload(follow=key)
        self.count_breaches()

    def show_pending(self, key: str, priority: Priority) -> bool:
        return self.table.patch(key, priority=priority)

    def on_desk_changed(self) -> None:
        self._detail_for = None
        self.reload(follow=self.selected_key)
        self.count_breaches()

    # --- keys ------------------------------------------------------------------------------------------

    def action_open(self) -> None:
        row = self._selected()
        if row is not None:
            from dutydesk.screens.task import TaskScreen

            self.app.push_screen(TaskScreen(row.key))

    def action_refresh(self) -> None:
        self._detail_for = None
        self.reload(follow=self.selected_key)
        self.count_breaches(force=True)

    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        box.add_class("-shown")
        box.focus()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(0.25, lambda: self.apply_filter(replace(self.where,
                                                                                    search=event.value.strip() or None)))

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        self.table.focus()

    def key_escape(self) -> None:
        box = self.query_one("#search", Input)
        if box.has_class("-shown"):
            box.value = ""
            box.remove_class("-shown")
            self.table.focus()
            self.apply_filter(replace(self.where, search=None))

    def apply_filter(self, where: PoolFilter) -> None:
        """A new filter starts from the top of its own order."""
        if where == self.where:
            return
        self.where = where
        self.table.cursor = 0
        self.table.scroll_to(y=0, animate=False, immediate=True)
        self.table.loaded = False
        self.reload()

    def action_filters(self) -> None:
        from dutydesk.screens.filters import FiltersScreen

        self.app.push_screen(FiltersScreen(self.where), lambda where: self.apply_filter(where) if where else None)

    def action_export(self) -> None:
        try:
            from dutydesk.services import snapshot
        except ImportError:
            self.tell(self.t("export.unavailable"))
            return
        self.call(export_today, snapshot, group="export", done=lambda path: self.tell(self.t("done.export", path=path)))


def breach_count(desk) -> int:
    """Open tasks with a breached clock (R-ESC-1 a/b and R-SLA-VAL), by the cheapest service available."""
    counter = getattr(pool_service, "pool_breach_count", None)
    if counter is not None:
        return counter(desk)
    return pool_listing(desk, limit=1, where=PoolFilter(breached_only=True)).total


def export_today(desk, snapshot) -> object:
    """Today's pool as CSV in the snapshot folder (``export_snapshot`` returns text when given no path)."""
    day = desk.now().astimezone(desk.settings.tz).date()
    return snapshot.export_snapshot(desk, fmt="csv", path=snapshot.snapshot_dir(desk) / snapshot.file_name(day, "csv"))
