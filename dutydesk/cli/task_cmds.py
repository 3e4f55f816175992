"""``task …``: create and show tasks; the lifecycle commands join here."""

from __future__ import annotations

from typing import Optional

import typer
from rich.text import Text

from dutydesk.cli.context import out_console, print_json, state

task_app = typer.Typer(help="Tasks: create, show, triage and work them.", no_args_is_help=True,
                       rich_markup_mode=None)


def register(app: typer.Typer) -> None:
    app.add_typer(task_app, name="task")


def show_view(view, as_json: bool) -> None:
    if as_json:
        print_json(view.to_json())
        return
    from dutydesk.cli.render import task_panel

    out_console().print(task_panel(view))


@task_app.command("new")
def new_cmd(
    ctx: typer.Context,
    project: Optional[str] = typer.Option(None, "--project", help="Project id"),
    subject: str = typer.Option(..., "--subject"),
    channel: str = typer.Option("email", "--channel", help="email, phone or other (R-IN-3)"),
    received: Optional[str] = typer.Option(None, "--received", help="When it arrived (default: now)"),
    sender: Optional[str] = typer.Option(None, "--from", help="Who asked (address)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Create a task by hand (a phone call, a letter) and print its key."""
    from dutydesk.clock import parse_moment
    from dutydesk.domain.priority import Channel
    from dutydesk.errors import BadInput
    from dutydesk.services.intake import create_request

    st = state(ctx)
    desk = st.desk()
    try:
        chan = Channel(channel)
    except ValueError:
        raise BadInput(f"unknown channel {channel!r}: use email, phone or other") from None
    when = parse_moment(received, desk.settings.tz) if received else None
    view = create_request(desk, subject=subject, project_id=project, channel=chan, received_at=when, sender=sender)
    if as_json:
        print_json(view.to_json())
    else:
        typer.echo(view.key)


@task_app.command("show")
def show_cmd(ctx: typer.Context, key: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """One task: its fields, verdict, clocks and history."""
    from dutydesk.services.tasks import show_task

    show_view(show_task(state(ctx).desk(), key), as_json)
