"""``python -m bench.profile FIGURE [--tasks N]``: where one figure's time goes, as a pyinstrument tree.

FIGURE is ``startup``, ``window``, ``clocks``, ``export`` or ``mail``; each runs
what the benchmark times, on the same cached desk. ``startup`` runs in a
fresh process whose first work is the profiler: the imports are part of it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

FIGURES = ("startup", "window", "clocks", "export", "mail")


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("figure", choices=FIGURES)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    from pyinstrument import Profiler

    from bench.__main__ import database

    db = database(args.tasks, args.clients)
    if args.figure == "startup":
        from bench.figures import ROOT, bytecode

        bytecode()
        return subprocess.run([sys.executable, "-c", _STARTUP, db], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout
    profiler = Profiler(interval=0.0005)
    work = _prepared(args.figure, db, args.repeat)
    profiler.start()
    work()
    profiler.stop()
    return profiler.output_text(unicode=True, color=False)


#: A new interpreter: the profiler first, then everything the desk imports and does up to its first paint.
_STARTUP = """
import sys
from pyinstrument import Profiler
profiler = Profiler(interval=0.0005)
profiler.start()
import asyncio
from bench.probe_app import run
asyncio.run(run(sys.argv[1], 0))
profiler.stop()
sys.stdout.write(profiler.output_text(unicode=True, color=False))
"""


def _prepared(figure: str, db: str, repeat: int):
    """The figure's work, warmed once as the benchmark warms it."""
    from bench.figures import _desk

    desk = _desk(db)
    if figure == "window":
        from dutydesk.services.pool import pool_window

        pool_window(desk)
        return lambda: [pool_window(desk) for _ in range(repeat)]
    if figure == "clocks":
        from dutydesk.services.clocks import open_clocks

        def clocks() -> None:
            with desk.read() as session:
                open_clocks(session, desk.calendar, desk.now())

        clocks()
        return lambda: [clocks() for _ in range(max(1, repeat // 5))]
    if figure == "export":
        from dutydesk.services.snapshot import export_snapshot

        target = Path(tempfile.mkdtemp()) / "pool.csv"
        export_snapshot(desk, fmt="csv", path=target)
        return lambda: [export_snapshot(desk, fmt="csv", path=target) for _ in range(3)]
    from bench.figures import mail_import

    return lambda: mail_import(db, 2000)


if __name__ == "__main__":
    sys.stdout.write(main())
