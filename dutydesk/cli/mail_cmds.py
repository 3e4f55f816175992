"""``ack`` (R-TRI-4) and ``mail …``: what goes out, and (with the intake) what comes in."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.text import Text

from dutydesk.cli.context import cell, out_console, print_json, state, table

mail_app = typer.Typer(help="Mail: the outbox, and importing or fetching requests.", no_args_is_help=True,
                       rich_markup_mode=None)


def register(app: typer.Typer) -> None:
    app.command("ack")(ack_cmd)
    app.add_typer(mail_app, name="mail")


def ack_cmd(ctx: typer.Context, key: str,
            send: bool = typer.Option(False, "--send", help="Send it (SMTP, or the outbox when none is configured)"),
            outbox: Optional[Path] = typer.Option(None, "--outbox", help="Write the .eml to this folder instead"),
            as_json: bool = typer.Option(False, "--json")) -> None:
    """Preview (default) or send the standard acknowledgement with the task number (R-TRI-4)."""
    from dutydesk.services.ack import preview_ack, send_ack

    desk = state(ctx).desk()
    if not send and outbox is None:
        draft = preview_ack(desk, key)
        if as_json:
            print_json({"key": draft.key, "headers": dict(draft.headers), "text": draft.text})
            return
        console = out_console()
        for name, value in draft.headers:
            console.print(Text(f"{name}: ", style="bold") + cell(value))
        console.print()
        console.print(Text(draft.text))
        return
    result = send_ack(desk, key, to_outbox=outbox is not None, outbox=outbox)
    if as_json:
        print_json(result.to_json())
    else:
        out_console().print(Text(f"{key.upper()}: acknowledgement {result.state} — {result.detail}"))
    if result.state == "failed":
        raise typer.Exit(1)


@mail_app.command("outbox")
def outbox_cmd(ctx: typer.Context, retry: bool = typer.Option(False, "--retry", help="Send what is queued or failed"),
               folder: Optional[Path] = typer.Option(None, "--outbox", help="Write .eml files here instead of SMTP"),
               as_json: bool = typer.Option(False, "--json")) -> None:
    """Outbound mail that has not left yet (queued or failed), and resending it."""
    from dutydesk.services.mail_out import pending, retry_outbox

    desk = state(ctx).desk()
    if retry:
        results = retry_outbox(desk, to_outbox=folder is not None, outbox=folder)
        if as_json:
            print_json({"results": [{"id": i, "state": s, "detail": d} for i, s, d in results]})
        else:
            for i, s, d in results:
                out_console().print(Text(f"message {i}: {s} — {d}"))
        if any(s == "failed" for _, s, _ in results):
            raise typer.Exit(1)
        return
    items = pending(desk)
    if as_json:
        print_json({"messages": [{"id": m.id, "kind": m.kind, "to": m.recipients, "state": m.state,
                                  "reason": m.reason, "subject": m.subject} for m in items]})
        return
    grid = table("Id", "Kind", "To", "State", "Why", "Subject")
    for m in items:
        grid.add_row(cell(m.id), cell(m.kind), cell(m.recipients), cell(m.state), cell(m.reason), cell(m.subject))
    out_console().print(grid)
