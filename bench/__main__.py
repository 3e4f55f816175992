"""``python -m bench [--json] [--tasks N]``: every figure of issue 7, medians over repeated runs.

The generated database is cached in ``bench/.cache`` (keyed by size and generator
version), so only the first run pays for generation.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench import figures
from bench.generate import GENERATOR_VERSION, generate

CACHE = Path(__file__).resolve().parent / ".cache"
GOALS = {
    "startup_to_pool_s": ("s", 0.6, "≤"), "priority_key_ms": ("ms", 30.0, "≤"), "pool_window_ratio": ("×", 2.0, "≤"),
    "clocks_all_open_ms": ("ms", 200.0, "≤"), "export_csv_ratio": ("×", 2.0, "≤"),
    "mail_import_msgs_per_s": ("msg/s", 1000.0, "≥"), "peak_rss_mb": ("MB", 120.0, "≤"),
}


def database(tasks: int, clients: int) -> str:
    from dutydesk.store.migrate import head_revision

    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"bench-{tasks}-{clients}-g{GENERATOR_VERSION}-s{head_revision()}.sqlite"
    if not path.exists():
        for old in CACHE.glob(f"bench-{tasks}-{clients}-*.sqlite*"):
            old.unlink()
        tmp = path.with_suffix(".partial")
        tmp.unlink(missing_ok=True)
        generate(str(tmp), tasks=tasks, clients=clients)
        tmp.rename(path)
    return str(path)


def run(tasks: int, clients: int, repeat: int, app_runs: int, mails: int) -> dict:
    db = database(tasks, clients)
    out: dict[str, dict] = {}

    def put(name: str, values: list[float], baseline: list[float] | None = None, scale: float = 1.0,
            ratio_of: tuple[list[float], list[float]] | None = None) -> None:
        unit, goal, _ = GOALS[name]
        entry = {**figures.summary(values, scale), "unit": unit, "goal": goal, "baseline": None, "ratio": None}
        if baseline is not None:
            entry["baseline"] = round(statistics.median(baseline) * scale, 3)
        out[name] = entry

    figures.bytecode()
    apps = figures.app_runs(db, app_runs, presses=10)
    put("startup_to_pool_s", [a["startup_s"] for a in apps])
    put("priority_key_ms", [ms for a in apps for ms in a["priority_ms"]] or [float("nan")])
    put("peak_rss_mb", [a["peak_rss_mb"] for a in apps])
    ours, raw, counts = figures.pool_window(db, repeat)
    ratios = [o / statistics.median(raw) for o in ours]
    put("pool_window_ratio", ratios)
    out["pool_window_ratio"].update(baseline=round(statistics.median(raw) * 1000, 3),
                                    ours_ms=round(statistics.median(ours) * 1000, 3), baseline_unit="ms",
                                    counts_ms=round(statistics.median(counts) * 1000, 3))
    out["pool_window_ratio"]["ratio"] = out["pool_window_ratio"]["median"]
    put("clocks_all_open_ms", figures.clocks_all_open(db, repeat), scale=1000)
    exported = figures.export_csv(db, max(3, repeat // 3))
    if exported is not None:
        ours, raw = exported
        put("export_csv_ratio", [o / statistics.median(raw) for o in ours])
        out["export_csv_ratio"].update(baseline=round(statistics.median(raw), 3),
                                       ours_s=round(statistics.median(ours), 3), baseline_unit="s")
        out["export_csv_ratio"]["ratio"] = out["export_csv_ratio"]["median"]
    rates = [r for r in (figures.mail_import(db, mails) for _ in range(2)) if r is not None]
    if rates:
        put("mail_import_msgs_per_s", rates)
    return {"machine": figures.machine(), "tasks": tasks, "figures": out}


def verdict(name: str, entry: dict) -> str:
    _, goal, sense = GOALS[name]
    value = entry["median"]
    ok = value <= goal if sense == "≤" else value >= goal
    return "met" if ok else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--app-runs", type=int, default=3)
    parser.add_argument("--mails", type=int, default=10_000)
    args = parser.parse_args()
    result = run(args.tasks, args.clients, args.repeat, args.app_runs, args.mails)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return
    grid = Table(title=f"dutydesk benchmark — {args.tasks:,} tasks on {result['machine']['cpus']} cores")
    for column in ("figure", "median", "min", "max", "unit", "goal", "baseline", "ratio", "verdict"):
        grid.add_column(column)
    for name, entry in result["figures"].items():
        grid.add_row(name, *(str(entry.get(k)) for k in ("median", "min", "max", "unit")),
                     f"{GOALS[name][2]} {entry['goal']}", str(entry.get("baseline")), str(entry.get("ratio")),
                     verdict(name, entry))
    # Piped (make bench | tee, CI logs) rich would fold the table into 80 columns.
    Console(width=None if sys.stdout.isatty() else 140).print(grid)
    missing = sorted(set(GOALS) - set(result["figures"]))
    if missing:
        print(f"not measured (feature missing): {', '.join(missing)}", file=sys.stderr)


if __name__ == "__main__":
    main()
