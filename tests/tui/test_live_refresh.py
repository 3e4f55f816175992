"""Two desks on one database: a change made in one app appears in the other, cursor and selection kept.

Runs on SQLite and PostgreSQL (``make_desk`` is parametrized over both): the
app polls ``desk.change_counter()`` every ``refresh_seconds`` (0.2 s here).
"""

from __future__ import annotations

from dutydesk.domain.priority import Priority
from dutydesk.services.demo import load_demo
from tui_helpers import pool_keys, pool_ready, select_key, wait_for


async def test_a_change_in_one_app_appears_in_the_other(make_desk):
    from dutydesk.app import DutyDeskApp

    lead = make_desk(now="2026-12-01T11:00", actor="duty-lead")
    load_demo(lead)
    other = make_desk(now="2026-12-01T11:00", actor="duty-1")
    app_a = DutyDeskApp(lead, language="en", poll=True, cursor_blink=False)
    app_b = DutyDeskApp(other, language="en", poll=True, cursor_blink=False)
    async with app_a.run_test(size=(120, 40)) as a, app_b.run_test(size=(120, 40)) as b:
        pool_a, pool_b = await pool_ready(a), await pool_ready(b)
        await select_key(b, "SUP-1004")
        index_before = pool_b.table.cursor
        await select_key(a, "SUP-1011")
        await a.press("5")  # the first row of the pool goes to the end
        await wait_for(b, lambda: pool_keys(pool_b).index("SUP-1011") > 10,
                       timeout=15, what="the other desk to see the change")
        assert pool_b.table.current.key == "SUP-1004"  # selection kept by key…
        assert pool_b.table.cursor == index_before - 1  # …though its row moved up by one
        assert pool_b.table.rows[pool_keys(pool_b).index("SUP-1011")].priority is Priority.INSIGNIFICANT
        # And the other way round: B takes a task, A's pool shows it in progress.
        await select_key(b, "SUP-1015")
        await b.press("t")
        await wait_for(a, lambda: next(r for r in pool_a.table.rows.values() if r.key == "SUP-1015").status
                       == "in_progress", timeout=15, what="A to see B's take")


async def test_postgres_pushes_another_desks_change_without_waiting_for_the_poll(pg_database, settings):
    """LISTEN/NOTIFY: with the poll at a minute, the change still shows within seconds."""
    from dataclasses import replace

    from dutydesk.app import DutyDeskApp
    from dutydesk.clock import Clock, parse_moment
    from dutydesk.services import lifecycle
    from dutydesk.services.desk import open_desk

    slow = settings.model_copy(update={"refresh_seconds": 60.0})
    lead = open_desk(pg_database, slow, Clock(parse_moment("2026-12-01T11:00", slow.tz)), "duty-lead")
    load_demo(lead)
    other = replace(lead, actor="duty-1")
    app = DutyDeskApp(lead, language="en", poll=True, cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        pool = await pool_ready(pilot)
        await pilot.pause(1.5)  # the listener is connected
        lifecycle.set_priority(other, "SUP-1011", 5)
        await wait_for(pilot, lambda: pool_keys(pool).index("SUP-1011") > 10, timeout=10,
                       what="the pushed change to show")
    lead.engine.dispose()
