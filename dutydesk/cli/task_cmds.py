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
    """One task: its fields, verdict, clocks, thread and history."""
    from dutydesk.services.task_detail import task_detail

    detail = task_detail(state(ctx).desk(), key)
    if as_json:
        print_json(detail.to_json())
        return
    from dutydesk.cli.render import detail_panel

    out_console().print(detail_panel(detail, state(ctx).settings.tz))


def _desk(ctx: typer.Context):
    return state(ctx).desk()


def _staff_id(ctx: typer.Context) -> str:
    """Who takes: the global ``--as`` (before or after the command) or ``me`` in the config."""
    from dutydesk.errors import BadInput

    st = state(ctx)
    staff = st.actor or st.settings.me
    if not staff:
        raise BadInput("say who takes it: --as STAFF (or `me` in the config)")
    return staff


@task_app.command("priority")
def priority_cmd(ctx: typer.Context, key: str, level: str = typer.Argument(..., help="1–5, english or Russian name"),
                 reason: Optional[str] = typer.Option(None, "--reason"), as_json: bool = typer.Option(False, "--json")) -> None:
    """Set the priority (R-TRI-3)."""
    from dutydesk.services.lifecycle import set_priority

    show_view(set_priority(_desk(ctx), key, level, reason=reason), as_json)


@task_app.command("take")
def take_cmd(ctx: typer.Context, key: str,
             override: Optional[str] = typer.Option(None, "--override", help="Reason to take a blocked task"),
             as_json: bool = typer.Option(False, "--json")) -> None:
    """Take a task from the pool; a blocked one only with --override "reason" (R-POOL-3)."""
    from dutydesk.services.lifecycle import take

    show_view(take(_desk(ctx), key, staff=_staff_id(ctx), override=override), as_json)


@task_app.command("next")
def next_cmd(ctx: typer.Context,
             as_json: bool = typer.Option(False, "--json")) -> None:
    """Take the first unblocked task by the rule (R-POOL-3)."""
    from dutydesk.services.claims import take_next

    show_view(take_next(_desk(ctx), staff=_staff_id(ctx)), as_json)


@task_app.command("wait")
def wait_cmd(ctx: typer.Context, key: str, question: str = typer.Option(..., "--question"),
             as_json: bool = typer.Option(False, "--json")) -> None:
    """Ask the client (R-WORK-1); the clocks stop until they answer."""
    from dutydesk.services.lifecycle import wait_for_client

    desk = _desk(ctx)
    view = wait_for_client(desk, key, question=question)
    _mail_now(desk, view.key)
    show_view(view, as_json)


def _mail_now(desk, key: str) -> None:
    """R-WORK-1: the system e-mails at once; a failure stays in the outbox and is said on stderr."""
    from dutydesk.services.mail_out import retry_outbox

    for message_id, state_, detail in retry_outbox(desk, task_key=key):
        if state_ == "failed":
            typer.echo(f"dutydesk: mail {message_id} not sent ({detail}); it waits in `dutydesk mail outbox`",
                       err=True)


@task_app.command("resume")
def resume_cmd(ctx: typer.Context, key: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """The client answered: the clocks run again."""
    from dutydesk.services.lifecycle import resume

    show_view(resume(_desk(ctx), key), as_json)


@task_app.command("split")
def split_cmd(ctx: typer.Context, key: str, titles: list[str] = typer.Option(..., "--title"),
              as_json: bool = typer.Option(False, "--json")) -> None:
    """Split a complex task into subtasks (R-WORK-2)."""
    from dutydesk.cli.context import print_json
    from dutydesk.services.lifecycle import split

    parent, children = split(_desk(ctx), key, titles)
    if as_json:
        print_json({"parent": parent.to_json(), "children": [c.to_json() for c in children]})
    else:
        for child in children:
            typer.echo(child.key)


@task_app.command("handoff")
def handoff_cmd(ctx: typer.Context, key: str,
                reason: str = typer.Option(..., "--reason", help="materials | module | docs | other"),
                note: Optional[str] = typer.Option(None, "--note"), as_json: bool = typer.Option(False, "--json")) -> None:
    """Hand a task above minimal volume to the project's manager (R-WORK-3)."""
    from dutydesk.services.lifecycle import hand_off

    desk = _desk(ctx)
    view = hand_off(desk, key, reason=reason, note=note)
    _mail_now(desk, view.key)
    show_view(view, as_json)


@task_app.command("project")
def project_cmd(ctx: typer.Context, key: str, project_id: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Set or change the task's project."""
    from dutydesk.services.lifecycle import set_project

    show_view(set_project(_desk(ctx), key, project_id), as_json)


@task_app.command("scope")
def scope_cmd(ctx: typer.Context, key: str,
              out_of_contract: bool = typer.Option(False, "--out-of-contract", help="R-SCOPE-1"),
              agreed: bool = typer.Option(False, "--agreed", help="the additional agreement is signed"),
              note: Optional[str] = typer.Option(None, "--note"), as_json: bool = typer.Option(False, "--json")) -> None:
    """Out of contract scope: waits for an additional agreement (R-SCOPE-1)."""
    from dutydesk.errors import BadInput
    from dutydesk.services.lifecycle import agree, out_of_scope

    if out_of_contract == agreed:
        raise BadInput("say --out-of-contract or --agreed")
    desk = _desk(ctx)
    show_view(out_of_scope(desk, key, note=note) if out_of_contract else agree(desk, key, note=note), as_json)


@task_app.command("done")
def done_cmd(ctx: typer.Context, key: str, note: Optional[str] = typer.Option(None, "--note"),
             as_json: bool = typer.Option(False, "--json")) -> None:
    """Close the task (not while a subtask is open, R-WORK-2)."""
    from dutydesk.services.lifecycle import done

    show_view(done(_desk(ctx), key, note=note), as_json)


@task_app.command("reopen")
def reopen_cmd(ctx: typer.Context, key: str, note: Optional[str] = typer.Option(None, "--note"),
               as_json: bool = typer.Option(False, "--json")) -> None:
    """Back to the pool."""
    from dutydesk.services.lifecycle import reopen

    show_view(reopen(_desk(ctx), key, note=note), as_json)


@task_app.command("release")
def release_cmd(ctx: typer.Context, key: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Put a taken task back into the pool."""
    from dutydesk.services.lifecycle import release

    show_view(release(_desk(ctx), key), as_json)


@task_app.command("accept")
def accept_cmd(ctx: typer.Context, key: str, reason: str = typer.Option(..., "--reason"),
               as_json: bool = typer.Option(False, "--json")) -> None:
    """Accept an R-ELIG-4 request on individual consideration (audited with the reason)."""
    from dutydesk.services.lifecycle import override_eligibility

    show_view(override_eligibility(_desk(ctx), key, reason=reason), as_json)
