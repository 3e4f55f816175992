"""Each figure of the benchmark: measured the way the lead would feel it, with its raw baseline."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dutydesk.clock import utcnow

ROOT = Path(__file__).resolve().parents[1]


def _desk(db: str):
    from dutydesk.clock import Clock, parse_moment
    from dutydesk.config import Settings
    from dutydesk.services.desk import open_desk

    settings = Settings()
    return open_desk(db, settings, Clock(parse_moment("2026-12-01T11:00", settings.tz)), "duty-1")


def _timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def bytecode() -> None:
    """The desk's modules compiled to bytecode on disk, as any installed program has them. Where
    PYTHONDONTWRITEBYTECODE is set, Python would otherwise compile them from source at every
    start (0.4 s here), which is this machine's setting, not the desk's start-up."""
    import compileall

    compileall.compile_dir(ROOT / "dutydesk", quiet=1, workers=0)


def app_runs(db: str, runs: int, presses: int) -> list[dict]:
    """Start the app as a fresh process each time: process start → first pool rows painted."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    results = []
    for _ in range(runs):
        started = time.time()
        done = subprocess.run([sys.executable, "-m", "bench.probe_app", db, str(presses)], capture_output=True,
                              text=True, env=env, cwd=ROOT, timeout=180)
        if done.returncode != 0:
            raise RuntimeError(f"probe failed: {done.stderr[-2000:]}")
        data = json.loads(done.stdout.strip().splitlines()[-1])
        data["startup_s"] = data["shown_wall"] - started
        results.append(data)
    return results


def window_sql(desk) -> str:
    """The exact SQL the pool window runs, with its values written in, for the raw baseline."""
    from dutydesk.services.pool import window_query

    query = window_query().limit(200)
    return str(query.compile(desk.engine, compile_kwargs={"literal_binds": True}))


def _interleaved(ours, raw, repeat: int) -> tuple[list[float], list[float]]:
    """Both sides of a ratio timed turn about: a shared machine's speed drifts by tens of per cent
    within a minute, and timing one side after the other measured the drift as much as the code."""
    a, b = [], []
    for _ in range(repeat):
        a += _timed(ours, 1)
        b += _timed(raw, 1)
    return a, b


def pool_window(db: str, repeat: int) -> tuple[list[float], list[float], list[float]]:
    """The first 200 rows in the order of work with blockers and clocks (``pool_window``), against
    the raw sqlite3 query for the same rows; the header's counts are timed on their own."""
    from dutydesk.services.pool import pool_counts, pool_window as window

    desk = _desk(db)
    window(desk, limit=200)  # warm: calendar years, compiled statements, the window's clock plans
    sql = window_sql(desk)
    conn = sqlite3.connect(db)
    ours, raw = _interleaved(lambda: window(desk, limit=200), lambda: conn.execute(sql).fetchall(), repeat)
    counts = _timed(lambda: pool_counts(desk), repeat)
    conn.close()
    desk.engine.dispose()
    return ours, raw, counts


def clocks_all_open(db: str, repeat: int) -> list[float]:
    """Every open task's clocks from the store (``open_clocks``, what the breach count runs): facts,
    pauses from the audit trail, the calendar math. Nothing is remembered between runs."""
    from dutydesk.services.clocks import open_clocks

    desk = _desk(db)
    now = desk.now()

    def run() -> int:
        with desk.read() as session:
            return len(open_clocks(session, desk.calendar, now))

    run()
    out = _timed(run, repeat)
    desk.engine.dispose()
    return out


def export_csv(db: str, repeat: int) -> tuple[list[float], list[float]] | None:
    """Snapshot export to CSV against ``sqlite3 -csv`` running the equivalent query on the same file."""
    try:
        from dutydesk.services.snapshot import export_snapshot
    except ImportError:
        return None
    desk = _desk(db)
    target = Path(tempfile.mkdtemp()) / "pool.csv"
    export_snapshot(desk, fmt="csv", path=target)
    sql = _export_baseline_sql()
    binary = shutil.which("sqlite3")
    if binary is None:
        raise RuntimeError("the sqlite3 command is needed for the export baseline (apt-get install sqlite3)")
    ours, raw = _interleaved(
        lambda: export_snapshot(desk, fmt="csv", path=target),
        lambda: subprocess.run([binary, "-csv", "-header", db, sql], check=True, stdout=subprocess.DEVNULL), repeat)
    desk.engine.dispose()
    return ours, raw


def _export_baseline_sql() -> str:
    """The snapshot's columns for every open task, joined as a raw query would (no history rebuild)."""
    return ("SELECT t.key, t.subject, c.name, p.name, t.priority_order, t.status, t.received_at, t.reacted_at, "
            "t.taken_at, t.assignee_id FROM task t LEFT JOIN client c ON c.id = t.client_id "
            "LEFT JOIN project p ON p.id = t.project_id "
            "WHERE t.status IN ('pool', 'in_progress', 'waiting_client', 'needs_agreement') "
            "ORDER BY t.priority_order, t.received_at, t.number;")


def mail_import(db: str, messages: int) -> float | None:
    """Messages per second importing a Maildir of generated requests into a copy of the big desk."""
    try:
        from dutydesk.services.intake_mail import import_sources
    except ImportError:
        return None
    from bench.mailgen import write_maildir
    from dutydesk.mail.sources import iter_sources

    work = Path(tempfile.mkdtemp())
    copy = work / "desk.sqlite"
    src = sqlite3.connect(db)
    dst = sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    dst.close()
    maildir = write_maildir(work / "Maildir", messages)
    desk = _desk(str(copy))
    started = time.perf_counter()
    import_sources(desk, iter_sources([maildir]))
    elapsed = time.perf_counter() - started
    desk.engine.dispose()
    shutil.rmtree(work, ignore_errors=True)
    return messages / elapsed


def summary(values: list[float], scale: float = 1.0) -> dict:
    scaled = [v * scale for v in values]
    return {"median": round(statistics.median(scaled), 3), "min": round(min(scaled), 3), "max": round(max(scaled), 3)}


def machine() -> dict:
    import platform

    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "date": utcnow().date().isoformat()}
