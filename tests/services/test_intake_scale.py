"""The intake at scale: a generated mailbox, a bounded number of SQL statements, the same answers.

Speed itself is measured, not asserted (CI machines vary); what makes it fast is
asserted instead: statements per message stay a small constant (no N+1), and
the batched path decides exactly what one message at a time would.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import event

from dutydesk.mail.sources import iter_sources
from dutydesk.services.eligibility import check_sender
from dutydesk.services.intake_mail import import_sources

from registry_seed import seed

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "mail"))
from generate import generate  # noqa: E402


@pytest.fixture
def mailbox(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    kinds = generate(tmp_path / "Maildir", 1000, seed=7)
    return tmp_path / "Maildir", kinds


def test_a_thousand_messages_take_a_bounded_number_of_statements(desk, mailbox) -> None:
    seed(desk)
    root, kinds = mailbox
    statements = []
    event.listen(desk.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    report = import_sources(desk, iter_sources([root]), workers=0)
    data = report.to_json()
    assert len(report.items) == 1000 and data["quarantined"] == 0
    assert data["ignored"] == kinds["auto"] and data["threaded"] == kinds["reply"]
    assert data["duplicates"] == kinds["cc_copy"]
    assert data["new_tasks"] == kinds["request"] + kinds["no_message_id"]
    assert len(statements) / 1000 < 0.5, f"{len(statements)} statements for 1000 messages"


def test_batched_and_one_by_one_imports_decide_the_same(desk, mailbox, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Batching is only a speed-up: one transaction per message gives the same outcomes, tasks and reasons."""
    from dutydesk.services import intake_mail
    from dutydesk.services.desk import open_desk

    root, _ = mailbox
    seed(desk)
    batched = import_sources(desk, iter_sources([root]), workers=2)  # parsed in worker processes
    alone = open_desk(str(tmp_path / "alone.sqlite"), desk.settings, desk.clock, desk.actor)
    seed(alone)
    monkeypatch.setattr(intake_mail, "BATCH_MESSAGES", 1)
    single = import_sources(alone, iter_sources([root]), workers=0)
    alone.engine.dispose()
    assert [(i.outcome, i.task, i.reason) for i in single.items] == \
        [(i.outcome, i.task, i.reason) for i in batched.items]
    monkeypatch.setattr(intake_mail, "BATCH_MESSAGES", 200)
    assert {i.outcome for i in import_sources(desk, iter_sources([root]), workers=0).items} == {"duplicate"}


def test_cached_verdicts_equal_the_engines(desk) -> None:
    from dutydesk.services.intake_senders import SenderCache

    seed(desk)
    senders = ["boss@acme.ru", "it@acme.ru", "x@shop.acme.ru", "solo@gmail.com", "solo2@gmail.com",
               "a@liniya.ru", "who@example.org", "BOSS@ACME.RU"]
    cache = SenderCache(desk)
    on = desk.now().astimezone(desk.settings.tz).date()
    with desk.read() as session:
        cache.prefetch(session, senders)
        cached = [cache.verdict(session, s, on) for s in senders]
    assert cached == [check_sender(desk, s) for s in senders]
