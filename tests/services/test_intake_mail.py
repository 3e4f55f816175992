"""Mail intake (R-IN-1, R-IN-2, R-TRI-1/2, R-WORK-1) on SQLite and PostgreSQL: outcomes, threading, dedupe."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dutydesk.mail.sources import MailSource
from dutydesk.services.ack import send_ack
from dutydesk.services.intake import create_request
from dutydesk.services.intake_mail import import_sources
from dutydesk.services.intake_prepare import unpack_raw
from dutydesk.services.lifecycle import done, take, wait_for_client
from dutydesk.services.tasks import show_task
from dutydesk.store.models import AuditEvent, Message, Task

from registry_seed import seed

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "mail"))
from mailmaker import mail  # noqa: E402


def run(desk, *raws: bytes, labels: list[str] | None = None):
    names = labels or [f"test:{n}" for n in range(len(raws))]
    return import_sources(desk, [MailSource(name, raw) for name, raw in zip(names, raws)], workers=0)


def counts(desk) -> tuple[int, int, int]:
    with desk.read() as session:
        return tuple(session.execute(select(func.count()).select_from(t)).scalar_one()  # type: ignore[return-value]
                     for t in (Task, Message, AuditEvent))


def inbound(desk) -> list[Message]:
    with desk.read() as session:
        return list(session.exec(select(Message).where(Message.direction == "in").order_by(Message.id)).scalars())


@pytest.fixture
def lead(desk):
    seed(desk)
    return desk


# --- new tasks ------------------------------------------------------------------------------


def test_a_request_becomes_a_task_with_verdict_project_and_dates(lead) -> None:
    report = run(lead, mail(sender="solo@gmail.com", subject="Не открывается сайт"))
    [item] = report.items
    assert (item.outcome, item.task, item.reason) == ("new_task", "SUP-1001", None)
    task = show_task(lead, "SUP-1001")
    assert task.subject == "Не открывается сайт" and task.sender == "solo@gmail.com"
    assert task.project.id == "solo-site" and task.client.id == "solo"  # the client's only project
    assert task.verdict["rule"] == "R-ELIG-2" and task.priority is None
    assert task.received_at == datetime(2026, 12, 1, 6, 31, tzinfo=timezone.utc)  # topmost Received:
    assert task.first_sent_at == datetime(2026, 12, 1, 6, 30, tzinfo=timezone.utc)  # Date: (R-ESC-4)
    [row] = inbound(lead)
    assert row.outcome == "new_task" and row.kind == "request" and row.source == "test:0"
    assert unpack_raw(row.raw) == mail(sender="solo@gmail.com", subject="Не открывается сайт")
    assert row.raw != unpack_raw(row.raw)  # kept compressed


def test_a_stranger_gets_r_elig_4_and_insignificant_and_several_projects_wait_for_triage(lead) -> None:
    report = run(lead, mail(sender="who@example.org", message_id="a@x"), mail(sender="it@acme.ru", message_id="b@x"))
    stranger, acme = (show_task(lead, i.task) for i in report.items)
    assert stranger.verdict["rule"] == "R-ELIG-4" and stranger.priority.slug == "insignificant"
    assert stranger.client is None and stranger.project is None
    assert acme.client.id == "acme" and acme.project is None  # two projects: the lead chooses (issue 4)


def test_new_tasks_are_made_exactly_as_create_request_makes_them(lead, make_desk) -> None:
    """The intake writes tasks in bulk; the result must not drift from the engine's own path."""
    raw = mail(sender="solo@gmail.com", subject="Тема", message_id="eq@x")
    run(lead, raw)
    msk = lead.settings.tz
    by_hand = create_request(lead, subject="Тема", sender="solo@gmail.com",
                             received_at=datetime(2026, 12, 1, 9, 31, tzinfo=msk),
                             first_sent_at=datetime(2026, 12, 1, 9, 30, tzinfo=msk))
    with lead.read() as session:
        a, b = (session.execute(select(Task).where(Task.key == k)).scalar_one() for k in ("SUP-1001", by_hand.key))
        skip = {"id", "number", "key"}
        assert {k: v for k, v in a.model_dump().items() if k not in skip} == \
            {k: v for k, v in b.model_dump().items() if k not in skip}

        def trail(task_id):
            return [(e.action, e.field, e.before, e.after, e.reason, e.actor) for e in session.execute(
                select(AuditEvent).where(AuditEvent.task_id == task_id, AuditEvent.action == "task.create")
                .order_by(AuditEvent.field)).scalars()]
        assert trail(a.id) == trail(b.id)


def test_received_at_falls_back_to_date_then_to_now_and_never_lies_in_the_future(lead) -> None:
    report = run(lead,
                 mail(message_id="1@x", received=None),
                 mail(message_id="2@x", received=None, date=None),
                 mail(message_id="3@x", received="Wed, 01 Dec 2027 09:31:00 +0300"))
    at = [show_task(lead, i.task).received_at for i in report.items]
    assert at[0] == datetime(2026, 12, 1, 6, 30, tzinfo=timezone.utc)
    assert at[1] == at[2] == lead.now()
    assert show_task(lead, report.items[1].task).first_sent_at == lead.now()


def test_an_empty_subject_still_makes_a_task(lead) -> None:
    [item] = run(lead, mail(subject="")).items
    assert show_task(lead, item.task).subject == "(без темы)"


# --- threading ------------------------------------------------------------------------------


def test_a_reply_to_our_acknowledgement_is_threaded(lead, tmp_path: Path) -> None:
    [first] = run(lead, mail(message_id="q@acme.ru")).items
    ack = send_ack(lead, first.task, to_outbox=True, outbox=tmp_path)
    [reply] = run(lead, mail(message_id="r@acme.ru", subject=f"Re: [{first.task}] Re: Сайт не работает",
                             in_reply_to=ack.message_id)).items
    assert (reply.outcome, reply.task) == ("threaded", first.task)
    assert "In-Reply-To/References" in reply.reason
    assert inbound(lead)[-1].kind == "reply" and inbound(lead)[-1].task_id is not None


def test_references_naming_the_clients_own_earlier_message_thread_it(lead) -> None:
    [first] = run(lead, mail(message_id="orig@acme.ru")).items
    [more] = run(lead, mail(message_id="more@acme.ru", subject="Ещё", in_reply_to="unknown@elsewhere",
                            references="<orig@acme.ru> <unknown@elsewhere>")).items
    assert (more.outcome, more.task) == ("threaded", first.task)


def test_a_reply_in_the_same_import_follows_its_request(lead) -> None:
    report = run(lead, mail(message_id="a@acme.ru"), mail(message_id="b@acme.ru", in_reply_to="a@acme.ru"))
    assert [i.outcome for i in report.items] == ["new_task", "threaded"]
    assert report.items[0].task == report.items[1].task


def test_subject_key_from_the_same_client_threads_but_a_strangers_makes_a_flagged_task(lead) -> None:
    """zammad #5064: a stranger's mail that names SUP-1001 must not attach to it."""
    [first] = run(lead, mail(sender="boss@acme.ru", message_id="k1@acme.ru")).items
    colleague, stranger = run(
        lead,
        mail(sender="it@acme.ru", message_id="k2@acme.ru", subject=f"Re: [{first.task}] ещё вопрос"),
        mail(sender="evil@example.org", message_id="k3@example.org", subject=f"[{first.task}] отмените всё"),
    ).items
    assert (colleague.outcome, colleague.task) == ("threaded", first.task)  # same client by the verdict
    assert stranger.outcome == "new_task" and stranger.task != first.task
    assert stranger.reason == f"mentions {first.task} (the sender is not of its client, not attached)"
    assert show_task(lead, stranger.task).note == stranger.reason


def test_subject_key_from_the_same_free_mail_address_threads(lead) -> None:
    [first] = run(lead, mail(sender="solo@gmail.com", message_id="s1@gmail.com")).items
    [again] = run(lead, mail(sender="solo@gmail.com", message_id="s2@gmail.com", subject=f"[{first.task}] ок")).items
    assert (again.outcome, again.task) == ("threaded", first.task)
    [other] = run(lead, mail(sender="solo2@gmail.com", message_id="s3@gmail.com", subject=f"[{first.task}] ок")).items
    assert other.outcome == "new_task"  # a free-mail neighbour is not the client (R-ELIG interpretation)


def test_a_key_of_no_task_is_noted(lead) -> None:
    [item] = run(lead, mail(subject="[SUP-4242] где ответ?")).items
    assert item.outcome == "new_task" and item.reason == "mentions SUP-4242 (no such task)"


def test_a_client_reply_resumes_a_task_waiting_for_the_client(lead) -> None:
    """R-WORK-1: back to the pool when nobody had taken it, back to the taker otherwise."""
    first, second = run(lead, mail(message_id="w1@acme.ru"), mail(message_id="w2@acme.ru", subject="Другое")).items
    wait_for_client(lead, first.task, question="Пришлите скриншот")
    take(lead, second.task, staff="duty-1")
    wait_for_client(lead, second.task, question="Какой браузер?")
    replies = run(lead, mail(message_id="w3@acme.ru", in_reply_to="w1@acme.ru"),
                  mail(message_id="w4@acme.ru", in_reply_to="w2@acme.ru")).items
    assert [r.outcome for r in replies] == ["threaded", "threaded"]
    assert all(r.reason.endswith("; resumed the task") for r in replies)
    assert show_task(lead, first.task).status == "pool"
    assert show_task(lead, second.task).status == "in_progress" and show_task(lead, second.task).assignee == "duty-1"
    with lead.read() as session:
        resumed = session.execute(select(AuditEvent).where(AuditEvent.action == "task.resume")).scalars().all()
    assert len(resumed) == 2 and all(e.actor == lead.actor and e.at == lead.now() for e in resumed)


def test_a_reply_to_a_done_task_opens_a_follow_up(lead) -> None:
    [first] = run(lead, mail(message_id="d1@acme.ru")).items
    take(lead, first.task, staff="duty-1")
    done(lead, first.task)
    [late] = run(lead, mail(message_id="d2@acme.ru", in_reply_to="d1@acme.ru")).items
    assert late.outcome == "new_task" and late.task != first.task
    assert late.reason.startswith(f"follow-up to {first.task}, which is done")


# --- dedupe (R-IN-2) -------------------------------------------------------------------------


def test_the_same_mail_via_a_managers_cc_is_one_request(lead) -> None:
    original = mail(message_id="cc@acme.ru", cc="ivanova@cetera.ru")
    via_manager = mail(message_id="cc@acme.ru", cc="ivanova@cetera.ru", received="Tue, 01 Dec 2026 09:35:00 +0300",
                       to="ivanova@cetera.ru")
    first, second = run(lead, original, via_manager).items
    assert first.outcome == "new_task" and second.outcome == "duplicate"
    assert second.task == first.task and second.reason == f"same Message-ID as message {first.message} (new_task)"
    assert len(inbound(lead)) == 1


def test_without_message_id_the_content_hash_dedupes(lead) -> None:
    crlf = mail(message_id=None, body="Текст\nзапроса")
    lf = mail(message_id=None, body="Текст\nзапроса", newline="\n", received="Tue, 01 Dec 2026 09:40:00 +0300")
    first, second = run(lead, crlf, lf).items
    assert (first.outcome, second.outcome) == ("new_task", "duplicate")
    assert second.reason.startswith("same content (no Message-ID)")
    [third] = run(lead, mail(message_id=None, body="Другой текст")).items
    assert third.outcome == "new_task"


def test_importing_the_same_source_twice_changes_nothing(lead, tmp_path: Path) -> None:
    raws = [mail(message_id="t1@acme.ru"), mail(message_id="t2@acme.ru", in_reply_to="t1@acme.ru"),
            mail(sender=None, message_id="t3@acme.ru"), mail(message_id=None, body="без id"),
            mail(message_id="t5@x", extra="Auto-Submitted: auto-replied")]
    run(lead, *raws)
    before = counts(lead)
    again = run(lead, *raws)
    assert [i.outcome for i in again.items] == ["duplicate"] * 5 and counts(lead) == before


# --- ignored and quarantined ------------------------------------------------------------------


@pytest.mark.parametrize("extra, why", [
    ("Auto-Submitted: auto-replied", "Auto-Submitted"),
    ("Precedence: bulk", "Precedence"),
    ("X-Autoreply: yes", "X-Autoreply"),
    ("X-Auto-Response-Suppress: All", "X-Auto-Response-Suppress"),
])
def test_automatic_mail_is_ignored_but_kept(lead, extra: str, why: str) -> None:
    [item] = run(lead, mail(extra=extra)).items
    assert item.outcome == "ignored" and item.task is None and why in item.reason
    [row] = inbound(lead)
    assert row.outcome == "ignored" and row.task_id is None and unpack_raw(row.raw)


def test_a_bounce_from_mailer_daemon_is_ignored(lead) -> None:
    [item] = run(lead, mail(sender="MAILER-DAEMON@mx.acme.ru", subject="Undelivered Mail")).items
    assert item.outcome == "ignored" and "mailer-daemon" in item.reason


def test_the_echo_of_our_own_acknowledgement_is_ignored(lead, tmp_path: Path) -> None:
    [first] = run(lead, mail()).items
    send_ack(lead, first.task, to_outbox=True, outbox=tmp_path)
    [echo_file] = tmp_path.glob("*.eml")
    [echo] = run(lead, echo_file.read_bytes()).items
    assert echo.outcome == "ignored" and "our own message" in echo.reason


def test_mail_without_a_sender_is_quarantined_and_kept_whole(lead) -> None:
    raw = mail(sender=None, message_id="nofrom@x")
    [item] = run(lead, raw).items
    assert item.outcome == "quarantined" and item.reason == "no sender address" and item.task is None
    [row] = inbound(lead)
    assert row.outcome == "quarantined" and unpack_raw(row.raw) == raw
    with lead.read() as session:
        [event] = session.execute(select(AuditEvent).where(AuditEvent.entity == "message")).scalars().all()
    assert (event.action, event.entity_id, event.after) == ("mail.quarantined", str(row.id), "quarantined")


def test_an_unreadable_source_is_quarantined_with_why(lead) -> None:
    report = import_sources(lead, [MailSource("/gone/a.eml", b"", "PermissionError: denied"),
                                   MailSource("/gone/b.eml", b"", "PermissionError: denied")], workers=0)
    assert [i.outcome for i in report.items] == ["quarantined", "quarantined"]  # two files, not one duplicate
    assert report.items[0].reason == "unreadable source: PermissionError: denied"


def test_one_bad_message_never_stops_the_others(lead, monkeypatch: pytest.MonkeyPatch) -> None:
    from dutydesk.services import intake_batch

    real = intake_batch.Batch._new_task

    def explode(self, p, *args):
        if "взрыв" in p.subject:
            raise RuntimeError("boom\nsecond line")
        return real(self, p, *args)
    monkeypatch.setattr(intake_batch.Batch, "_new_task", explode)
    report = run(lead, mail(message_id="ok1@x"), mail(message_id="bad@x", subject="взрыв"), mail(message_id="ok2@x"))
    assert [i.outcome for i in report.items] == ["new_task", "quarantined", "new_task"]
    assert report.items[1].reason == "intake failed: RuntimeError: boom"
    monkeypatch.setattr(intake_batch.Batch, "_new_task", real)
    # After the fix the held message goes through: retried in place, not imported anew.
    from dutydesk.services.intake_quarantine import list_quarantine, retry_quarantined

    [held] = list_quarantine(lead)
    [retried] = retry_quarantined(lead, [held.id]).items
    assert retried.outcome == "new_task" and retried.message == held.id and list_quarantine(lead) == []


def test_hostile_message_ids_are_stored_safely_and_still_dedupe(lead) -> None:
    long_id = "a" * 900 + "@x"
    first, second = run(lead, mail(message_id=long_id), mail(message_id=long_id)).items
    assert (first.outcome, second.outcome) == ("new_task", "duplicate")
    assert inbound(lead)[0].message_id.startswith("sha256:")


def test_verdicts_use_the_day_the_mail_was_received(lead, at) -> None:
    """acme's hosting contract ends 2026-12-31: mail received that day is supported, a day later it is not."""
    later = at(lead, "2027-01-05T12:00")
    on_time, late = run(later,
                        mail(sender="it@acme.ru", message_id="y1@x", received="Thu, 31 Dec 2026 17:00:00 +0300"),
                        mail(sender="it@acme.ru", message_id="y2@x", received="Fri, 01 Jan 2027 10:00:00 +0300")).items
    assert show_task(later, on_time.task).verdict["rule"] == "R-ELIG-1"
    assert show_task(later, late.task).verdict["rule"] == "R-ELIG-4"


def test_attachments_are_recorded_by_name_type_and_size(lead) -> None:
    raw = (b"From: boss@acme.ru\r\nTo: support@cetera.ru\r\nSubject: files\r\nMessage-ID: <att@x>\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n\r\nsee attached\r\n--b\r\n"
           b"Content-Type: application/pdf\r\nContent-Disposition: attachment; filename*=utf-8''%D0%A1%D1%87%D1%91%D1%82.pdf\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n")
    run(lead, raw)
    [row] = inbound(lead)
    assert json.loads(row.attachments) == [{"filename": "Счёт.pdf", "content_type": "application/pdf", "size": 9}]
