"""R-TRI-4: the standard acknowledgement, sent to a real SMTP server on loopback."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlmodel import select

from dutydesk.config import SmtpSettings
from dutydesk.errors import Refused
from dutydesk.services.ack import preview_ack, send_ack
from dutydesk.services.intake import create_request
from dutydesk.services.lifecycle import set_priority, wait_for_client
from dutydesk.services.mail_out import pending, retry_outbox
from dutydesk.services.task_detail import task_detail
from dutydesk.store.models import Message

from registry_seed import seed
from smtp_server import SmtpServer, free_port


def with_smtp(desk, port: int):
    smtp = SmtpSettings(host="127.0.0.1", port=port, security="plain", timeout_s=5)
    return replace(desk, settings=desk.settings.model_copy(update={"smtp": smtp}))


@pytest.fixture
def lead(desk):
    seed(desk)
    return desk


def test_preview_has_the_key_priority_timing_and_exact_headers(lead) -> None:
    key = create_request(lead, subject="Сайт лежит", sender="boss@acme.ru", project_id="acme-shop",
                         received_at=lead.now()).key
    set_priority(lead, key, 1)
    draft = preview_ack(lead, key)
    headers = dict(draft.headers)
    assert headers["To"] == "boss@acme.ru" and headers["Cc"] == "support@cetera.ru"
    assert headers["Subject"] == f"[{key}] Re: Сайт лежит" and headers["Auto-Submitted"] == "auto-replied"
    assert headers["Message-ID"].endswith("@cetera.ru>")
    assert f"Номер заявки: {key}" in draft.text and "НЕМЕДЛЕННО" in draft.text
    assert "01.12.2026 (вт) 18:00" in draft.text  # R-SLA-IMM: the end of the working day of receipt
    assert "8 (800) 775-52-93" in draft.text and "01.12.2026 (вт) 10:00" in draft.text  # R-ESC-2, R-ESC-4


def test_sending_over_smtp_records_it_and_counts_as_the_reaction(lead) -> None:
    key = create_request(lead, subject="x", sender="boss@acme.ru", project_id="acme-shop").key
    with SmtpServer() as server:
        result = send_ack(with_smtp(lead, server.port), key)
    assert result.state == "sent"
    [received] = server.inbox.messages()
    assert received["To"] == "boss@acme.ru" and received["Cc"] == "support@cetera.ru"
    assert sorted(server.inbox.envelopes[0].rcpt_tos) == ["boss@acme.ru", "support@cetera.ru"]
    assert task_detail(lead, key).task.reacted_at == lead.now()


def test_a_hostile_subject_cannot_add_a_header(lead) -> None:
    key = create_request(lead, subject="Привет\r\nBcc: evil@example.com", sender="boss@acme.ru",
                         project_id="acme-shop").key
    with SmtpServer() as server:
        send_ack(with_smtp(lead, server.port), key)
    [received] = server.inbox.messages()
    assert received["Bcc"] is None and server.inbox.envelopes[0].rcpt_tos == ["boss@acme.ru", "support@cetera.ru"]
    assert "evil@example.com" in received["Subject"]  # kept as the client's text, on one line


def test_a_failed_send_stays_queued_with_why_and_a_retry_sends_it(lead) -> None:
    key = create_request(lead, subject="x", sender="boss@acme.ru", project_id="acme-shop").key
    port = free_port()  # nothing listens here yet
    result = send_ack(with_smtp(lead, port), key)
    assert result.state == "failed" and "127.0.0.1" in result.detail
    assert task_detail(lead, key).task.reacted_at is None
    [queued] = pending(lead)
    assert queued.state == "failed" and queued.reason
    server = SmtpServer()
    server.port = port
    server.controller = type(server.controller)(server.inbox, hostname="127.0.0.1", port=port)
    with server:
        results = retry_outbox(with_smtp(lead, port))
    assert [r[1] for r in results] == ["sent"] and len(server.inbox.messages()) == 1
    assert pending(lead) == [] and task_detail(lead, key).task.reacted_at is not None


def test_without_smtp_the_ack_goes_to_the_outbox_folder(lead, tmp_path: Path) -> None:
    key = create_request(lead, subject="x", sender="boss@acme.ru", project_id="acme-shop").key
    result = send_ack(lead, key, outbox=tmp_path / "out")
    assert result.state == "outbox"
    [eml] = list((tmp_path / "out").glob("*.eml"))
    assert oct(eml.stat().st_mode & 0o777) == "0o600" and f"[{key}]".encode() in eml.read_bytes()


def test_a_clarification_question_is_mailed_to_the_client(lead) -> None:
    key = create_request(lead, subject="Непонятно", sender="boss@acme.ru", project_id="acme-shop").key
    wait_for_client(lead, key, question="Какую страницу поправить?")
    with SmtpServer() as server:
        results = retry_outbox(with_smtp(lead, server.port))
    assert [r[1] for r in results] == ["sent"]
    [received] = server.inbox.messages()
    assert "Какую страницу поправить?" in received.get_content() and received["To"] == "boss@acme.ru"
    with lead.read() as s:
        assert s.exec(select(Message).where(Message.kind == "question")).one().state == "sent"


def test_no_sender_no_acknowledgement(lead) -> None:
    from dutydesk.domain.priority import Channel

    key = create_request(lead, subject="по телефону", project_id="acme-shop", channel=Channel.PHONE).key
    with pytest.raises(Refused, match="no sender address"):
        preview_ack(lead, key)
