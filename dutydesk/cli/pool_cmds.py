"""``pool``: the unsorted pool and the tasks in progress, in the order of work (R-POOL-2/3)."""

from __future__ import annotations

from typing import Optional

import typer

from dutydesk.cli.context import cell, out_console, print_json, state, table


def register(app: typer.Typer) -> None:
    @app.command("pool")
    def pool_cmd(
        ctx: typer.Context,
        as_json: bool = typer.Option(False, "--json"),
        project: Optional[str] = typer.Option(None, "--project"),
        limit: Optional[int] = typer.Option(None, "--limit", min=1),
    ) -> None:
        """The pool in the order of work, with blockers and clocks."""
        print_pool(state(ctx).desk(), as_json=as_json, project=project, limit=limit)


def print_pool(desk, *, as_json: bool, project: str | None = None, limit: int | None = None) -> None:
    from dutydesk.services.pool import pool_listing

    listing = pool_listing(desk, project_id=project, limit=limit)
    if as_json:
        print_json(listing.to_json())
        return
    grid = table("Key", "Priority", "Subject", "Client", "Project", "Status", "Blocked by", "Nearest clock",
                 title=f"Pool at {listing.now:%Y-%m-%d %H:%M %Z} — {len(listing.rows)} tasks")
    for row in listing.rows:
        grid.add_row(cell(row.key), cell(row.priority_label), cell(row.subject), cell(row.client_name),
                     cell(row.project_name), cell(row.status), cell(row.blocked_by), cell(row.clock_label))
    out_console().print(grid)
