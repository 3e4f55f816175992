"""Hostile text from mail and the registry, shown in every screen: literally, with every escape stripped.

A subject like ``[bold red]x[/] \\x1b]0;t\\x07`` must read ``[bold red]x[/]`` on
screen (markup not applied, the OSC title sequence gone), and no escape or
control byte may reach the terminal from any screen, toast or dialog.
"""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage

import pytest

from dutydesk.mail.sources import MailSource
from dutydesk.services.escalation import escalate
from dutydesk.services.intake import create_request
from dutydesk.services.intake_mail import import_sources
from dutydesk.services.registry import import_registry
from dutydesk.services.registry_schema import parse_registry
from tui_helpers import idle, pool_ready, screen_lines, select_key, wait_for

HOSTILE_SUBJECT = "[bold red]x[/] \x1b]0;t\x07"
SHOWN_SUBJECT = "[bold red]x[/]"
HOSTILE_CLIENT = "[bold red]Evil[/] \x1b[31mCorp\x1b[0m"
HOSTILE_BODY = "[blink]body[/] \x1b[2J text\n[link=http://x]click[/link] \u202eevil\x07"
HOSTILE_NOTE = "[reverse]call me[/] \x1b[5m"


@pytest.fixture
def hostile(sqlite_desk):
    """The demo, plus a client, a project, a task by hand, a mail and an escalation, all hostile."""
    desk = sqlite_desk
    registry = {"staff": [{"id": "mgr-evil", "name": "[i]Mallory[/i]", "role": "manager", "phone": "+7 1"}],
                "clients": [{"id": "evil", "name": HOSTILE_CLIENT, "domains": ["evil.test"],
                             "contracts": [{"number": "[b]1[/b]", "kind": "hosting", "starts": "2025-01-01",
                                            "services": ["[u]hosting[/u]"]}],
                             "projects": [{"id": "evil-site", "name": "[link=http://x]proj[/link]",
                                           "manager": "mgr-evil"}]}]}
    import_registry(desk, parse_registry(registry, source="test"), source="test")
    by_hand = create_request(desk, subject=HOSTILE_SUBJECT, sender="boss@evil.test",
                             received_at=desk.now() - timedelta(minutes=5)).key
    mail = EmailMessage()
    mail["From"] = "[b]Boss[/b] <boss@evil.test>"
    mail["To"] = desk.settings.support_address
    mail["Subject"] = "Mail [bold]subject[/bold]"
    mail["Message-ID"] = "<evil-1@evil.test>"
    mail["Date"] = "Tue, 01 Dec 2026 10:40:00 +0300"
    mail.set_content(HOSTILE_BODY)
    import_sources(desk, [MailSource("test:evil", mail.as_bytes())])
    escalate(desk, by_hand, trigger="deadline", level=1, note=HOSTILE_NOTE, deadline=desk.now() + timedelta(days=1))
    return desk, by_hand


def clean(app) -> str:
    """The screen's text, after checking that nothing but printable text and newlines is in it."""
    text = "\n".join(screen_lines(app))
    for bad in ("\x1b", "\x07", "\u202e", "\x9b"):
        assert bad not in text, f"{bad!r} reached the screen"
    return text


async def test_hostile_text_is_literal_in_every_screen(make_app, hostile):
    desk, key = hostile
    app = make_app()
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        await pool_ready(pilot)
        await select_key(pilot, key)
        await wait_for(pilot, lambda: "Support check" in clean(app), what="the pane")
        text = clean(app)
        assert SHOWN_SUBJECT in text and "[bold red]Evil[/] Corp" in text

        await pilot.press("enter")  # task screen: facts, verdict, escalation note, history
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TaskScreen" and app.screen.detail)
        await idle(pilot)
        text = clean(app)
        assert SHOWN_SUBJECT in text and "[bold red]Evil[/] Corp" in text and "[reverse]call me[/]" in text
        await pilot.press("escape")

        mail_key = next(r.key for r in app.screen.table.rows.values() if r.subject.startswith("Mail"))
        await pool_ready(pilot)
        await select_key(pilot, mail_key)
        await pilot.press("enter")  # the thread with the hostile body
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TaskScreen" and app.screen.detail)
        await idle(pilot)
        text = clean(app)
        assert "[blink]body[/]" in text and "[link=http://x]click[/link]" in text
        assert "Mail [bold]subject[/bold]" in text
        await pilot.press("escape")

        await pool_ready(pilot)
        await select_key(pilot, key)
        await pilot.press("a")  # the composer: the subject in the headers
        await wait_for(pilot, lambda: type(app.screen).__name__ == "AckScreen" and app.screen.draft)
        await idle(pilot)
        assert SHOWN_SUBJECT in clean(app)
        await pilot.press("escape")

        await pilot.press("c", *"evil")  # lookup: client, contract, services, project, manager
        await wait_for(pilot, lambda: getattr(app.screen, "query_text", "") == "evil", what="the typing pause")
        await idle(pilot)
        text = clean(app)
        assert "[bold red]Evil[/] Corp" in text and "[b]1[/b]" in text and "[u]hosting[/u]" in text
        assert "[i]Mallory[/i]" in text
        await pilot.press("escape")

        await pilot.press("e")  # escalations: subject and note
        await wait_for(pilot, lambda: type(app.screen).__name__ == "EscalationsScreen" and app.screen.items)
        screen = app.screen
        index = next(i for i, item in enumerate(screen.items) if item.key == key)
        screen.query_one("#esc-table").move_cursor(row=index)
        await idle(pilot)
        text = clean(app)
        assert SHOWN_SUBJECT in text and "[reverse]call me[/]" in text and "[i]Mallory[/i]" in text


async def test_hostile_refusal_is_a_plain_notification(make_app, hostile):
    """An error line that carries untrusted text is shown as text, never parsed as markup."""
    desk, key = hostile
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await pool_ready(pilot)
        screen.fail("refused: [bold red]x[/] \x1b]0;t\x07")
        await pilot.pause(0.2)
        assert "refused: [bold red]x[/]" in clean(app)
