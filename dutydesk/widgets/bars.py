"""The two lines above the pool: where and when the desk is, and how the pool stands.

Textual's ``Header`` shows the machine's clock; a desk with ``--now``
frozen must show *its* time, so the top bar is ours. The counts bar shows
every priority with the regulation's Russian name in both languages
(R-POOL-2) and the breaches (R-ESC-1 a/b) — what the lead scans first.
"""

from __future__ import annotations

from datetime import datetime

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from dutydesk.domain.priority import Priority
from dutydesk.i18n import Catalogue
from dutydesk.textsafe import safe_line
from dutydesk.widgets.pool_format import OVERDUE_STYLE, PRIORITY_STYLE

_WEEKDAY = {"en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), "ru": ("пн", "вт", "ср", "чт", "пт", "сб", "вс")}


def moment_text(now: datetime, tz, lang: str) -> str:
    local = now.astimezone(tz)
    day = _WEEKDAY.get(lang, _WEEKDAY["en"])[local.weekday()]
    return f"{day} {local:%d.%m.%Y %H:%M} {local.tzname() or ''}".strip()


class TopBar(Static):
    """``dutydesk · Pool · Tue 01.12.2026 11:00 MSK (clock frozen) · as duty-lead · sqlite`` … ``? help  q quit``.

    The app-wide keys sit on the right of this bar rather than at the end of
    the footer, where an 80- or 120-column terminal would cut them off; they
    are read from the live bindings, so a rebound key shows rebound.
    """

    DEFAULT_CSS = "TopBar { height: 1; background: $primary; color: $text; padding: 0 1; }"

    _shown: dict | None = None

    def on_resize(self) -> None:
        if self._shown is not None:
            self.show(**self._shown)

    def show(self, *, screen_name: str, now: datetime, tz, t: Catalogue, actor: str, frozen: bool,
             backend: str, hints: list[tuple[str, str]] = ()) -> None:
        self._shown = {"screen_name": screen_name, "now": now, "tz": tz, "t": t, "actor": actor, "frozen": frozen,
                       "backend": backend, "hints": hints}
        narrow = 0 < self.size.width < 110
        line = Text() if narrow else Text(t("app.title") + " · ", style="bold")
        line.append(f"{screen_name} · ", style="bold" if narrow else "")
        line.append(moment_text(now, tz, t.lang), style="bold")
        if frozen:
            line.append(" ❄" if narrow else f" ({t('topbar.frozen')})", style="italic")
        line.append(" · " + t("topbar.as", actor=safe_line(actor)))
        if not narrow:
            line.append(f" · {backend}", style="dim")
        right = Text(no_wrap=True, overflow="crop")
        # Narrow: only help and quit keep their place; the help screen lists the rest.
        for key, label in (hints[-2:] if narrow else hints):
            right.append(f" {key}", style="bold reverse")
            right.append(f" {label} ")
        grid = Table.grid(expand=True)
        grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        grid.add_column(justify="right", no_wrap=True)
        grid.add_row(line, right)
        self.update(grid)


class CountsBar(Static):
    """Counts per priority and breaches for the whole pool, plus what the filter shows."""

    DEFAULT_CSS = "CountsBar { height: auto; padding: 0 1; background: $panel; }"

    def show(self, counts: dict[str, int], *, breached: int | None, shown: int, filter_text: str | None,
             t: Catalogue) -> None:
        line = Text()
        total = sum(v for k, v in counts.items() if k != "breached")
        line.append(t("counts.total", n=total), style="bold")
        line.append("  ")
        if breached is None:
            line.append(t("counts.breached", n="…"), style="dim")
        else:
            line.append(t("counts.breached", n=breached), style=OVERDUE_STYLE if breached else "dim")
        untriaged = counts.get("untriaged", 0)
        line.append("  ")
        line.append(f" {t('counts.untriaged', n=untriaged)} ", style=PRIORITY_STYLE[None] if untriaged else "dim")
        for p in Priority:
            n = counts.get(p.slug, 0)
            line.append("  ")
            line.append(f"{p.russian} {n}", style=PRIORITY_STYLE[p] if n else "dim")
        if filter_text:
            line.append("  │ ")
            line.append(t("counts.shown", n=shown) + " · " + t("counts.filter", text=filter_text), style="italic")
        self.update(line)
