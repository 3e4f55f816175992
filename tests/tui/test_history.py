"""``y``: the pool's history — trend chart from the audit trail, stored snapshots, export in any format (issue 6)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from dutydesk.clock import Clock, parse_moment
from dutydesk.services.snapshot import snapshot_dir, take_snapshot
from tui_helpers import idle, pool_ready, screen_lines, wait_for


async def test_history_shows_the_trend_and_exports_a_stored_snapshot(make_app, sqlite_desk):
    evening = replace(sqlite_desk, clock=Clock(parse_moment("2026-12-01T18:30", sqlite_desk.settings.tz)))
    take_snapshot(evening, day=date(2026, 12, 1))
    app = make_app(evening)
    async with app.run_test(size=(120, 40)) as pilot:
        await pool_ready(pilot)
        await pilot.press("y")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HistoryScreen" and app.screen.snapshots)
        await wait_for(pilot, lambda: "Last working day" in "\n".join(screen_lines(app)), what="trend summary")
        text = "\n".join(screen_lines(app))
        assert "2026-12-01" in text and "The pool over the last" in text
        for key, fmt in (("1", "csv"), ("5", "xlsx")):
            await pilot.press(key)
            target = snapshot_dir(evening) / f"pool-2026-12-01.{fmt}"
            await wait_for(pilot, target.exists, what=f"{fmt} export")
        await pilot.press("escape")
        await idle(pilot)
        assert type(app.screen).__name__ == "PoolScreen"
