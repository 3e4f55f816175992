"""``init`` and ``demo``: create or upgrade a store, load the demo."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.text import Text

from dutydesk.cli.context import out_console, print_json, state


def register(app: typer.Typer) -> None:
    register_backup(app)

    @app.command("init")
    def init_cmd(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
        """Create the database, or upgrade an older one (a copy is kept aside first)."""
        desk = state(ctx).desk()
        report = desk.schema
        data = {"database": desk.engine.url.render_as_string(hide_password=True),
                "schema_before": report.before if report else None,
                "schema": report.after if report else None,
                "backup": str(report.backup) if report and report.backup else None}
        if as_json:
            print_json(data)
        else:
            verb = "created" if data["schema_before"] is None else (
                "upgraded" if data["schema_before"] != data["schema"] else "up to date")
            out_console().print(Text(f"{data['database']}: schema {data['schema']} ({verb})"))

    @app.command("demo")
    def demo_cmd(
        ctx: typer.Context,
        reset: bool = typer.Option(False, "--reset", help="Wipe the database first."),
        if_empty: bool = typer.Option(False, "--if-empty", help="Load only into an empty database."),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Load the demo registry and requests, placed relative to now."""
        from dutydesk.services import demo

        st = state(ctx)
        desk = st.desk()
        if st.actor is None and desk.settings.me is None:
            desk.actor = demo.DEMO_ACTOR
        if reset:
            demo.wipe(desk)
        elif not demo.is_empty(desk):
            if if_empty:
                return
            from dutydesk.errors import Refused

            raise Refused("the database is not empty; use --reset to replace it with the demo")
        result = demo.load_demo(desk)
        if as_json:
            print_json(result)
        else:
            out_console().print(Text(f"demo loaded: {result['tasks']} tasks, registry {result['registry']}"))


def register_backup(app: typer.Typer) -> None:
    @app.command("backup")
    def backup_cmd(ctx: typer.Context, output: Optional[Path] = typer.Option(None, "-o", "--output")) -> None:
        """A consistent copy of the SQLite database (0600); for PostgreSQL, how to use pg_dump."""
        from dutydesk.services.backup import backup

        report = backup(state(ctx).desk(), output)
        if report.guidance:
            typer.echo(report.guidance)
        else:
            out_console().print(Text(f"backup: {report.path} ({report.tasks} tasks)"))

    @app.command("restore")
    def restore_cmd(ctx: typer.Context, source: Path) -> None:
        """Replace the database with a checked backup (the current one is kept aside)."""
        from dutydesk.services.backup import restore

        check, aside = restore(state(ctx).desk(), source)
        out_console().print(Text(f"restored {source} (schema {check.revision}, {check.tasks} tasks); "
                                 f"the previous database is kept as {aside}"))
