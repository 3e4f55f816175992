"""The parser against hostile and odd mail: it must never raise, never let
a terminal escape or a line break through, and still read Russian mail."""

from __future__ import annotations

import base64
import random
from datetime import datetime, timedelta, timezone
from email.header import Header
from email.message import EmailMessage
from email.policy import SMTP

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dutydesk.mail.charsets import decode_bytes
from dutydesk.mail.parse import parse_message, strip_unsafe

CONTROL = set(chr(c) for c in range(0x20) if chr(c) not in "\n\t") | {"\x7f"} | set(
    chr(c) for c in range(0x80, 0xA0)
)


def mail(headers: str, body: bytes | str = b"Hello", *, charset: str | None = None) -> bytes:
    """Raw bytes of a simple message: header lines (str), a body."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    head = headers.strip("\n")
    if charset and "Content-Type" not in head:
        head += f"\nMIME-Version: 1.0\nContent-Type: text/plain; charset={charset}"
    return head.encode("utf-8").replace(b"\n", b"\r\n") + b"\r\n\r\n" + body


BASE = "From: Client <client@example.ru>\nTo: support@cetera.ru\nDate: Mon, 01 Dec 2025 10:00:00 +0300"


def assert_terminal_safe(text: str, *, multiline: bool) -> None:
    assert "\x1b" not in text
    assert not (set(text) & CONTROL)
    assert not set(text) & set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    if not multiline:
        assert "\n" not in text and "\t" not in text


# --- strip_unsafe ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "one_line", "multi"),
    [
        ("[bold red]x[/] \x1b]0;t\x07", "[bold red]x[/] ", "[bold red]x[/] "),
        ("a\x1b[2Jb\x1b[31;1mc", "abc", "abc"),
        ("a\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\b", "alinkb", "alinkb"),
        ("a\x9b2Jb\x9d0;title\x9cc", "ab0;titlec", "ab0;titlec"),
        ("line1\r\nline2\rline3\n", "line1 line2 line3 ", "line1\nline2\nline3\n"),
        ("tab\there\x00nul\x07bell\x7fdel", "tab herenulbelldel", "tab\therenulbelldel"),
        ("admin\u202eexe.txt\u2066x\u2069", "adminexe.txtx", "adminexe.txtx"),
        ("para\u2028next", "para next", "para\nnext"),
        ("\x1b", "", ""),
        ("Привет, 世界", "Привет, 世界", "Привет, 世界"),
    ],
)
def test_strip_unsafe(text: str, one_line: str, multi: str) -> None:
    assert strip_unsafe(text, multiline=False) == one_line
    assert strip_unsafe(text, multiline=True) == multi


def test_unterminated_escape_string_cannot_swallow_the_rest() -> None:
    text = "before \x1b]0;title without end\nthe next line stays"
    assert strip_unsafe(text, multiline=True) == "before \nthe next line stays"
    long = "a\x1b]" + "x" * 5000
    assert strip_unsafe(long, multiline=False) == "a" + "x" * (5000 - 4096)


@given(st.text())
def test_strip_unsafe_leaves_nothing_a_terminal_obeys(text: str) -> None:
    assert_terminal_safe(strip_unsafe(text, multiline=False), multiline=False)
    assert_terminal_safe(strip_unsafe(text, multiline=True), multiline=True)


# --- markup, escapes and header injection --------------------------------------


def test_markup_is_kept_and_escapes_removed_in_subject_and_body() -> None:
    hostile = "[bold red]x[/] \x1b]0;t\x07 \x1b[2J"
    encoded = Header(hostile, "utf-8").encode()
    raw = mail(f"{BASE}\nSubject: {encoded}", f"Body [link=file:///etc]y[/link] {hostile}\r\nend", charset="utf-8")
    parsed = parse_message(raw)
    assert parsed.subject == "[bold red]x[/]"
    assert parsed.body_text == "Body [link=file:///etc]y[/link] [bold red]x[/]\nend"
    assert_terminal_safe(parsed.body_text, multiline=True)
    assert parsed.is_request


def test_raw_escape_bytes_in_headers_are_removed() -> None:
    raw = mail(
        "From: \"Evil\x1b[2J\x1b]0;pwned\x07 Name\" <evil@example.com>\n"
        "To: support@cetera.ru\nSubject: Hi\x1b[31m there\x9b1m",
        "x",
    )
    parsed = parse_message(raw)
    assert parsed.subject == "Hi there"
    assert parsed.from_name == "Evil Name"


def test_encoded_line_break_and_fake_bcc_stay_in_one_line_subject() -> None:
    raw = mail(f"{BASE}\nSubject: =?utf-8?q?Hello=0D=0ABcc:_victim@example.com=0D=0A=0D=0Abody?=", "x")
    parsed = parse_message(raw)
    assert parsed.subject == "Hello Bcc: victim@example.com body"
    assert "\n" not in parsed.subject and "\r" not in parsed.subject
    assert "victim@example.com" not in parsed.to + parsed.cc


def test_encoded_word_in_address_is_not_decoded() -> None:
    raw = mail("From: =?utf-8?q?boss=40client.ru?=@evil.example\nTo: support@cetera.ru\nSubject: x", "x")
    assert parse_message(raw).from_address == "=?utf-8?q?boss=40client.ru?=@evil.example"


def test_comma_inside_encoded_name_does_not_split_the_mailbox() -> None:
    raw = mail("From: =?utf-8?q?Petrov,=20Ivan?= <ivan@client.ru>\nTo: a@b.ru, \"x, y\" <c@d.ru>\nSubject: x")
    parsed = parse_message(raw)
    assert (parsed.from_address, parsed.from_name) == ("ivan@client.ru", "Petrov, Ivan")
    assert parsed.to == ("a@b.ru", "c@d.ru")


# --- quarantine -----------------------------------------------------------------


def test_no_from_is_quarantined() -> None:
    parsed = parse_message(mail("To: support@cetera.ru\nSubject: anonymous", "hi"))
    assert parsed.quarantine == "no sender address"
    assert parsed.subject == "anonymous"
    assert not parsed.is_request


def test_missing_from_falls_back_to_reply_to_with_a_note() -> None:
    parsed = parse_message(mail("Reply-To: <form@client.ru>\nTo: support@cetera.ru\nSubject: form", "hi"))
    assert parsed.from_address == "form@client.ru"
    assert parsed.quarantine is None
    assert any("Reply-To" in p for p in parsed.problems)


def test_sender_without_domain_is_quarantined() -> None:
    parsed = parse_message(mail("From: john\nSubject: x", "x"))
    assert parsed.from_address == "john"
    assert parsed.quarantine and "domain" in parsed.quarantine


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00" * 100,
        bytes(range(256)) * 40,
        random.Random(7).randbytes(50_000),
        b"\xff\xfe\x00\x00" + "Привет".encode("utf-16"),
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        b"Subject: only\r\n",
        b"From: a@b.c\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n" * 50,
    ],
    ids=["empty", "nul", "all-bytes", "random", "utf16", "pdf", "header-only", "boundary-flood"],
)
def test_garbage_never_raises(raw: bytes) -> None:
    parsed = parse_message(raw)
    assert isinstance(parsed.content_hash, str) and len(parsed.content_hash) == 64
    assert_terminal_safe(parsed.subject, multiline=False)
    assert_terminal_safe(parsed.body_text, multiline=True)
    if raw in (b"", b"\x00" * 100) or raw.startswith((b"\xff", b"%PDF", b"\x00\x01")):
        assert parsed.quarantine is not None


def test_binary_garbage_is_quarantined() -> None:
    parsed = parse_message(random.Random(1).randbytes(20_000))
    assert parsed.quarantine is not None


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_any_bytes_parse_without_raising(raw: bytes) -> None:
    parsed = parse_message(raw)
    assert_terminal_safe(parsed.subject, multiline=False)
    assert_terminal_safe(parsed.from_name, multiline=False)
    assert_terminal_safe(parsed.body_text, multiline=True)


_HEADERISH = st.sampled_from(
    ["From: ", "Subject: ", "To: ", "Content-Type: multipart/mixed; boundary=b\r\n", "--b\r\n",
     "=?utf-8?b?", "=?koi8-r?q?=F0=D2?=", "?=", "\r\n", "\r\n ", "\r\n\r\n", "<", ">", "\"",
     "Content-Transfer-Encoding: base64\r\n", "Content-Disposition: attachment; filename*=utf-8''%D0", "\x1b[2J",
     "charset=unknown-8bit", "\xd0\x9f", "\xff", "Received: from x; junk\r\n", "Date: 99 Foo 1\r\n"]
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_HEADERISH, st.text(max_size=20)), max_size=40))
def test_structured_junk_parses_without_raising(pieces: list[str]) -> None:
    raw = "".join(pieces).encode("utf-8", "surrogatepass")
    parsed = parse_message(raw)
    assert_terminal_safe(parsed.subject, multiline=False)
    assert all("\n" not in a for a in parsed.to + parsed.cc)


# --- size ---------------------------------------------------------------------


def test_twenty_megabyte_attachment_is_recorded_with_its_size() -> None:
    message = EmailMessage(policy=SMTP)
    message["From"] = "client@example.ru"
    message["To"] = "support@cetera.ru"
    message["Subject"] = "big"
    message.set_content("see attached")
    payload = random.Random(3).randbytes(20 * 1024 * 1024)
    message.add_attachment(payload, maintype="application", subtype="zip", filename="Отчёт за год.zip")
    parsed = parse_message(message.as_bytes())
    assert parsed.body_text == "see attached"
    assert len(parsed.attachments) == 1
    attachment = parsed.attachments[0]
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "Отчёт за год.zip", "application/zip", 20 * 1024 * 1024,
    )


# --- Russian charsets -------------------------------------------------------------

RUSSIAN = "Здравствуйте! Сайт не работает: при оформлении заказа ошибка 500.\nС уважением, Иван Петров"


@pytest.mark.parametrize(
    ("encoding", "label"),
    [
        ("koi8-r", "koi8-r"),
        ("cp1251", "windows-1251"),
        ("utf-8", "utf-8"),
        ("cp1251", "koi8-r"),  # wrong label
        ("koi8-r", "windows-1251"),  # wrong label
        ("cp1251", "iso-8859-1"),  # the classic misconfigured mailer
        ("cp1251", "us-ascii"),
        ("utf-8", "windows-1251"),
        ("cp1251", "unknown-8bit"),
        ("koi8-r", "x-no-such-charset"),
        ("cp1251", None),
        ("koi8-r", None),
    ],
)
def test_russian_body_is_decoded_whatever_the_label(encoding: str, label: str | None) -> None:
    headers = f"{BASE}\nSubject: test\nMIME-Version: 1.0\nContent-Type: text/plain" + (
        f"; charset={label}" if label else ""
    )
    parsed = parse_message(mail(headers, RUSSIAN.encode(encoding)))
    assert parsed.body_text == RUSSIAN
    if label and label.replace("windows-", "cp") not in (encoding, "utf-8"):
        assert parsed.problems, "a replaced charset must be noted"


def test_unknown_8bit_replacement_is_reported() -> None:
    parsed = parse_message(mail(f"{BASE}\nSubject: x", RUSSIAN.encode("cp1251"), charset="unknown-8bit"))
    assert "charset 'unknown-8bit' replaced by cp1251 in text/plain" in parsed.problems


@pytest.mark.parametrize(
    "subject_header",
    [
        "=?koi8-r?B?" + base64.b64encode("Заявка на доработку".encode("koi8-r")).decode() + "?=",
        "=?windows-1251?Q?=C7=E0=FF=E2=EA=E0_=ED=E0_=E4=EE=F0=E0=E1=EE=F2=EA=F3?=",
        # UTF-8 split between two encoded-words in the middle of a character
        "=?utf-8?B?" + base64.b64encode("Заявка на доработку".encode()[:7]).decode() + "?= =?utf-8?B?"
        + base64.b64encode("Заявка на доработку".encode()[7:]).decode() + "?=",
        "=?utf-7?Q?+BBcEMARPBDIEOgQw- +BD0EMA- +BDQEPgRABDAEMQQ+BEIEOgRD-?=",
        "=?KOI8-R?Q?=FA=C1=D1=D7=CB=C1?= =?KOI8-R?Q?_=CE=C1_=C4=CF=D2=C1=C2=CF=D4=CB=D5?=",
    ],
    ids=["koi8-b", "cp1251-q", "utf8-split", "utf7", "koi8-q-two-words"],
)
def test_encoded_russian_subjects(subject_header: str) -> None:
    parsed = parse_message(mail(f"{BASE}\nSubject: {subject_header}", "x"))
    assert parsed.subject == "Заявка на доработку"


def test_raw_8bit_headers_use_the_body_charset_as_a_hint() -> None:
    head = (
        "From: ".encode() + "Иван Петров".encode("koi8-r") + b" <ivan@client.ru>\r\n"
        b"To: support@cetera.ru\r\nSubject: " + "Не работает корзина".encode("koi8-r") + b"\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=koi8-r\r\n\r\n"
    )
    parsed = parse_message(head + "Корзина пуста".encode("koi8-r"))
    assert (parsed.from_name, parsed.subject, parsed.body_text) == ("Иван Петров", "Не работает корзина", "Корзина пуста")


def test_raw_8bit_cp1251_subject_without_any_label() -> None:
    raw = b"From: a@client.ru\r\nSubject: " + "Счёт за хостинг".encode("cp1251") + b"\r\n\r\nbody"
    assert parse_message(raw).subject == "Счёт за хостинг"


def test_rfc2231_and_rfc2047_file_names() -> None:
    raw = mail(
        f"{BASE}\nSubject: files\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX",
        (
            "--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nсм. вложения\r\n"
            "--XX\r\nContent-Type: application/pdf\r\n"
            "Content-Disposition: attachment; filename*=koi8-r''%F3%DE%C5%D4.pdf\r\n\r\n%PDF\r\n"
            "--XX\r\nContent-Type: application/pdf;\r\n name=\"=?windows-1251?B?"
            + base64.b64encode("Договор.pdf".encode("cp1251")).decode()
            + "?=\"\r\nContent-Disposition: attachment\r\n\r\n%PDF\r\n"
            "--XX\r\nContent-Type: text/plain\r\n"
            "Content-Disposition: attachment; filename*0*=utf-8''%D0%B0%D0%BA%D1%82; filename*1=\".txt\"\r\n\r\nx\r\n"
            "--XX\r\nContent-Type: image/png\r\n"
            "Content-Disposition: attachment; filename=\"../../etc/\x1b[2Jpasswd\"\r\n\r\nx\r\n"
            "--XX--\r\n"
        ),
    )
    parsed = parse_message(raw)
    assert parsed.body_text == "см. вложения"
    assert [a.filename for a in parsed.attachments] == ["Счет.pdf", "Договор.pdf", "акт.txt", "passwd"]


# --- HTML -----------------------------------------------------------------------


def test_html_only_mail_is_readable_without_script_and_style() -> None:
    html = (
        "<html><head><title>T</title><style>p { color: red } .x{}</style>"
        "<script>document.write('evil')</script></head><body>"
        "<p>Добрый&nbsp;день!</p><p>Не работает <b>каталог</b>:</p>"
        "<ul><li>раздел 1</li><li>раздел 2</li></ul>"
        "<script type=\"text/javascript\">alert('x')</script>"
        "<a href=\"https://evil.example/login\">https://cetera.ru</a><br>"
        "Спасибо &amp; до свидания</body></html>"
    )
    raw = mail(f"{BASE}\nSubject: html\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8", html)
    body = parse_message(raw).body_text
    assert "Добрый\xa0день!" in body
    assert "Не работает каталог:" in body
    assert "- раздел 1\n- раздел 2" in body
    assert "https://cetera.ru <https://evil.example/login>" in body
    assert "Спасибо & до свидания" in body
    for hidden in ("alert", "document.write", "color", "<p>", "<b>", "T\n"):
        assert hidden not in body


def test_plain_text_is_preferred_to_html_and_empty_plain_is_skipped() -> None:
    def alternative(plain: str) -> bytes:
        return mail(
            f"{BASE}\nSubject: alt\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=B",
            f"--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{plain}\r\n"
            "--B\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>из html</p>\r\n--B--\r\n",
        )

    assert parse_message(alternative("из текста")).body_text == "из текста"
    parsed = parse_message(alternative("  "))
    assert parsed.body_text == "из html"
    assert parsed.attachments == ()


# --- automatic mail ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "reason_part"),
    [
        ("Auto-Submitted: auto-replied", "Auto-Submitted"),
        ("Auto-Submitted: auto-generated; owner-email=x@y", "Auto-Submitted"),
        ("Precedence: bulk", "Precedence"),
        ("Precedence: junk", "Precedence"),
        ("Precedence: list", "Precedence"),
        ("X-Autoreply: yes", "X-Autoreply"),
        ("X-Autorespond: Out of office", "X-Autorespond"),
        ("X-Auto-Response-Suppress: All", "X-Auto-Response-Suppress"),
        ("X-Auto-Response-Suppress: DR, OOF, AutoReply", "X-Auto-Response-Suppress"),
        ("Return-Path: <>", "null envelope sender"),
    ],
)
def test_auto_replies_are_detected(extra: str, reason_part: str) -> None:
    parsed = parse_message(mail(f"{BASE}\n{extra}\nSubject: Out of office", "away"))
    assert parsed.auto_reply and reason_part in parsed.auto_reply
    assert not parsed.is_request


@pytest.mark.parametrize(
    "extra", ["Auto-Submitted: no", "Precedence: first-class", "X-Auto-Response-Suppress: RN, NRN", "X-Autoreply: no"]
)
def test_ordinary_mail_is_not_automatic(extra: str) -> None:
    parsed = parse_message(mail(f"{BASE}\n{extra}\nSubject: help", "please"))
    assert parsed.auto_reply is None and parsed.is_request


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.client.ru", "postmaster@client.ru"])
def test_bounce_senders_are_automatic(sender: str) -> None:
    parsed = parse_message(mail(f"From: Mail System <{sender}>\nTo: support@cetera.ru\nSubject: failure", "x"))
    assert parsed.auto_reply == f"sender is {sender.split('@')[0].lower()}"


def test_multipart_report_is_a_bounce() -> None:
    raw = mail(
        "From: Mail Delivery <mail@relay.example>\nTo: support@cetera.ru\nSubject: Undelivered\n"
        "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=R",
        "--R\r\nContent-Type: text/plain\r\n\r\nfailed\r\n"
        "--R\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; relay\r\n\r\nAction: failed\r\n"
        "--R\r\nContent-Type: message/rfc822\r\n\r\nFrom: support@cetera.ru\r\nSubject: x\r\n\r\nack\r\n--R--\r\n",
    )
    parsed = parse_message(raw)
    assert parsed.auto_reply == "delivery report (multipart/report; report-type=delivery-status)"
    assert parsed.body_text == "failed"
    assert [a.content_type for a in parsed.attachments] == ["message/delivery-status", "message/rfc822"]


def test_our_own_echo_is_detected() -> None:
    by_id = parse_message(
        mail(f"{BASE}\nMessage-ID: <1.2.3@Cetera.ru>\nSubject: [SUP-1] Re: x", "ack"),
        own_message_id_domain="cetera.ru",
    )
    assert by_id.auto_reply == "our own message (Message-ID on cetera.ru)"
    by_sender = parse_message(
        mail("From: Support <Support@Cetera.RU>\nTo: client@example.ru\nSubject: [SUP-1] Re: x", "ack"),
        support_address="support@cetera.ru",
    )
    assert by_sender.auto_reply == "sent from the support address"
    other = parse_message(mail(f"{BASE}\nMessage-ID: <1@client.ru>\nSubject: x", "hi"), own_message_id_domain="cetera.ru")
    assert other.auto_reply is None


# --- identifiers, dates, dedupe --------------------------------------------------------


def test_ids_dates_and_addresses_are_normalised() -> None:
    raw = mail(
        "Received: from relay by mx.cetera.ru; Mon, 01 Dec 2025 10:05:00 +0300\n"
        "Received: from client by relay; Mon, 01 Dec 2025 10:01:00 +0300\n"
        "From: \"Petrov, Ivan\" <Ivan.Petrov@Client.RU>\nTo: Support <SUPPORT@cetera.ru>, undisclosed-recipients:;\n"
        "Cc: Manager <m@cetera.ru>, m@cetera.ru\n"
        "Subject:   Re:   lots\t of    space  \n"
        "Date: Mon, 1 Dec 2025 09:59:00 -0000\n"
        "Message-ID:  <abc.123@client.ru> (comment)\n"
        "In-Reply-To: <prev@cetera.ru> (Support's message)\n"
        "References: <a@x>\n <b@y>\t<a@x>",
        "x",
    )
    parsed = parse_message(raw)
    assert parsed.message_id == "abc.123@client.ru"
    assert parsed.in_reply_to == "prev@cetera.ru"
    assert parsed.references == ("a@x", "b@y")
    assert (parsed.from_address, parsed.from_name) == ("ivan.petrov@client.ru", "Petrov, Ivan")
    assert parsed.to == ("support@cetera.ru",)
    assert parsed.cc == ("m@cetera.ru",)
    assert parsed.subject == "Re: lots of space"
    assert parsed.sent_at == datetime(2025, 12, 1, 9, 59, tzinfo=timezone.utc)
    assert parsed.received_at == datetime(2025, 12, 1, 10, 5, tzinfo=timezone(timedelta(hours=3)))
    assert parsed.received_at.tzinfo is not None


def test_unreadable_date_is_none_with_a_note() -> None:
    parsed = parse_message(mail("From: a@b.ru\nDate: yesterday-ish\nSubject: x", "x"))
    assert parsed.sent_at is None and "Date: header unreadable" in parsed.problems


def test_content_hash_ignores_transport_differences_but_not_content() -> None:
    one = parse_message(mail(f"{BASE}\nSubject: Сайт\nMessage-ID: <1@a>", "Строка 1\r\nСтрока 2  \r\n", charset="utf-8"))
    relayed = parse_message(
        mail(f"{BASE}\nSubject: =?utf-8?b?0KHQsNC50YI=?=", "Строка 1\nСтрока 2\n".encode("cp1251"), charset="windows-1251")
    )
    different = parse_message(mail(f"{BASE}\nSubject: Сайт", "Строка 3", charset="utf-8"))
    assert one.content_hash == relayed.content_hash
    assert one.content_hash != different.content_hash


def test_parsed_message_is_frozen() -> None:
    parsed = parse_message(mail(f"{BASE}\nSubject: x", "x"))
    with pytest.raises(AttributeError):
        parsed.subject = "y"  # type: ignore[misc]


def test_mbox_from_line_and_bare_lf_are_fine() -> None:
    raw = b"From client@example.ru Mon Dec  1 10:00:00 2025\nFrom: client@example.ru\nSubject: lf\n\nbody\n"
    parsed = parse_message(raw)
    assert (parsed.from_address, parsed.subject, parsed.body_text) == ("client@example.ru", "lf", "body")


def test_decode_bytes_reports_and_never_raises() -> None:
    problems: list[str] = []
    assert decode_bytes("Привет".encode("koi8-r"), "utf-8", problems=problems) == "Привет"
    assert problems == ["charset 'utf-8' replaced by koi8-r in body"]
    assert decode_bytes(b"\xff\xfe\xfd", "no-such", problems=[]) is not None


@pytest.mark.parametrize(("depth", "quarantined"), [(200, False), (3000, True)])
def test_deep_mime_nesting_keeps_the_headers(depth: int, quarantined: bool) -> None:
    raw = f"{BASE}\nSubject: deep\nContent-Type: multipart/mixed; boundary=b0\n\n".replace("\n", "\r\n")
    for level in range(1, depth):
        raw += f"--b{level - 1}\r\nContent-Type: multipart/mixed; boundary=b{level}\r\n\r\n"
    raw += f"--b{depth - 1}\r\nContent-Type: text/plain\r\n\r\ndeep text\r\n"
    raw += "".join(f"--b{level}--\r\n" for level in reversed(range(depth)))
    parsed = parse_message(raw.encode())
    assert (parsed.from_address, parsed.subject) == ("client@example.ru", "deep")
    assert (parsed.quarantine is not None) is quarantined
    assert parsed.problems


def test_unindented_wrapped_header_line_is_mended() -> None:
    raw = (
        b"Received: from relay by mx; Mon, 01 Dec 2025 10:00:00 +0300\r\n"
        b"(TLS) id 15.0.1263.5\r\n"
        b"From: Client <client@example.ru>\r\nSubject: mended\r\n\r\nbody"
    )
    parsed = parse_message(raw)
    assert (parsed.from_address, parsed.subject, parsed.body_text) == ("client@example.ru", "mended", "body")
    assert "1 malformed header line(s) mended" in parsed.problems


def test_body_that_starts_without_a_blank_line_stays_body() -> None:
    parsed = parse_message(b"From: a@b.ru\nSubject: x\nHello, this is body\nThanks: Ivan\n\nmore")
    assert parsed.subject == "x"
    assert parsed.body_text == "Hello, this is body\nThanks: Ivan\n\nmore"
