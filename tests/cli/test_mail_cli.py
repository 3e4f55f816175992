"""``dutydesk mail import | quarantine`` from the command line: the JSON shape, exit status, the Zammad corpus."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[1] / "fixtures" / "mail"))
from mailmaker import mail  # noqa: E402

CORPUS = Path(os.environ.get("DUTYDESK_CORPUS") or HERE.parents[3] / "shared" / "corpus" / "zammad-mail")
BOXES = sorted(CORPUS.glob("*.box")) if CORPUS.is_dir() else []
OUTCOMES = {"new_task", "threaded", "duplicate", "ignored", "quarantined"}
TOP_KEYS = ["new_tasks", "threaded", "duplicates", "ignored", "quarantined", "items"]


@pytest.fixture
def seeded(cli, tmp_path: Path):
    sys.path.insert(0, str(HERE.parents[1] / "services"))
    from registry_seed import REGISTRY as data

    path = tmp_path / "registry.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert cli("registry", "import", str(path)).exit_code == 0
    return cli


def write(folder: Path, name: str, raw: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(raw)
    return path


def test_the_whole_zammad_corpus_imports_and_a_second_import_changes_nothing(seeded) -> None:
    assert len(BOXES) >= 100, f"Zammad corpus not found at {CORPUS}"
    first = seeded("mail", "import", str(CORPUS), "--json")
    data = first.json()
    assert list(data) == TOP_KEYS
    assert sorted(item["source"] for item in data["items"]) == sorted(str(b) for b in BOXES)
    assert all(item["outcome"] in OUTCOMES for item in data["items"])
    totals = {o: sum(1 for i in data["items"] if i["outcome"] == o) for o in OUTCOMES}
    assert totals == {"new_task": data["new_tasks"], "threaded": data["threaded"], "duplicate": data["duplicates"],
                      "ignored": data["ignored"], "quarantined": data["quarantined"]}
    # What we measured (issue 4 note): every .box has an outcome, none crashes, none is held.
    assert (data["new_tasks"], data["duplicates"], data["ignored"], data["quarantined"]) == (77, 26, 12, 0)
    assert first.exit_code == 0
    again = seeded("mail", "import", str(CORPUS), "--json").json()
    assert again["duplicates"] == len(BOXES) and again["new_tasks"] == again["ignored"] == 0


def test_json_shape_and_exit_status_when_something_is_quarantined(seeded, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write(folder, "1.eml", mail(message_id="a@acme.ru"))
    write(folder, "2.eml", mail(sender=None, message_id="b@acme.ru"))
    result = seeded("mail", "import", str(folder), "--json")
    assert result.exit_code == 1  # a cron job notices
    data = result.json()
    assert list(data) == TOP_KEYS
    assert data["items"] == [
        {"source": str(folder / "1.eml"), "outcome": "new_task", "task": "SUP-1001", "reason": None},
        {"source": str(folder / "2.eml"), "outcome": "quarantined", "task": None, "reason": "no sender address"},
    ]
    assert (data["new_tasks"], data["quarantined"]) == (1, 1)


def test_human_output_summarises_and_a_missing_path_is_one_line(seeded, tmp_path: Path) -> None:
    path = write(tmp_path, "one.eml", mail(subject="\x1b[31mКрасный[/red] [bold]заказ[/bold]"))
    result = seeded("mail", "import", str(path))
    assert result.exit_code == 0 and "1 message(s): 1 new task(s)" in result.stdout
    assert "\x1b[31m" not in result.stdout and "[bold]заказ[/bold]" in result.stdout  # literal, never markup
    missing = seeded("mail", "import", str(tmp_path / "nope"))
    assert missing.exit_code == 1 and missing.stderr.strip() == f"dutydesk: mail source not found: {tmp_path / 'nope'}"


def test_quarantine_lists_shows_and_retries(seeded, tmp_path: Path) -> None:
    raw = mail(sender=None, message_id="held@x", subject="Без отправителя", newline="\n")
    seeded("mail", "import", str(write(tmp_path, "held.eml", raw)))
    listing = seeded("mail", "quarantine", "--json").json()["messages"]
    assert [(m["reason"], m["subject"]) for m in listing] == [("no sender address", "Без отправителя")]
    held = listing[0]["id"]
    shown = seeded("mail", "quarantine", "--show", str(held), "--json").json()
    assert shown["outcome"] == "quarantined" and shown["body"].strip() == "Помогите."
    assert {"name": "Message-ID", "value": "held@x"} in shown["headers"]
    human = seeded("mail", "quarantine", "--show", str(held))
    assert human.exit_code == 0 and "no sender address" in human.stdout
    assert seeded("mail", "quarantine", "--show", str(held), "--raw").stdout.encode() == raw
    retried = seeded("mail", "quarantine", "--retry", str(held), "--json")
    assert retried.exit_code == 1 and retried.json()["quarantined"] == 1  # nothing was fixed: still held
    assert seeded("mail", "quarantine", "--all", "--json").exit_code == 1
    nothing = seeded("mail", "quarantine", "--retry", "999")
    assert nothing.exit_code == 1 and "no quarantined message 999" in nothing.stderr


def test_retry_after_the_file_is_readable_again(seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unreadable file is held by where it was; once it can be read, a retry imports it in place."""
    from dutydesk.mail import sources

    path = write(tmp_path / "in", "late.eml", mail(message_id="late@acme.ru"))
    real = sources._read_file
    monkeypatch.setattr(sources, "_read_file",
                        lambda p, label: sources.MailSource(label, b"", "PermissionError: denied"))
    first = seeded("mail", "import", str(path), "--json")
    assert first.exit_code == 1 and first.json()["items"][0]["reason"] == "unreadable source: PermissionError: denied"
    monkeypatch.setattr(sources, "_read_file", real)
    [held] = seeded("mail", "quarantine", "--json").json()["messages"]
    again = seeded("mail", "quarantine", "--retry", str(held["id"]), "--json")
    assert again.exit_code == 0 and again.json()["items"][0]["outcome"] == "new_task"
    assert seeded("mail", "quarantine", "--json").json()["messages"] == []
