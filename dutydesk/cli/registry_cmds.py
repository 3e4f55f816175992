"""``registry import|export``: who is on support (R-ELIG-*)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.text import Text

from dutydesk.cli.context import out_console, print_json, state

registry_app = typer.Typer(help="The client registry: staff, clients, contracts, warranties, products, projects.",
                           no_args_is_help=True, rich_markup_mode=None)


def register(app: typer.Typer) -> None:
    app.add_typer(registry_app, name="registry")


@registry_app.command("import")
def import_cmd(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="registry.json, or a folder of CSV files"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Upsert the registry by id; a malformed file changes nothing."""
    from dutydesk.services.registry import import_registry
    from dutydesk.services.registry_schema import load_registry

    registry = load_registry(path)
    report = import_registry(state(ctx).desk(), registry, source=path.name)
    if as_json:
        print_json(report.to_json())
    elif report.changed:
        out_console().print(Text(f"imported {path}: created {report.created or 'nothing'}, "
                                 f"updated {report.updated or 'nothing'}"))
    else:
        out_console().print(Text(f"imported {path}: nothing changed"))


@registry_app.command("export")
def export_cmd(
    ctx: typer.Context,
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="File to write (default: stdout)"),
) -> None:
    """Write the registry as JSON, in the shape `registry import` reads."""
    from dutydesk.services.registry import export_registry

    data = export_registry(state(ctx).desk())
    if output is None:
        print_json(data)
    else:
        output.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
