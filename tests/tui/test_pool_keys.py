"""Every key of the pool screen, driven by Pilot on the demo data with the clock frozen at 11:00."""

from __future__ import annotations

import pytest

from dutydesk.domain.priority import Priority
from dutydesk.services.pool import pool_listing
from dutydesk.services.tasks import show_task
from tui_helpers import idle, notifications, pool_keys, pool_ready, select_key, wait_for


async def test_pool_shows_the_order_of_work_and_the_counts(make_app, sqlite_desk):
    app = make_app()
    shown = []
    async with app.run_test(size=(120, 40), message_hook=shown.append) as pilot:
        screen = await pool_ready(pilot)
        expected = [row.key for row in pool_listing(sqlite_desk).rows]
        assert pool_keys(screen) == expected
        assert pool_keys(screen)[:5] == [k for k in expected if show_task(sqlite_desk, k).priority is None][:5]
        counts = str(screen.query_one("#counts").render())
        assert "untriaged 5" in counts and "НЕМЕДЛЕННО 2" in counts and "breached 5" in counts
        assert app.first_rows_at is not None and app.first_rows_at > 0
        assert any(type(m).__name__ == "PoolShown" for m in shown)


async def test_digit_sets_priority_and_the_row_moves_with_the_cursor(make_app, sqlite_desk):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await pool_ready(pilot)
        before = pool_keys(screen)
        assert before[0] == "SUP-1011"
        await pilot.press("2")
        await wait_for(pilot, lambda: pool_keys(screen)[0] != "SUP-1011", what="the row to move")
        await idle(pilot)
        after = pool_keys(screen)
        assert show_task(sqlite_desk, "SUP-1011").priority is Priority.VALUABLE
        # After the other Valuable tasks (older first), before the Normal ones (R-POOL-2).
        assert after.index("SUP-1011") > after.index("SUP-1008")
        assert after.index("SUP-1011") < after.index("SUP-1002")
        assert screen.table.current.key == "SUP-1011"  # the cursor followed the task
        assert app.metrics["repaint:priority"] and app.metrics["settled:priority"]


@pytest.mark.parametrize("digit", ["1", "2", "3", "4", "5"])
async def test_each_priority_digit(make_app, sqlite_desk, digit):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pool_ready(pilot)
        await select_key(pilot, "SUP-1014")
        await pilot.press(digit)
        await wait_for(pilot, lambda: show_task(sqlite_desk, "SUP-1014").priority is Priority(int(digit)))
        await idle(pilot)
        assert ("information", f"SUP-1014 → {Priority(int(digit)).russian} / {Priority(int(digit)).english}") \
            in notifications(app)


async def test_take_of_a_blocked_task_shows_the_engines_refusal(make_app, sqlite_desk):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pool_ready(pilot)
        await select_key(pilot, "SUP-1008")
        await pilot.press("t")
        await wait_for(pilot, lambda: any(s == "error" for s, _ in notifications(app)), what="the refusal")
        severity, message = next(n for n in notifications(app) if n[0] == "error")
        assert "blocked by SUP-1015" in message and "R-POOL-3" in message
        assert "Traceback" not in message
        assert show_task(sqlite_desk, "SUP-1008").status == "pool"


async def test_take_and_take_next(make_app, sqlite_desk):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await pool_ready(pilot)
        await select_key(pilot, "SUP-1015")
        await pilot.press("t")
        await wait_for(pilot, lambda: show_task(sqlite_desk, "SUP-1015").status == "in_progress")
        await pilot.press("n")
        await wait_for(pilot, lambda: sum("taken by duty-lead" in m for _, m in notifications(app)) == 2,
                       what="take next")
        await idle(pilot)
        taken = [m.split()[0] for _, m in notifications(app) if "taken by" in m]
        assert taken[0] == "SUP-1015" and show_task(sqlite_desk, taken[1]).assignee == "duty-lead"
        assert screen.table.current.key == taken[1]


async def test_wait_for_client_asks_the_question(make_app, sqlite_desk):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pool_ready(pilot)
        await select_key(pilot, "SUP-1003")
        await pilot.press("w")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TextPrompt")
        await pilot.press(*"Which 25 news?")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: show_task(sqlite_desk, "SUP-1003").status == "waiting_client")
        assert show_task(sqlite_desk, "SUP-1003").note == "Which 25 news?"


async def test_wait_cancelled_with_escape_changes_nothing(make_app, sqlite_desk):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pool_ready(pilot)
        await select_key(pilot, "SUP-1003")
        await pilot.press("w", "x", "escape")
        await idle(pilot)
        assert show_task(sqlite_desk, "SUP-1003").status == "pool"


async def test_split_into_subtasks(make_app, sqlite_desk):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pool_ready(pilot)
        await select_key(pilot, "SUP-1003")
        await pilot.press("s")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "LinesPrompt")
        await pilot.press(*"News 1-10", "enter", *"News 11-25")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(show_task(sqlite_desk, "SUP-1003").children) == 2)
        children = show_task(sqlite_desk, "SUP-1003").children
        assert [show_task(sqlite_desk, k).subject for k in children] == ["News 1-10", "News 11-25"]


async def test_hand_off_with_the_checklist(make_app, sqlite_desk):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pool_ready(pilot)
        await select_key(pilot, "SUP-1003")
        await pilot.press("h")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HandOffPrompt")
        await pilot.press("tab", *"25 news from the archive", "enter")
        await wait_for(pilot, lambda: show_task(sqlite_desk, "SUP-1003").status == "handed_off")
        assert "более 10 материалов" in show_task(sqlite_desk, "SUP-1003").note


async def test_search_narrows_and_escape_clears(make_app, sqlite_desk):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await pool_ready(pilot)
        await pilot.press("slash", *"amazon")
        await wait_for(pilot, lambda: screen.table.total == 1 and pool_keys(screen) == ["SUP-1017"])
        await pilot.press("enter")  # back to the table, search kept
        assert screen.table.has_focus and screen.where.search == "amazon"
        await pilot.press("slash", "escape")
        await wait_for(pilot, lambda: screen.table.total == 17, what="the whole pool again")


async def test_filters_by_priority_and_clear(make_app, sqlite_desk):
    from textual.widgets import Select

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await pool_ready(pilot)
        await pilot.press("f")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "FiltersScreen")
        await idle(pilot)
        app.screen.query_one("#f-priority", Select).value = "3"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.table.total == 3)
        assert set(pool_keys(screen)) == {"SUP-1002", "SUP-1003", "SUP-1004"}
        assert "ОБЫЧНАЯ" in str(screen.query_one("#counts").render())
        await pilot.press("f")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "FiltersScreen")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: screen.table.total == 17)


async def test_enter_opens_the_task_and_escape_returns(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pool_ready(pilot)
        await select_key(pilot, "SUP-1015")
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TaskScreen" and app.screen.detail is not None)
        assert app.screen.key == "SUP-1015"
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "PoolScreen")


async def test_x_exports_todays_snapshot(make_app, tui_settings):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pool_ready(pilot)
        await pilot.press("x")
        await wait_for(pilot, lambda: any("snapshot written" in m for _, m in notifications(app)), timeout=20)
        written = list(tui_settings.snapshot_dir.glob("*.csv"))
        assert written and "SUP-1011" in written[0].read_text(encoding="utf-8")


async def test_r_refreshes_and_q_quits(make_app, sqlite_desk):
    from dutydesk.services import lifecycle

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await pool_ready(pilot)
        lifecycle.set_priority(sqlite_desk, "SUP-1012", Priority.LOW)  # behind the app's back, no poll
        await pilot.press("r")
        await wait_for(pilot, lambda: pool_keys(screen).index("SUP-1012") > 4, what="refresh")
        await pilot.press("q")
        await pilot.pause(0.1)
    assert app.return_code == 0


async def test_a_busy_database_keeps_what_the_lead_typed(make_app, sqlite_desk, monkeypatch):
    """The store says it is busy (another desk holds the write lock): one line, and the question comes back."""
    from dutydesk.services import lifecycle
    from dutydesk.store.engine import StoreError

    real = lifecycle.wait_for_client
    calls = []

    def busy_once(desk, key, **kwargs):
        calls.append(key)
        if len(calls) == 1:
            raise StoreError("the database is busy (another desk is writing); try again")
        return real(desk, key, **kwargs)

    monkeypatch.setattr(lifecycle, "wait_for_client", busy_once)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pool_ready(pilot)
        await select_key(pilot, "SUP-1003")
        await pilot.press("w")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TextPrompt")
        await pilot.press(*"Which 25 news?", "ctrl+s")
        await wait_for(pilot, lambda: any("database is busy" in m for _, m in notifications(app)))
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TextPrompt", what="the prompt again")
        assert app.screen.query_one("#answer").text == "Which 25 news?"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: show_task(sqlite_desk, "SUP-1003").status == "waiting_client")
        assert show_task(sqlite_desk, "SUP-1003").note == "Which 25 news?"
