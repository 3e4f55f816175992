"""One headless run of the desk on the benchmark database (a separate process, so start-up is real).

Prints one JSON line: wall-clock moment the first pool rows were painted, the
in-app repaint times of priority keys, and the process's peak RSS.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time


async def run(db: str, presses: int) -> dict:
    from dutydesk.app import DutyDeskApp, PoolShown
    from dutydesk.clock import Clock, parse_moment
    from dutydesk.config import Settings
    from dutydesk.services.desk import open_desk

    settings = Settings()
    desk = open_desk(db, settings, Clock(parse_moment("2026-12-01T11:00", settings.tz)), "duty-1")
    shown: dict = {}

    def hook(message) -> None:
        if isinstance(message, PoolShown) and "wall" not in shown:
            shown["wall"] = time.time()
            shown["rows"] = message.rows

    app = DutyDeskApp(desk, language="en", poll=False)
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        while "wall" not in shown:
            await pilot.pause(0.01)
        for i in range(presses):
            await pilot.press("down")
            await pilot.press(str(3 + i % 3))
            for _ in range(200):  # until the app recorded that key's repaint
                await pilot.pause(0.01)
                if len(app.metrics.get("repaint:priority", [])) > i:
                    break
    return {"shown_wall": shown["wall"], "rows": shown.get("rows"),
            "priority_ms": app.metrics.get("repaint:priority", []),
            "peak_rss_mb": peak_rss_mb()}


def peak_rss_mb() -> float:
    """This process's own peak resident set (``VmHWM``). Not ``ru_maxrss``: Linux carries that over
    from the parent across fork and exec, so a probe started by a big benchmark process reported
    the benchmark's size (218 MB) instead of its own (111 MB)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    result = asyncio.run(run(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
