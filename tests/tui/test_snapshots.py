"""SVG snapshots of every screen at 120×40 (and the pool at 80×24), clock frozen at 11:00, no cursor blink.

Re-baseline on purpose only (``pytest tests/tui/test_snapshots.py --snapshot-update``), after looking at
the report: a red snapshot means the screen changed, which may be a bug.
"""

from __future__ import annotations

import email.utils

import pytest

from tui_helpers import idle, pool_ready, screen_lines, select_key, wait_for

SIZE = (120, 40)


def on(app, name: str) -> bool:
    return type(app.screen).__name__ == name


@pytest.fixture
def fixed_message_id(monkeypatch):
    """The composer shows the Message-ID header; make it the same on every run."""
    monkeypatch.setattr(email.utils, "make_msgid", lambda idstring=None, domain=None: f"<20261201110000.1@{domain}>")


def test_pool(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=pool_ready)


def test_pool_russian(snap_compare, make_app):
    assert snap_compare(make_app(lang="ru"), terminal_size=SIZE, run_before=pool_ready)


def test_pool_80x24(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=pool_ready)


def test_pool_200x60_side_pane(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=(200, 60), run_before=pool_ready)


def test_task_screen(snap_compare, make_app):
    async def run_before(pilot):
        await pool_ready(pilot)
        await select_key(pilot, "SUP-1008")
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(pilot.app, "TaskScreen") and pilot.app.screen.detail is not None)
        await idle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_client_lookup(snap_compare, make_app):
    async def run_before(pilot):
        await pool_ready(pilot)
        await pilot.press("c", *"acme")
        await wait_for(pilot, lambda: on(pilot.app, "LookupScreen") and pilot.app.screen.cards)
        await idle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_acknowledgement_composer(snap_compare, make_app, fixed_message_id):
    async def run_before(pilot):
        await pool_ready(pilot)
        await select_key(pilot, "SUP-1015")
        await pilot.press("a")
        await wait_for(pilot, lambda: on(pilot.app, "AckScreen") and pilot.app.screen.draft is not None)
        await idle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_escalations(snap_compare, make_app):
    async def run_before(pilot):
        await pool_ready(pilot)
        await pilot.press("e")
        await wait_for(pilot, lambda: on(pilot.app, "EscalationsScreen") and pilot.app.screen.items)
        await idle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_help(snap_compare, make_app):
    async def run_before(pilot):
        await pool_ready(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: on(pilot.app, "HelpScreen"))
        await idle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_filters(snap_compare, make_app):
    async def run_before(pilot):
        await pool_ready(pilot)
        await pilot.press("f")
        await wait_for(pilot, lambda: on(pilot.app, "FiltersScreen"))
        await idle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_hand_off_checklist(snap_compare, make_app):
    async def run_before(pilot):
        await pool_ready(pilot)
        await select_key(pilot, "SUP-1003")
        await pilot.press("h")
        await wait_for(pilot, lambda: on(pilot.app, "HandOffPrompt"))
        await idle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_history(snap_compare, make_app, sqlite_desk):
    from dataclasses import replace
    from datetime import date

    from dutydesk.clock import Clock, parse_moment
    from dutydesk.services.snapshot import take_snapshot

    evening = replace(sqlite_desk, clock=Clock(parse_moment("2026-12-01T18:30", sqlite_desk.settings.tz)))
    take_snapshot(evening, day=date(2026, 12, 1))

    async def run_before(pilot):
        await pool_ready(pilot)
        await pilot.press("y")
        await wait_for(pilot, lambda: on(pilot.app, "HistoryScreen") and pilot.app.screen.snapshots)
        await wait_for(pilot, lambda: "Last working day" in "\n".join(screen_lines(pilot.app)))
        await idle(pilot)

    assert snap_compare(make_app(evening), terminal_size=SIZE, run_before=run_before)
