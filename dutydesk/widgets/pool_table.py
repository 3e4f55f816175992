"""The pool as a virtual table on Textual's Line API: only the lines on screen are ever rendered.

Why not the stock ``DataTable``: it wants every row added up front (15 s
and a frozen UI at 100k rows, measured in issue 5), and even fed a window
its scrollbar and cursor would describe the window, not the pool. Here the
virtual height is the pool's total, the scrollbar is honest, and rows
live in a sparse cache keyed by their position in the order of work. A
line whose row is not cached draws a placeholder and asks the screen for
a window around the viewport (``WindowWanted``); the screen reads it in a
thread worker and hands it back with :meth:`show_window`.

The widget never talks to the database and never sees an ORM object: it
holds frozen ``PoolRow`` values only.
"""

from __future__ import annotations

from datetime import datetime

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from dutydesk.i18n import Catalogue
from dutydesk.widgets.keys import localise_bindings
from dutydesk.widgets.pool_format import columns_for, header_text, layout, row_text


class PoolTable(ScrollView, can_focus=True):
    """Cursor keys move over the whole pool; the screen binds the actions (digits, ``t``, ``enter``…).

    | key | action |
    |-----|--------|
    | ↑ ↓ | previous / next task |
    | PgUp PgDn | a page |
    | Home End | first / last task |
    """

    BINDINGS = [
        Binding("up", "move(-1)", "up", show=False, id="cursor-up"),
        Binding("down", "move(1)", "down", show=False, id="cursor-down"),
        Binding("pageup", "page(-1)", "page up", show=False, id="page-up"),
        Binding("pagedown", "page(1)", "page down", show=False, id="page-down"),
        Binding("home", "jump(0)", "first", show=False, id="first"),
        Binding("end", "jump(-1)", "last", show=False, id="last"),
    ]
    COMPONENT_CLASSES = {"pool-table--header", "pool-table--cursor", "pool-table--pending"}
    DEFAULT_CSS = """
    PoolTable { background: $surface; }
    PoolTable > .pool-table--header { text-style: bold; background: $panel; color: $text; }
    PoolTable > .pool-table--cursor { background: $accent 40%; }
    PoolTable:focus > .pool-table--cursor { background: $accent 70%; }
    PoolTable > .pool-table--pending { text-style: italic; }
    """

    cursor: reactive[int] = reactive(0, always_update=True)

    class WindowWanted(Message):
        """Rows ``offset … offset+limit`` are needed on screen and not cached."""

        def __init__(self, offset: int, limit: int) -> None:
            super().__init__()
            self.offset, self.limit = offset, limit

    class Highlighted(Message):
        """The cursor is on ``row`` (None: the pool is empty or the row is not loaded yet)."""

        def __init__(self, row, index: int) -> None:
            super().__init__()
            self.row, self.index = row, index

    def __init__(self, t: Catalogue, calendar, now: datetime, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.t, self.calendar, self.now = t, calendar, now
        localise_bindings(self, t)
        self.rows: dict[int, object] = {}
        self.total = 0
        self.loaded = False
        self.pending: set[str] = set()
        self._asked: tuple[int, int] | None = None
        self._strips: dict[tuple, Strip] = {}
        self._styles: tuple | None = None
        self._layout: tuple | None = None

    # --- data in -------------------------------------------------------------------------

    def show_window(self, offset: int, rows, total: int, *, follow: str | None = None) -> None:
        """Replace the cache with a fresh window; keep the cursor on ``follow`` if it is in it."""
        self.rows = {offset + i: row for i, row in enumerate(rows)}
        self.total, self.loaded, self._asked = total, True, None
        self.pending.clear()
        self._strips.clear()
        self.virtual_size = Size(self.size.width, total + 1)
        where = next((i for i, row in self.rows.items() if row.key == follow), None) if follow else None
        target = where if where is not None else min(self.cursor, max(total - 1, 0))
        self.cursor = target
        self.refresh()

    def patch(self, key: str, **changes) -> bool:
        """Show a change at once (e.g. the new priority), marked pending until the window reloads."""
        for index, row in self.rows.items():
            if row.key == key:
                self.rows[index] = row._replace(**changes)
                self.pending.add(key)
                self._strips.clear()
                self.refresh()
                return True
        return False

    def tick(self, now: datetime) -> None:
        """The clocks move: re-render the visible lines for ``now`` (only lines on screen cost anything)."""
        if now != self.now:
            self.now = now
            self._strips.clear()
            self.refresh()

    # --- queries ---------------------------------------------------------------------------

    @property
    def current(self):
        return self.rows.get(self.cursor)

    @property
    def page_rows(self) -> int:
        return max(1, self.size.height - 1)

    def window_hint(self) -> tuple[int, int]:
        """The window worth reading: the page on screen (or around the cursor, if it ran ahead) ± two pages."""
        first, page = int(self.scroll_y), self.page_rows
        if not first <= self.cursor < first + page:
            first = max(0, self.cursor - page // 2)
        margin = max(page * 2, 40)
        offset = max(0, first - margin)
        return offset, (first - offset) + page + margin

    # --- cursor ----------------------------------------------------------------------------

    def action_move(self, delta: int) -> None:
        self.cursor = max(0, min(self.total - 1, self.cursor + delta))

    def action_page(self, direction: int) -> None:
        self.action_move(direction * self.page_rows)

    def action_jump(self, where: int) -> None:
        self.cursor = max(0, self.total - 1) if where < 0 else where

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, max(self.total - 1, 0)))

    def watch_cursor(self, old: int, new: int) -> None:
        first, page = int(self.scroll_y), self.page_rows
        if new < first:
            self.scroll_to(y=new, animate=False, immediate=True)
        elif new >= first + page:
            self.scroll_to(y=new - page + 1, animate=False, immediate=True)
        self.refresh()
        self.post_message(self.Highlighted(self.rows.get(new), new))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and offset.y >= 1:
            self.cursor = int(self.scroll_y) + offset.y - 1

    def on_resize(self, event: events.Resize) -> None:
        self._strips.clear()
        self.virtual_size = Size(self.size.width, self.total + 1)

    # --- rendering -------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._strips.clear()

    def _on_focus(self, event: events.Focus) -> None:
        super()._on_focus(event)
        self._styles = None

    def _on_blur(self, event: events.Blur) -> None:
        super()._on_blur(event)
        self._styles = None

    def _style_set(self) -> tuple[Style, Style, Style, Style]:
        """Base, header, pending and cursor styles: looked up once, not per line (they cost ~0.1 ms each)."""
        if self._styles is None:
            self._styles = (self.rich_style, self.get_component_rich_style("pool-table--header"),
                            self.get_component_rich_style("pool-table--pending", partial=True),
                            Style(bgcolor=self.get_component_rich_style("pool-table--cursor").bgcolor))
        return self._styles

    def _columns(self, width: int):
        if self._layout is None or self._layout[0] != width:
            columns = columns_for(width, self.t.lang)
            self._layout = (width, columns, layout(columns, width))
        return self._layout[1], self._layout[2]

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base, header, pending, cursor_style = self._style_set()
        columns, widths = self._columns(width)
        if y == 0:
            return _strip(header_text(columns, widths, self.t), width, base + header)
        index = int(self.scroll_y) + y - 1
        if index >= self.total:
            if index == 0 and self.loaded:
                return _strip(Text("  " + self.t("pool.empty"), style="dim"), width, base)
            return Strip.blank(width, base)
        row = self.rows.get(index)
        if row is None:
            self._want()
            return _strip(Text("  " + self.t("pool.loading"), style="dim"), width, base)
        cursor = index == self.cursor
        cache_key = (index, row.key, row.version, cursor, width, self.has_focus)
        strip = self._strips.get(cache_key)
        if strip is None:
            text = row_text(row, columns, widths, self.now, self.calendar, self.t)
            post = Style()
            if row.blocked_by:
                post += Style(dim=True)
            if row.key in self.pending:
                post += pending
            if cursor:
                post += cursor_style
            strip = _strip(text, width, base, post)
            if len(self._strips) > 4 * max(self.page_rows, 50):
                self._strips.clear()
            self._strips[cache_key] = strip
        return strip

    def _want(self) -> None:
        """Ask (once per window) for the rows around the viewport."""
        hint = self.window_hint()
        if self._asked != hint:
            self._asked = hint
            self.call_later(self.post_message, self.WindowWanted(*hint))


def _strip(text: Text, width: int, style: Style, post: Style | None = None) -> Strip:
    """A rendered Text as one line of ``width`` cells; ``post`` goes on top (cursor, dimming)."""
    segments = [Segment(s.text, style + s.style if s.style else style) for s in text.render(_CONSOLE, end="")]
    strip = Strip(segments).crop_extend(0, width, style)
    if post:
        strip = Strip(Segment.apply_style(strip, post_style=post), strip.cell_length)
    return strip


def _console():
    from rich.console import Console

    return Console(width=1000, color_system="truecolor", force_terminal=True, legacy_windows=False)


_CONSOLE = _console()
