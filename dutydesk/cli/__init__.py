"""The ``dutydesk`` command. No sub-command starts the app (Textual is imported only then).

Global options (``--db``, ``--now``, ``--config``, ``--lang``, ``--as``, ``--debug``)
are accepted before or after the sub-command: they are lifted to the front
before parsing.
"""

from __future__ import annotations

import sys
import traceback
from typing import Optional

import typer
from typer import _click as click  # typer 0.29 vendors click; its group and exceptions live here
from typer.core import TyperGroup

from dutydesk.cli.context import CliState, state
from dutydesk.errors import DutydeskError

GLOBAL_WITH_VALUE = ("--db", "--now", "--config", "--lang", "--as")
GLOBAL_FLAGS = ("--debug",)


def hoist_global_options(args: list[str]) -> list[str]:
    """Move global options (and their values) in front of the sub-command."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        token = args[i]
        if token == "--":
            rest.extend(args[i:])
            break
        name = token.split("=", 1)[0]
        if name in GLOBAL_WITH_VALUE:
            if "=" in token:
                front.append(token)
            else:
                front.extend(args[i:i + 2])
                i += 1
        elif token in GLOBAL_FLAGS:
            front.append(token)
        else:
            rest.append(token)
        i += 1
    return front + rest


class DeskGroup(TyperGroup):
    """Lifts global options and turns our errors into one line on stderr and exit status 1."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(list(args)))

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, click.exceptions.ClickException, SystemExit):
            raise
        except DutydeskError as exc:
            _fail(ctx, str(exc))
        except KeyboardInterrupt:
            _fail(ctx, "interrupted")
        except Exception as exc:  # never a traceback for the lead unless asked
            _fail(ctx, f"internal error: {type(exc).__name__}: {exc} (run with --debug for details)")


def _fail(ctx: click.Context, message: str) -> None:
    obj = ctx.find_root().obj
    if isinstance(obj, CliState) and obj.debug:
        traceback.print_exc()
    from dutydesk.textsafe import safe_line

    # Plain text, never wrapped: one line a script or a person can read.
    typer.echo(f"dutydesk: {safe_line(message)}", err=True)
    ctx.exit(1)


app = typer.Typer(
    cls=DeskGroup,
    name="dutydesk",
    help="The support duty-group lead's desk. Without a command: open the desk.",
    no_args_is_help=False,
    invoke_without_command=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


@app.callback()
def _global(
    ctx: typer.Context,
    db: Optional[str] = typer.Option(None, "--db", envvar="DUTYDESK_DB", help="SQLite path or postgresql+psycopg:// URL."),
    now: Optional[str] = typer.Option(None, "--now", envvar="DUTYDESK_NOW", help="Freeze the clock (ISO 8601)."),
    config: Optional[str] = typer.Option(None, "--config", envvar="DUTYDESK_CONFIG", help="Config TOML file."),
    lang: Optional[str] = typer.Option(None, "--lang", envvar="DUTYDESK_LANG", help="ru or en."),
    actor: Optional[str] = typer.Option(None, "--as", envvar="DUTYDESK_AS", help="Staff id acting at this desk."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    if lang is not None and lang not in ("ru", "en"):
        raise typer.BadParameter("use ru or en", param_hint="--lang")
    st = state(ctx)
    st.db, st.now, st.config, st.lang, st.actor, st.debug = db, now, config, lang, actor, debug
    if ctx.invoked_subcommand is None:
        from dutydesk.cli.launch import launch

        launch(st)


def _register() -> None:
    from dutydesk.cli import engine_cmds, mail_cmds, pool_cmds, registry_cmds, setup_cmds, task_cmds, report_cmds

    for module in (setup_cmds, registry_cmds, task_cmds, pool_cmds, engine_cmds, mail_cmds, report_cmds):
        module.register(app)


_register()


def main(argv: list[str] | None = None) -> None:
    app(args=argv if argv is not None else sys.argv[1:], prog_name="dutydesk")
