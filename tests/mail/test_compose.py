"""Outbound mail: whatever a stranger put in a subject, name, address or
message id, the message we send has exactly the headers we meant."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dutydesk.mail.compose import UnsafeAddress, build_message, reply_subject, validate_address
from dutydesk.mail.parse import parse_message
from dutydesk.mail.sanitize import strip_unsafe

SENT_AT = datetime(2025, 12, 1, 10, 0, tzinfo=timezone(timedelta(hours=3)))
INJECTIONS = [
    "\r\nBcc: harvest@evil.example",
    "\nBcc: harvest@evil.example\n\nbody",
    "\rX-Injected: 1",
    "=?utf-8?q?x=0D=0ABcc:_harvest@evil.example?=",
    "=?utf-8?b?DQpCY2M6IGhhcnZlc3RAZXZpbC5leGFtcGxl?=",
    '", harvest@evil.example, "',
    "<harvest@evil.example>",
    "\x00", "\x1b[2J", "\u2028Bcc: x@y.z", "\u202e",
]
hostile_text = st.lists(
    st.one_of(st.sampled_from(INJECTIONS), st.text(max_size=30), st.sampled_from(["Привет", "[SUP-1]", "Re:", '"', ",", "<>", ";", "\\"])),
    max_size=8,
).map("".join)

_ATOM = "abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+/=?^_`{|}~-"
valid_local = st.lists(st.text(alphabet=_ATOM, min_size=1, max_size=10), min_size=1, max_size=3).map(".".join)
valid_domain = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10), min_size=2, max_size=3
).map(".".join)
valid_address = st.builds(lambda local, domain: f"{local}@{domain}", valid_local, valid_domain)


def expected_one_line(text: str) -> str:
    return " ".join(strip_unsafe(text, multiline=False).split())


def build(**overrides):
    arguments = dict(
        from_address="support@cetera.ru",
        from_name="Служба поддержки Cetera",
        to=["client@example.ru"],
        cc=["support@cetera.ru"],
        subject="[SUP-1042] Re: Сайт не работает",
        text="Здравствуйте!\nЗаявка SUP-1042 принята, приоритет: ЦЕННАЯ.",
        html="<p>Здравствуйте!</p>",
        in_reply_to="abc@client.ru",
        references=["root@client.ru"],
        message_id_domain="cetera.ru",
        sent_at=SENT_AT,
    )
    arguments.update(overrides)
    return build_message(**arguments)


def reparse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def assert_headers_exactly(message: email.message.Message, *, cc: bool, reply: bool, references: bool | None = None) -> None:
    names = [name.lower() for name in message.keys()]
    expected = ["from", "to"] + (["cc"] if cc else []) + ["subject", "date", "message-id"]
    expected += ["in-reply-to"] if reply else []
    expected += ["references"] if (reply if references is None else references) else []
    expected += ["auto-submitted", "x-auto-response-suppress", "mime-version", "content-type"]
    assert names == expected
    assert "bcc" not in names


def test_acknowledgement_is_built_as_intended() -> None:
    out = build()
    parsed = reparse(out.raw)
    assert_headers_exactly(parsed, cc=True, reply=True)
    assert parsed["Subject"] == "[SUP-1042] Re: Сайт не работает"
    assert parsed["From"].addresses[0].display_name == "Служба поддержки Cetera"
    assert parsed["Message-ID"] == f"<{out.message_id}>"
    assert out.message_id.endswith("@cetera.ru")
    assert parsed["In-Reply-To"] == "<abc@client.ru>"
    assert parsed["References"] == "<root@client.ru> <abc@client.ru>"
    assert parsed["Auto-Submitted"] == "auto-replied"
    assert parsed["Date"].datetime == SENT_AT
    assert out.recipients == ("client@example.ru", "support@cetera.ru")
    assert out.headers["Subject"] == "[SUP-1042] Re: Сайт не работает"
    assert out.as_bytes() == out.raw
    assert all(len(line) <= 998 for line in out.raw.split(b"\r\n"))
    assert b"\r\n" in out.raw and b"\n" not in out.raw.replace(b"\r\n", b"")
    plain = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    assert "ЦЕННАЯ" in plain and "<p>Здравствуйте!</p>" in html


def test_our_own_parser_sees_the_acknowledgement_as_our_echo() -> None:
    out = build()
    parsed = parse_message(out.raw, own_message_id_domain="cetera.ru")
    assert parsed.auto_reply is not None
    assert parsed.subject == "[SUP-1042] Re: Сайт не работает"
    assert parsed.in_reply_to == "abc@client.ru"


def test_message_ids_are_fresh() -> None:
    assert build().message_id != build().message_id


def test_text_only_and_no_auto_submitted() -> None:
    out = build(html=None, auto_submitted=None, cc=[], in_reply_to=None, references=[])
    parsed = reparse(out.raw)
    names = [k.lower() for k in parsed.keys()]
    assert names[:5] == ["from", "to", "subject", "date", "message-id"]
    assert sorted(names[5:]) == ["content-transfer-encoding", "content-type", "mime-version"]
    assert parsed.get_content_type() == "text/plain"


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(subject=hostile_text, name=hostile_text, in_reply_to=hostile_text, references=st.lists(hostile_text, max_size=3))
def test_hostile_subject_name_and_ids_cannot_add_headers(subject, name, in_reply_to, references) -> None:
    out = build(subject=subject, from_name=name, in_reply_to=in_reply_to, references=references)
    parsed = reparse(out.raw)
    def clean(message_id: str) -> str:
        cleaned = re.sub(r"[\s<>]", "", strip_unsafe(message_id, multiline=False))
        return cleaned if cleaned.isascii() and "=?" not in cleaned else ""

    clean_parent = clean(in_reply_to)
    has_references = bool(clean_parent) or any(clean(r) for r in references)
    assert_headers_exactly(parsed, cc=True, reply=bool(clean_parent), references=has_references)
    assert str(parsed["Subject"]) == expected_one_line(subject)
    (sender,) = parsed["From"].addresses
    assert sender.addr_spec == "support@cetera.ru"
    # The stdlib puts a space between adjacent encoded-words in a display
    # name, which RFC 2047 section 6.2 says to drop; our parser follows the
    # RFC, and so do mail clients.
    ours = parse_message(out.raw)
    assert (ours.from_address, ours.from_name) == ("support@cetera.ru", expected_one_line(name))
    assert ours.subject == expected_one_line(subject)
    assert [a.addr_spec for a in parsed["To"].addresses] == ["client@example.ru"]
    assert [a.addr_spec for a in parsed["Cc"].addresses] == ["support@cetera.ru"]
    if clean_parent:
        assert parsed["In-Reply-To"] == f"<{clean_parent}>"
    assert not parsed.defects
    for line in out.raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        assert re.match(rb"^([A-Za-z-]+: |[ \t])", line), line


@settings(max_examples=200)
@given(to=st.lists(valid_address, min_size=1, max_size=4), cc=st.lists(valid_address, max_size=4))
def test_valid_addresses_round_trip_exactly(to, cc) -> None:
    out = build(to=to, cc=cc)
    parsed = reparse(out.raw)
    unique_to = list(dict.fromkeys(a.lower() for a in to))
    unique_cc = [a for a in dict.fromkeys(a.lower() for a in cc) if a not in unique_to]
    assert [a.addr_spec.lower() for a in parsed["To"].addresses] == unique_to
    got_cc = [a.addr_spec.lower() for a in parsed["Cc"].addresses] if parsed["Cc"] else []
    assert got_cc == unique_cc
    assert "bcc" not in [k.lower() for k in parsed.keys()]


@settings(max_examples=300)
@given(
    local=valid_local,
    domain=valid_domain,
    poison=st.sampled_from(["\r", "\n", "\r\nBcc: x@evil.example", ",", ", x@evil.example", ";", "<", ">", '"', " ", "\t", "\x00", "(", ")", "\\", ":"]),
    position=st.integers(min_value=0, max_value=40),
)
def test_poisoned_addresses_raise(local, domain, poison, position) -> None:
    address = f"{local}@{domain}"
    position = min(position, len(address))
    poisoned = address[:position] + poison + address[position:]
    if poisoned.strip(" \t") == address:
        return  # surrounding blanks are trimmed, the address is still one address
    with pytest.raises(UnsafeAddress):
        validate_address(poisoned)
    with pytest.raises(UnsafeAddress):
        build(to=[poisoned])


@pytest.mark.parametrize(
    "address",
    ["", "no-at-sign", "@example.ru", "user@", "a@b@c.ru", "Ivan <ivan@client.ru>", '"ivan"@client.ru',
     "ivan@client.ru, boss@client.ru", "иван@client.ru", "ivan@-bad-.ru", "ivan@client..ru", "x" * 65 + "@a.ru"],
)
def test_invalid_addresses_raise(address: str) -> None:
    with pytest.raises(UnsafeAddress):
        validate_address(address)


def test_unicode_domain_becomes_idna_and_sender_is_validated() -> None:
    assert validate_address("info@пример.рф") == "info@xn--e1afmkfd.xn--p1ai"
    with pytest.raises(UnsafeAddress):
        build(from_address="support@cetera.ru\r\nBcc: x@y.z")
    with pytest.raises(UnsafeAddress):
        build(to=[])


def test_naive_time_and_bad_domain_are_refused() -> None:
    with pytest.raises(ValueError):
        build(sent_at=datetime(2025, 12, 1, 10, 0))
    with pytest.raises(ValueError):
        build(message_id_domain="cetera.ru>\r\nBcc: x@y.z")
    with pytest.raises(TypeError):
        build(to="client@example.ru")


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("Сайт не работает", "[SUP-1042] Re: Сайт не работает"),
        ("Re: Сайт не работает", "[SUP-1042] Re: Сайт не работает"),
        ("RE: re: Re[2]: Сайт", "[SUP-1042] Re: Сайт"),
        ("[SUP-1042] Re: Сайт", "[SUP-1042] Re: Сайт"),
        ("Re: [SUP-1042] Re: Сайт", "[SUP-1042] Re: Сайт"),
        ("Re: [sup-1042] Сайт [SUP-1042]", "[SUP-1042] Re: Сайт"),
        ("Ответ: Отв: AW: Сайт", "[SUP-1042] Re: Сайт"),
        ("Fwd: Сайт", "[SUP-1042] Re: Fwd: Сайт"),
        ("Re: [SUP-999] другая задача", "[SUP-1042] Re: [SUP-999] другая задача"),
        ("Re:Сайт", "[SUP-1042] Re: Сайт"),
        ("Reklama", "[SUP-1042] Re: Reklama"),
        ("Ref: 12", "[SUP-1042] Re: Ref: 12"),
        ("", "[SUP-1042]"),
        ("Re: ", "[SUP-1042]"),
        ("Сайт\r\nBcc: x@y.z", "[SUP-1042] Re: Сайт Bcc: x@y.z"),
        ("  много   пробелов\t", "[SUP-1042] Re: много пробелов"),
    ],
)
def test_reply_subject(original: str, expected: str) -> None:
    assert reply_subject("SUP-1042", original) == expected


@given(hostile_text)
def test_reply_subject_is_idempotent_and_one_line(original: str) -> None:
    once = reply_subject("SUP-7", original)
    assert reply_subject("SUP-7", once) == once
    assert once.startswith("[SUP-7]") and once.count("[SUP-7]") == 1
    assert "\n" not in once and "\r" not in once


def test_encoded_word_injection_in_subject_and_reply_id() -> None:
    """The stdlib decodes an encoded-word in a plain string assigned to a
    header and writes the decoded line break out (Python < 3.11.10)."""
    out = build(
        subject="=?utf-8?q?x=0D=0ABcc:_harvest@evil.example?=",
        from_name="=?utf-8?q?y=0D=0ABcc:_harvest@evil.example?=",
        in_reply_to="=?utf-8?q?z=0D=0ABcc:_harvest@evil.example?=@client.ru",
    )
    assert b"\r\nBcc:" not in out.raw and b"\nBcc:" not in out.raw
    parsed = reparse(out.raw)
    assert_headers_exactly(parsed, cc=True, reply=False, references=True)
    assert parsed["Subject"] == "=?utf-8?q?x=0D=0ABcc:_harvest@evil.example?="
    assert parsed["References"] == "<root@client.ru>"
