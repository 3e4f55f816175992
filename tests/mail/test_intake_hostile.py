"""Hostile mail through the whole intake, on SQLite and PostgreSQL: nothing crashes, nothing is lost."""

from __future__ import annotations

import base64
import json
import random
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from dutydesk.mail.sources import MailSource
from dutydesk.services.ack import preview_ack
from dutydesk.services.intake_mail import import_sources
from dutydesk.services.intake_prepare import unpack_raw
from dutydesk.services.tasks import show_task
from dutydesk.store.models import Message

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[1] / "fixtures" / "mail"))
sys.path.insert(0, str(HERE.parents[1] / "services"))
from mailmaker import mail  # noqa: E402
from registry_seed import seed  # noqa: E402


@pytest.fixture
def lead(desk):
    seed(desk)
    return desk


def one(desk, raw: bytes):
    [item] = import_sources(desk, [MailSource("hostile.eml", raw)], workers=0).items
    with desk.read() as session:
        row = session.execute(select(Message).where(Message.direction == "in")).scalars().one()
    return item, row


def test_markup_and_terminal_escapes_arrive_as_inert_text(lead) -> None:
    item, row = one(lead, mail(subject="[bold red]Срочно[/] \x1b]0;owned\x07\x1b[2J",
                               body="Текст \x1b[31mкрасный\x1b[0m [link=file:///etc/passwd]жми[/link] \u202eevil"))
    task = show_task(lead, item.task)
    for text in (task.subject, row.subject, row.body_text):
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert task.subject.startswith("[bold red]Срочно[/]")  # kept literally: widgets show it with markup off
    assert "[link=file:///etc/passwd]жми[/link]" in row.body_text


def test_a_subject_that_decodes_to_crlf_cannot_add_a_header(lead) -> None:
    evil = base64.b64encode("Привет\r\nBcc: evil@example.com".encode()).decode()
    raw = mail(subject_header=f"=?utf-8?b?{evil}?=")
    item, row = one(lead, raw)
    task = show_task(lead, item.task)
    assert "\r" not in task.subject and "\n" not in task.subject and "Bcc: evil@example.com" in task.subject
    assert "\n" not in row.subject
    headers = dict(preview_ack(lead, item.task).headers)
    assert "Bcc" not in headers and headers["To"] == "boss@acme.ru"


def test_no_from_is_quarantined(lead) -> None:
    item, row = one(lead, mail(sender=None))
    assert item.outcome == "quarantined" and row.task_id is None and row.reason == "no sender address"


def test_binary_garbage_is_held_not_fatal(lead) -> None:
    garbage = random.Random(4).randbytes(200_000)
    item, row = one(lead, garbage)
    assert item.outcome == "quarantined" and unpack_raw(row.raw) == garbage


def test_nul_bytes_and_broken_utf8_are_stored_on_both_back_ends(lead) -> None:
    raw = mail(body="до\x00после").replace("после".encode(), b"\xff\xfe\x00\xd0")
    item, row = one(lead, raw)
    assert item.outcome == "new_task" and "\x00" not in row.body_text and row.body_text  # decoded somehow, kept


def test_a_20_mb_attachment_is_recorded_and_kept(lead) -> None:
    payload = random.Random(20).randbytes(20 * 1024 * 1024)
    encoded = base64.encodebytes(payload)
    raw = (b"From: boss@acme.ru\r\nTo: support@cetera.ru\r\nSubject: =?utf-8?b?" +
           base64.b64encode("Выгрузка".encode()) + b"?=\r\nMessage-ID: <big@acme.ru>\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + "Файл во вложении.".encode() + b"\r\n--zz\r\n"
           b"Content-Type: application/zip; name=dump.zip\r\nContent-Disposition: attachment; filename=dump.zip\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n" + encoded + b"--zz--\r\n")
    item, row = one(lead, raw)
    assert item.outcome == "new_task" and show_task(lead, item.task).subject == "Выгрузка"
    assert json.loads(row.attachments) == [{"filename": "dump.zip", "content_type": "application/zip",
                                            "size": len(payload)}]
    assert unpack_raw(row.raw) == raw and "Файл во вложении." in row.body_text
