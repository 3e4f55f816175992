"""What every command shares: the global options, the lazily opened desk, and output helpers."""

from __future__ import annotations

import json
import locale
import os
import sys
from dataclasses import dataclass, field
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from dutydesk.clock import clock_from
from dutydesk.config import Settings, load_settings


@dataclass
class CliState:
    db: str | None = None
    now: str | None = None
    config: str | None = None
    lang: str | None = None
    actor: str | None = None
    debug: bool = False
    _settings: Settings | None = field(default=None, repr=False)
    _desk: Any = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config)
            from dutydesk.config import permission_warnings

            for warning in permission_warnings(self._settings, self.config):
                typer.echo(f"dutydesk: warning: {warning}", err=True)
        return self._settings

    @property
    def clock(self):
        return clock_from(self.now, self.settings.tz)

    @property
    def language(self) -> str:
        if self.lang in ("ru", "en"):
            return self.lang
        if self.settings.lang:
            return self.settings.lang
        code = (locale.getlocale()[0] or os.environ.get("LANG") or "").lower()
        return "ru" if code.startswith("ru") else "en"

    def desk(self):
        if self._desk is None:
            from dutydesk.services.desk import open_desk

            self._desk = open_desk(self.db, self.settings, self.clock, self.actor)
            report = self._desk.schema
            if report is not None and report.changed and report.before is not None:
                note = f" (a copy of the old file: {report.backup})" if report.backup else ""
                err_console().print(Text(f"upgraded the database schema {report.before} → {report.after}{note}"))
        return self._desk


def state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


def out_console() -> Console:
    return Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 200)


def err_console() -> Console:
    return Console(stderr=True, highlight=False)


def print_json(data: Any) -> None:
    """Stable keys, ISO 8601 times: for scripts and cron jobs."""
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def table(*columns: str, title: str | None = None) -> Table:
    grid = Table(title=title, show_lines=False, header_style="bold")
    for name in columns:
        grid.add_column(name, overflow="fold")
    return grid


def cell(value: Any) -> Text:
    """Untrusted text (mail, registry) as a literal Text: never Rich markup."""
    if value is None:
        return Text("—", style="dim")
    from dutydesk.textsafe import safe_line

    return Text(safe_line(str(value)))
