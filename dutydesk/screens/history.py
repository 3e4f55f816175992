"""``y``: the pool's history — the trend of the last working days as a chart, and the stored daily snapshots.

The trend is rebuilt from the audit trail (so it covers days before any
snapshot was stored); the snapshots are the ones ``snapshot take`` kept. Any
of them exports in any format with one key (1–5), into the snapshot folder.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Static
from textual_plotext import PlotextPlot

from dutydesk.screens.base import DeskScreen
from dutydesk.services.report import trend
from dutydesk.services.snapshot import export_snapshot, file_name, list_snapshots, snapshot_dir
from dutydesk.widgets.bars import TopBar

FORMATS = ("csv", "json", "md", "html", "xlsx")
TREND_DAYS = 30


def export_stored(desk, snapshot_id: int, day, fmt: str):
    """One stored snapshot, in ``fmt``, written beside the daily files."""
    return export_snapshot(desk, snapshot_id=snapshot_id, fmt=fmt, path=snapshot_dir(desk) / file_name(day, fmt))


class HistoryScreen(DeskScreen):
    BINDINGS = [
        *(Binding(str(i + 1), f"export('{fmt}')", fmt, id=f"export-{fmt}") for i, fmt in enumerate(FORMATS)),
        Binding("r", "refresh", "refresh", id="refresh"),
        Binding("escape", "back", "back", id="back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.snapshots: list = []

    def screen_title(self) -> str:
        return self.t("screen.history")

    def compose(self) -> ComposeResult:
        yield TopBar(id="topbar")
        yield PlotextPlot(id="history-chart")
        yield Static("", id="history-summary")
        yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#history-table", DataTable)
        for key in ("day", "at", "tasks", "by"):
            table.add_column(self.t(f"history.col.{key}"), key=key)
        table.focus()
        self.show_top_bar()
        self.load()

    def load(self) -> None:
        self.call(trend, group="trend", days=TREND_DAYS, done=self._trend)
        self.call(list_snapshots, group="snapshots", done=self._snapshots)

    def _trend(self, result) -> None:
        days = list(result.days)
        plot = self.query_one("#history-chart", PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        if days:
            labels = [d.day.strftime("%d.%m") for d in days]
            xs = list(range(len(days)))
            plt.plot(xs, [d.total for d in days], label=self.t("history.open"), marker="braille")
            plt.bar(xs, [d.in_breach for d in days], label=self.t("history.breached"))
            plt.xticks(xs[:: max(1, len(xs) // 8)], labels[:: max(1, len(xs) // 8)])
        plt.title(self.t("history.title", days=len(days)))
        plot.refresh()
        last = days[-1] if days else None
        summary = self.t("history.summary", new=last.new, done=last.done, breached=last.in_breach,
                         escalations=last.escalations) if last else self.t("history.none")
        self.query_one("#history-summary", Static).update(Text(summary))

    def _snapshots(self, items) -> None:
        self.snapshots = list(items)
        table = self.query_one("#history-table", DataTable)
        table.clear()
        for snap in self.snapshots:
            table.add_row(Text(snap.day.isoformat()), Text(f"{snap.at.astimezone(self.tz):%d.%m %H:%M}"),
                          Text(str(snap.tasks)), Text(snap.taken_by or "—"), key=str(snap.id))
        if not self.snapshots:
            self.tell(self.t("history.no_snapshots"))

    def action_export(self, fmt: str) -> None:
        table = self.query_one("#history-table", DataTable)
        if not self.snapshots or table.cursor_row is None or table.cursor_row >= len(self.snapshots):
            self.tell(self.t("history.no_snapshots"))
            return
        snap = self.snapshots[table.cursor_row]
        self.call(export_stored, snap.id, snap.day, fmt, group="export", write=False,
                  done=lambda path: self.tell(self.t("done.export", path=path)))

    def action_refresh(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()

    def on_desk_changed(self) -> None:
        self.call(list_snapshots, group="snapshots", done=self._snapshots)
