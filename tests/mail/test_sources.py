"""Reading raw messages from a Maildir, an mbox, single files and folders."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from dutydesk.mail.parse import parse_message
from dutydesk.mail.sources import MailSource, MailSourceError, iter_sources


def message(n: int) -> bytes:
    return f"From: client{n}@example.ru\nTo: support@cetera.ru\nSubject: message {n}\n\nbody {n}\n".encode()


def subjects(sources: list[MailSource]) -> list[str]:
    return [parse_message(s.raw).subject for s in sources]


def test_maildir_cur_and_new_in_arrival_order(tmp_path: Path) -> None:
    root = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True)
    (root / "new" / "1700000002.M1P1.host").write_bytes(message(2))
    (root / "cur" / "1700000001.M1P1.host:2,S").write_bytes(message(1))
    (root / "cur" / "1700000003.M1P1.host:2,RS").write_bytes(message(3))
    (root / "tmp" / "1700000004.M1P1.host").write_bytes(message(4))  # still being delivered
    (root / "cur" / ".hidden").write_bytes(message(5))
    sources = list(iter_sources([root]))
    assert subjects(sources) == ["message 1", "message 2", "message 3"]
    assert sources[0].label == f"maildir:{root}/cur/1700000001.M1P1.host:2,S"
    assert sources[1].label == f"maildir:{root}/new/1700000002.M1P1.host"
    assert all(s.error is None for s in sources)


def test_maildir_written_by_the_stdlib(tmp_path: Path) -> None:
    box = mailbox.Maildir(tmp_path / "md", create=True)
    for n in range(3):
        box.add(message(n))
    assert sorted(subjects(list(iter_sources([tmp_path / "md"])))) == ["message 0", "message 1", "message 2"]


MBOX = (
    b"From client1@example.ru Mon Dec  1 10:00:00 2025\n" + message(1) + b"\n"
    b"From MAILER-DAEMON Mon Dec  1 10:01:00 2025\n\x00\xff\xfe not a message at all \x1b[2J\n\n"
    b"From client3@example.ru Mon Dec  1 10:02:00 2025\n" + message(3) + b">From the mbox quoting\n\n"
)


def test_mbox_keeps_going_past_a_broken_entry(tmp_path: Path) -> None:
    path = tmp_path / "support.mbox"
    path.write_bytes(MBOX)
    sources = list(iter_sources([path]))
    assert [s.label for s in sources] == [f"mbox:{path}#1", f"mbox:{path}#2", f"mbox:{path}#3"]
    for source in sources:
        assert not source.raw.startswith(b"From ")
    parsed = [parse_message(s.raw) for s in sources]
    assert parsed[0].subject == "message 1" and parsed[0].quarantine is None
    assert parsed[1].quarantine is not None
    assert parsed[2].subject == "message 3"


def test_mbox_entry_that_cannot_be_read_is_reported_not_fatal(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "support.mbox"
    path.write_bytes(MBOX)
    real = mailbox.mbox.get_bytes

    def flaky(self, key, from_=False):
        if key == 1:
            raise OSError("disk error")
        return real(self, key, from_)

    monkeypatch.setattr(mailbox.mbox, "get_bytes", flaky)
    sources = list(iter_sources([path]))
    assert len(sources) == 3
    assert sources[1].raw == b"" and "disk error" in (sources[1].error or "")
    assert parse_message(sources[2].raw).subject == "message 3"


def test_mbox_without_a_suffix_is_recognised(tmp_path: Path) -> None:
    path = tmp_path / "Inbox"
    path.write_bytes(MBOX)
    assert len(list(iter_sources([path]))) == 3


def test_single_eml_and_box_files(tmp_path: Path) -> None:
    eml = tmp_path / "one.eml"
    eml.write_bytes(message(1))
    box = tmp_path / "two.box"
    box.write_bytes(b"From client2@example.ru  Mon Dec  1 10:00:00 2025\n" + message(2))
    sources = list(iter_sources([eml, box]))
    assert [s.label for s in sources] == [str(eml), str(box)]
    assert sources[0].raw == message(1)
    assert sources[1].raw == message(2)  # the envelope line is gone


def test_folder_is_read_recursively_and_sorted(tmp_path: Path) -> None:
    (tmp_path / "b" / "deeper").mkdir(parents=True)
    (tmp_path / "a").mkdir()
    (tmp_path / "b" / "deeper" / "3.eml").write_bytes(message(3))
    (tmp_path / "a" / "2.msg").write_bytes(message(2))
    (tmp_path / "1.box").write_bytes(message(1))
    (tmp_path / "notes.txt").write_text("not mail")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.eml").write_bytes(message(9))
    (tmp_path / "b" / "archive.mbox").write_bytes(MBOX)
    maildir = tmp_path / "c" / "Maildir"
    (maildir / "cur").mkdir(parents=True)
    (maildir / "new").mkdir()
    (maildir / "new" / "1700000000.x").write_bytes(message(4))
    sources = list(iter_sources([tmp_path]))
    labels = [s.label for s in sources]
    assert labels == [
        str(tmp_path / "1.box"),
        str(tmp_path / "a" / "2.msg"),
        f"mbox:{tmp_path / 'b' / 'archive.mbox'}#1",
        f"mbox:{tmp_path / 'b' / 'archive.mbox'}#2",
        f"mbox:{tmp_path / 'b' / 'archive.mbox'}#3",
        str(tmp_path / "b" / "deeper" / "3.eml"),
        f"maildir:{maildir}/new/1700000000.x",
    ]
    assert labels == [s.label for s in iter_sources([tmp_path])]  # stable


def test_missing_path_raises_at_once(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "Maildir"
    with pytest.raises(MailSourceError, match="mail source not found: .*nowhere"):
        iter_sources([tmp_path, missing])


def test_strings_are_accepted_as_paths(tmp_path: Path) -> None:
    (tmp_path / "m.eml").write_bytes(message(1))
    (source,) = iter_sources([str(tmp_path / "m.eml")])
    assert source.raw == message(1)
