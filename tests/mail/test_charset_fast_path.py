"""What the cheap path of charset decoding may and may not skip.

Mail declared UTF-8 whose bytes are valid UTF-8 is decoded without
scoring (`plausibility` is the costly part of `decode_bytes`). A strict
decode proves nothing for single-byte charsets (koi8-r, windows-1251,
latin-1 decode any bytes), and a wrong label on Russian mail is what
scoring exists for: those must keep being scored, and still read right.
"""

from __future__ import annotations

import base64

import pytest

from dutydesk.mail import charsets
from dutydesk.mail.charsets import decode_bytes, plausibility
from dutydesk.mail.parse import parse_message

# Bodies and subjects as the benchmark generator and real clients write them, short ones included.
SAMPLES = [
    "Здравствуйте!\nЗаявка номер 17: сайт не открывается.\nСпасибо.",
    "Не работает корзина",
    "Ошибка 500",
    "Вопрос по CMS",
    "Ок",
    "Счёт № 42 — «Хостинг» за ноябрь… ждём оплату.",
    "ЗАЯВКА СРОЧНО: ВСЁ ЛЕЖИТ",
    "Добрый день, Сергей! Прошу обновить прайс на сайте shop.example.ru до 15:00.",
]
# The other readings scoring would weigh for the same bytes.
OTHER_READINGS = ("cp1251", "koi8_r", "cp1252", "iso8859_5", "cp866", "mac_cyrillic")


def _no_scoring(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str) -> float:
        raise AssertionError("plausibility scoring ran on the fast path")

    monkeypatch.setattr(charsets, "plausibility", refuse)


def _count_scoring(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []

    def counting(text: str) -> float:
        seen.append(text)
        return plausibility(text)

    monkeypatch.setattr(charsets, "plausibility", counting)
    return seen


@pytest.mark.parametrize("text", SAMPLES)
def test_declared_utf8_is_decoded_without_scoring(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _no_scoring(monkeypatch)
    problems: list[str] = []
    assert decode_bytes(text.encode("utf-8"), "utf-8", problems=problems) == text
    assert decode_bytes(text.encode("utf-8"), "UTF8", problems=problems) == text
    assert problems == []


@pytest.mark.parametrize("text", SAMPLES)
def test_the_fast_path_reads_what_scoring_would(text: str) -> None:
    """Scoring every strict reading of the UTF-8 bytes picks the UTF-8 one
    by a clear margin: skipping it changes no result."""
    data = text.encode("utf-8")
    ours = plausibility(text)
    for codec in OTHER_READINGS:
        try:
            other = data.decode(codec)
        except UnicodeDecodeError:
            continue
        assert ours > plausibility(other) + 2.0, f"{codec} reading {other!r} scores too close to {text!r}"


@pytest.mark.parametrize(
    ("actual", "declared"),
    [
        ("cp1251", "koi8-r"),
        ("koi8-r", "windows-1251"),
        ("cp1251", "iso-8859-1"),
        ("cp1251", "latin-1"),
        ("koi8-r", "iso-8859-5"),
        ("cp1251", "ibm866"),
    ],
)
def test_mislabelled_russian_is_still_scored_and_read(
    actual: str, declared: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "Здравствуйте! Сайт не работает: при оформлении заказа ошибка 500.\nС уважением, Иван Петров"
    scored = _count_scoring(monkeypatch)
    problems: list[str] = []
    assert decode_bytes(text.encode(actual), declared, problems=problems) == text
    assert scored, "a single-byte label decodes any bytes: it must not skip scoring"
    assert any(f"charset {declared!r} replaced by" in p for p in problems), problems


@pytest.mark.parametrize(("actual", "declared"), [("cp1251", "koi8-r"), ("koi8-r", "windows-1251")])
def test_mislabelled_russian_message_reads_right_end_to_end(actual: str, declared: str) -> None:
    body = "Добрый день! Не открывается личный кабинет, ошибка при входе.\nСпасибо, Ольга"
    subject = "Не работает личный кабинет"
    word = base64.b64encode(subject.encode(actual)).decode()
    raw = (
        f"From: client@example.ru\r\nTo: support@cetera.ru\r\nSubject: =?{declared}?B?{word}?=\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset={declared}\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode("ascii") + body.encode(actual)
    parsed = parse_message(raw)
    assert parsed.body_text == body
    assert parsed.subject == subject


def test_correctly_labelled_single_byte_mail_keeps_its_label() -> None:
    for codec, label in (("koi8-r", "koi8-r"), ("cp1251", "windows-1251")):
        for text in SAMPLES:
            try:
                data = text.encode(codec)
            except UnicodeEncodeError:
                continue  # "№" has no place in koi8-r
            problems: list[str] = []
            assert decode_bytes(data, label, problems=problems) == text, (label, text)
            assert problems == [], (label, text, problems)


# --- per-part charsets and parameters, read once by the parser ---------------------


def test_each_part_is_decoded_with_its_own_charset() -> None:
    """The parser reads each part's charset once and hands it to the body
    extraction: the parts must not get each other's."""
    plain = "Первая часть, в koi8-r."
    note = "Вторая часть, в windows-1251."
    raw = (
        b"From: client@example.ru\r\nTo: support@cetera.ru\r\nSubject: parts\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain; charset=koi8-r\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + plain.encode("koi8-r")
        + b"\r\n--B\r\nContent-Type: text/plain; charset=windows-1251\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + note.encode("cp1251")
        + b"\r\n--B--\r\n"
    )
    parsed = parse_message(raw)
    assert parsed.body_text == f"{plain}\n\n{note}"
    assert not [p for p in parsed.problems if "charset" in p], "each part decoded by its own label, no guessing"


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("text/plain; charset=utf-8; format=flowed", "Одна длинная строка, перенесённая почтовиком.\nВторая."),
        ('text/plain; format="Flowed"; charset=utf-8', "Одна длинная строка, перенесённая почтовиком.\nВторая."),
        ("text/plain; charset=utf-8", "Одна длинная строка,\nперенесённая почтовиком.\nВторая."),
        ("text/plain; charset=utf-8; x-note=flowed", "Одна длинная строка,\nперенесённая почтовиком.\nВторая."),
    ],
)
def test_format_flowed_is_unflowed_only_when_declared(content_type: str, expected: str) -> None:
    body = "Одна длинная строка, \r\nперенесённая почтовиком.\r\nВторая.\r\n"
    raw = (
        f"From: client@example.ru\r\nSubject: flowed\r\nMIME-Version: 1.0\r\nContent-Type: {content_type}\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode("ascii") + body.encode("utf-8")
    assert parse_message(raw).body_text == expected
