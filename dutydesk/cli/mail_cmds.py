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


# --- intake: import, fetch, quarantine (R-IN-1, R-IN-2) ----------------------------------

#: A human summary lists every message up to this many; past it, only the quarantined ones.
LIST_ALL_UP_TO = 50


def _progress(as_json: bool):
    """A Rich progress bar on stderr when a person watches a terminal; None for scripts and --json."""
    from dutydesk.cli.context import err_console

    console = err_console()
    if as_json or not console.is_terminal:
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=True)


def _report(report, as_json: bool) -> None:
    """Print the outcome of an import/fetch/retry; exit 1 when anything was quarantined (for cron)."""
    if as_json:
        print_json(report.to_json())
    else:
        data = report.to_json()
        console = out_console()
        console.print(Text(f"{len(report.items)} message(s): {data['new_tasks']} new task(s), "
                           f"{data['threaded']} threaded, {data['duplicates']} duplicate(s), "
                           f"{data['ignored']} ignored, {data['quarantined']} quarantined"))
        shown = report.items if len(report.items) <= LIST_ALL_UP_TO else \
            [i for i in report.items if i.outcome == "quarantined"]
        if shown:
            grid = table("Message", "Outcome", "Task", "Subject", "Why", "Source")
            for item in shown:
                grid.add_row(cell(item.message), cell(item.outcome), cell(item.task), cell(item.subject),
                             cell(item.reason), cell(item.source))
            console.print(grid)
        if report.quarantined:
            console.print(Text("see `dutydesk mail quarantine --show ID`; fix, then `--retry ID`"))
    if report.quarantined:
        raise typer.Exit(1)


@mail_app.command("import")
def import_cmd(ctx: typer.Context,
               paths: list[Path] = typer.Argument(..., help="Maildir, mbox, .eml file, or a folder of them"),
               as_json: bool = typer.Option(False, "--json")) -> None:
    """Import requests from mail files (R-IN-1): each message gets one outcome; exit 1 if any was quarantined."""
    from dutydesk.errors import BadInput
    from dutydesk.mail.sources import MailSourceError, iter_sources
    from dutydesk.services.intake_mail import import_sources

    try:
        sources = iter_sources(paths)
    except MailSourceError as exc:
        raise BadInput(str(exc)) from None
    desk = state(ctx).desk()
    bar = _progress(as_json)
    if bar is None:
        report = import_sources(desk, sources)
    else:
        with bar:
            task = bar.add_task("importing mail", total=None)
            report = import_sources(desk, sources, progress=lambda n: bar.advance(task, n))
    _report(report, as_json)


@mail_app.command("fetch")
def fetch_cmd(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """Fetch new mail from the configured IMAP folder (TLS by default); never deletes on the server."""
    from dutydesk.services.intake_imap import fetch_mail

    desk = state(ctx).desk()
    bar = _progress(as_json)
    if bar is None:
        report = fetch_mail(desk)
    else:
        with bar:
            task = bar.add_task("fetching mail", total=None)
            report = fetch_mail(desk, started=lambda n: bar.update(task, total=n),
                                progress=lambda n: bar.advance(task, n))
    _report(report, as_json)


@mail_app.command("quarantine")
def quarantine_cmd(ctx: typer.Context,
                   show: Optional[int] = typer.Option(None, "--show", metavar="ID", help="Show one message"),
                   raw: bool = typer.Option(False, "--raw", help="With --show: write its original bytes to stdout"),
                   retry: Optional[int] = typer.Option(None, "--retry", metavar="ID",
                                                       help="Run one message through the intake again"),
                   retry_all: bool = typer.Option(False, "--all", help="With --retry or alone: retry every one"),
                   as_json: bool = typer.Option(False, "--json")) -> None:
    """Mail that could not be a request: kept whole, listed, shown, retried after a fix — never lost."""
    from dutydesk.errors import BadInput
    from dutydesk.services import intake_quarantine as q

    desk = state(ctx).desk()
    if show is not None and (retry is not None or retry_all):
        raise BadInput("use --show or --retry, not both")
    if raw and show is None:
        raise BadInput("--raw goes with --show ID")
    if retry is not None or retry_all:
        _report(q.retry_quarantined(desk, None if retry_all else [retry]), as_json)  # type: ignore[list-item]
        return
    if show is not None:
        if raw:
            import sys

            sys.stdout.buffer.write(q.raw_message(desk, show))
            sys.stdout.flush()
            return
        detail = q.show_quarantined(desk, show)
        if as_json:
            print_json(detail.to_json())
            return
        console, m = out_console(), detail.message
        for name, value in (("Message", m.id), ("Outcome", detail.outcome), ("Why", m.reason),
                            ("Source", m.source), ("Size", f"{m.size} bytes"), *detail.headers):
            console.print(Text(f"{name}: ", style="bold") + cell(value))
        for problem in detail.problems:
            console.print(Text("problem: ", style="yellow") + cell(problem))
        for item in detail.attachments:
            console.print(Text("attachment: ", style="bold") + cell(f"{item.get('filename') or '(no name)'} "
                                                                     f"{item.get('content_type')} {item.get('size')}"))
        console.print()
        from dutydesk.textsafe import safe_text

        console.print(Text(safe_text(detail.body_text)))
        return
    items = q.list_quarantine(desk)
    if as_json:
        print_json({"messages": [m.to_json() for m in items]})
        return
    grid = table("Id", "Stored", "From", "Subject", "Why", "Source")
    for m in items:
        grid.add_row(cell(m.id), cell(m.stored_at.astimezone(desk.settings.tz).strftime("%Y-%m-%d %H:%M")),
                     cell(m.sender), cell(m.subject), cell(m.reason), cell(m.source))
    out_console().print(grid)
