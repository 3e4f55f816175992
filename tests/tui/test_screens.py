"""The other screens by keyboard: task, acknowledgement, client lookup, escalations, help, palette, keymap."""

from __future__ import annotations

from dataclasses import replace

from textual.widgets import Input

from dutydesk.config import SmtpSettings
from dutydesk.domain.priority import Priority
from dutydesk.services.escalation import escalation_board
from dutydesk.services.tasks import show_task
from tui_helpers import LoopbackSmtp, idle, notifications, pool_ready, screen_lines, select_key, wait_for


def on(app, name: str) -> bool:
    return type(app.screen).__name__ == name


# --- task screen ---------------------------------------------------------------------------------


async def open_task(pilot, key: str):
    await pool_ready(pilot)
    await select_key(pilot, key)
    await pilot.press("enter")
    await wait_for(pilot, lambda: on(pilot.app, "TaskScreen") and pilot.app.screen.detail is not None)
    await idle(pilot)
    return pilot.app.screen


async def test_task_screen_shows_everything_and_its_keys_work(make_app, sqlite_desk):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_task(pilot, "SUP-1015")
        text = "\n".join(screen_lines(app))
        for part in ("SUP-1015", "Thread", "Attachments", "Clocks", "R-SLA-IMM", "Support check", "R-ELIG-1",
                     "Subtasks", "Escalations", "History"):
            assert part in text, part
        await pilot.press("2", "1")  # two quick writes: the second must not be refused as stale
        await wait_for(pilot, lambda: sum("SUP-1015 →" in m for _, m in notifications(app)) == 2)
        assert show_task(sqlite_desk, "SUP-1015").priority is Priority.IMMEDIATE
        await pilot.press("t")
        await wait_for(pilot, lambda: show_task(sqlite_desk, "SUP-1015").status == "in_progress",
                       what=f"take {notifications(app)}")
        await wait_for(pilot, lambda: screen.detail.task.status == "in_progress", what="reload after take")
        await pilot.press("w", *"Пришлите логи", "ctrl+s")
        await wait_for(pilot, lambda: show_task(sqlite_desk, "SUP-1015").status == "waiting_client")
        await wait_for(pilot, lambda: screen.detail.task.status == "waiting_client")
        await pilot.press("u")
        await wait_for(pilot, lambda: show_task(sqlite_desk, "SUP-1015").status == "in_progress")
        await wait_for(pilot, lambda: screen.detail.task.status == "in_progress")
        await pilot.press("d")
        await wait_for(pilot, lambda: show_task(sqlite_desk, "SUP-1015").status == "done")


async def test_task_screen_out_of_scope_and_refused_done(make_app, sqlite_desk):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_task(pilot, "SUP-1003")
        await pilot.press("d")  # not taken yet: the engine refuses, the desk says why
        await wait_for(pilot, lambda: any(s == "error" for s, _ in notifications(app)))
        assert any("take it before marking it done" in m for _, m in notifications(app))
        await pilot.press("o", *"extra work", "enter")
        await wait_for(pilot, lambda: show_task(sqlite_desk, "SUP-1003").status == "needs_agreement")


# --- acknowledgement -------------------------------------------------------------------------------


async def test_digit_then_a_then_enter_sends_the_acknowledgement_over_smtp(make_app, sqlite_desk):
    smtp = SmtpSettings(host="127.0.0.1", security="plain", timeout_s=5)
    with LoopbackSmtp() as server:
        desk = replace(sqlite_desk, settings=sqlite_desk.settings.model_copy(
            update={"smtp": smtp.model_copy(update={"port": server.port})}))
        app = make_app(desk)
        async with app.run_test(size=(120, 40)) as pilot:
            await pool_ready(pilot)
            await select_key(pilot, "SUP-1014")
            await pilot.press("2")
            await wait_for(pilot, lambda: app.metrics.get("settled:priority"), what="the priority")
            await pilot.press("a")
            await wait_for(pilot, lambda: on(app, "AckScreen") and app.screen.draft is not None, what="the draft")
            text = "\n".join(screen_lines(app))
            for header in ("From:", "To:", "Cc:", "Subject:", "Auto-Submitted:"):
                assert header in text
            await pilot.press("enter")  # the Send button has the focus: "confirm"
            await wait_for(pilot, lambda: server.received, what="the mail on the SMTP server")
            await wait_for(pilot, lambda: on(app, "PoolScreen"))
        mail = server.received[0]
        assert "[SUP-1014]" in mail["Subject"] and mail["Auto-Submitted"] == "auto-replied"
        assert "ЦЕННАЯ" in mail.get_body(("plain",)).get_content()
        assert any("acknowledgement sent" in m for _, m in notifications(app))


async def test_acknowledgement_to_outbox_and_cancel(make_app, tui_settings):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pool_ready(pilot)
        await select_key(pilot, "SUP-1015")
        await pilot.press("a")
        await wait_for(pilot, lambda: on(app, "AckScreen") and app.screen.draft is not None)
        await pilot.press("escape")
        await wait_for(pilot, lambda: on(app, "PoolScreen"))
        assert not tui_settings.outbox_dir.exists() or not list(tui_settings.outbox_dir.iterdir())
        await pilot.press("a")
        await wait_for(pilot, lambda: on(app, "AckScreen") and app.screen.draft is not None)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: on(app, "PoolScreen"))
        assert len(list(tui_settings.outbox_dir.glob("*.eml"))) == 1


# --- client lookup ---------------------------------------------------------------------------------


async def test_lookup_updates_as_you_type_and_opens_the_clients_tasks(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pool = await pool_ready(pilot)
        await pilot.press("c")
        await wait_for(pilot, lambda: on(app, "LookupScreen"))
        await pilot.press(*"boss@acme.ru")
        await wait_for(pilot, lambda: app.screen.query_text == "boss@acme.ru", what="the typing pause")
        await idle(pilot)
        text = "\n".join(screen_lines(app))
        assert "R-ELIG-1" in text and "Д-17/2024" in text and "Анна Иванова" in text
        app.screen.query_one(Input).value = ""
        await pilot.press(*"nobody@gmail.com")
        await wait_for(pilot, lambda: app.screen.query_text == "nobody@gmail.com")
        await idle(pilot)
        assert "NOT ON SUPPORT" in "\n".join(screen_lines(app))
        assert "R-ELIG-4" in "\n".join(screen_lines(app))
        app.screen.query_one(Input).value = ""
        await pilot.press(*"Акме")
        await wait_for(pilot, lambda: app.screen.query_text == "Акме")
        await idle(pilot)
        assert [c.verdict.client_id for c in app.screen.cards] == ["acme"]
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: on(app, "PoolScreen") and pool.where.client_id == "acme")
        await wait_for(pilot, lambda: pool.table.total == 3)


# --- escalations ------------------------------------------------------------------------------------


async def test_escalations_record_a_call_find_and_close(make_app, sqlite_desk):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pool_ready(pilot)
        await pilot.press("e")
        await wait_for(pilot, lambda: on(app, "EscalationsScreen") and app.screen.items)
        screen = app.screen
        text = "\n".join(screen_lines(app))
        assert "SUP-1005" in text and "Анна Иванова" in text and "8 (800) 775-52-93" in text
        assert all(item.detected for item in screen.items)
        await pilot.press("n")
        await wait_for(pilot, lambda: on(app, "EscalatePrompt"))
        await pilot.press("ctrl+s")  # SUP-1005, (b), level 1, as detected
        await wait_for(pilot, lambda: on(app, "EscalationsScreen") and any(i.id for i in screen.items))
        recorded = next(i for i in escalation_board(sqlite_desk) if i.id)
        assert recorded.key == "SUP-1005" and recorded.trigger.value == "immediate_overdue"
        # R-ESC-4: a caller names the time they sent the mail.
        await pilot.press("slash", *"2026-12-01 08:50", "enter")
        await wait_for(pilot, lambda: screen.found, what="found by time")
        assert screen.found[0].key == "SUP-1011"
        screen.query_one("#esc-table").focus()
        await pilot.press("home")
        await wait_for(pilot, lambda: screen.current is not None and screen.current.id is not None)
        await pilot.press("o", *"manager called back", "enter")
        await wait_for(pilot, lambda: not any(i.id for i in escalation_board(sqlite_desk)), what="closed")


# --- help, palette, keymap ------------------------------------------------------------------------------


async def test_help_lists_every_binding_of_the_screen(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pool = await pool_ready(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: on(app, "HelpScreen"))
        text = "\n".join(screen_lines(app))
        for binding_id in ("priority-1", "ack", "take", "take-next", "wait", "split", "hand-off", "open", "search",
                           "filters", "export", "refresh", "escalations", "lookup", "help", "quit"):
            assert binding_id in text, binding_id
        await pilot.press("escape")
        assert app.screen is pool


async def test_keymap_from_settings_rebinds_by_id(make_app, sqlite_desk):
    desk = replace(sqlite_desk, settings=sqlite_desk.settings.model_copy(update={"keymap": {"take": "k",
                                                                                             "no-such": "z"}}))
    app = make_app(desk)
    async with app.run_test(size=(120, 40)) as pilot:
        await pool_ready(pilot)
        assert any("unknown binding id no-such" in m for _, m in notifications(app))
        await select_key(pilot, "SUP-1015")
        await pilot.press("t")
        await idle(pilot)
        assert show_task(sqlite_desk, "SUP-1015").status == "pool"
        await pilot.press("k")
        await wait_for(pilot, lambda: show_task(sqlite_desk, "SUP-1015").status == "in_progress")


async def test_palette_offers_actions_for_the_selected_task(make_app, sqlite_desk):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pool_ready(pilot)
        await select_key(pilot, "SUP-1015")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "CommandPalette")
        await pilot.press(*"Take the selected")
        await wait_for(pilot, lambda: "SUP-1015" in "\n".join(screen_lines(app)), what="the hit")
        await pilot.press("enter")
        await wait_for(pilot, lambda: show_task(sqlite_desk, "SUP-1015").status == "in_progress")


async def test_russian_ui(make_app):
    app = make_app(lang="ru")
    async with app.run_test(size=(120, 40)) as pilot:
        await pool_ready(pilot)
        text = "\n".join(screen_lines(app))
        assert "не разобрано 5" in text and "просрочено" in text and "НЕЗНАЧИТЕЛЬНО" in text
        assert "взять" in text and "справка" in text
