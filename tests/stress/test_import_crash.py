"""An import of 10k messages killed with SIGKILL at random points, then re-run: every message is accounted
for exactly once, no task is lost or doubled (R-IN-2, issue 8's crash test)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "mail"))
from generate import generate  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
COUNT = 10_000
KILLS = 3


def importer(db: str, maildir: Path) -> list[str]:
    return [sys.executable, "-m", "dutydesk", "--db", db, "--now", "2026-12-01T11:00", "--as", "mail",
            "mail", "import", str(maildir), "--json"]


def env() -> dict:
    return {**os.environ, "PYTHONPATH": str(REPO), "DUTYDESK_CONFIG": str(REPO / "tests/fixtures/empty-config.toml")}


def ledger(url: str) -> dict:
    """What the store holds: inbound messages by identity and outcome, and the tasks they made."""
    engine = create_engine(url.replace("postgresql+psycopg", "postgresql+psycopg") if "://" in url else f"sqlite:///{url}")
    with engine.connect() as conn:
        messages = sorted(conn.execute(text(
            "select coalesce(message_id, content_hash), outcome from message where direction = 'in'")).all())
        tasks = sorted(conn.execute(text("select subject, sender from task")).all())
        doubled = conn.execute(text(
            "select count(*) from (select coalesce(message_id, content_hash) k from message where direction='in' "
            "group by k having count(*) > 1) d")).scalar()
    engine.dispose()
    return {"messages": messages, "tasks": tasks, "doubled": doubled}


@pytest.mark.slow
def test_killed_imports_resume_without_loss_or_duplicates(tmp_path: Path, db_url: str, make_desk) -> None:
    maildir = tmp_path / "Maildir"
    generate(maildir, COUNT)
    reference = str(tmp_path / "reference.sqlite")
    done = subprocess.run(importer(reference, maildir), capture_output=True, text=True, env=env(), timeout=600)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    expected = ledger(reference)
    full = json.loads(done.stdout)
    assert full["new_tasks"] == len(expected["tasks"]) > 1000

    make_desk()  # the store under test exists, migrated, on this back end
    rnd = random.Random(5)
    killed_after = []
    for _ in range(KILLS):
        proc = subprocess.Popen(importer(db_url, maildir), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env=env())
        delay = rnd.uniform(0.8, 6.0)
        time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed_after.append(round(delay, 1))
        proc.wait(timeout=60)
    final = subprocess.run(importer(db_url, maildir), capture_output=True, text=True, env=env(), timeout=600)
    assert final.returncode in (0, 1), final.stderr[-2000:]
    got = ledger(db_url)
    assert got["doubled"] == 0
    assert got["messages"] == expected["messages"]
    assert got["tasks"] == expected["tasks"]
    again = json.loads(subprocess.run(importer(db_url, maildir), capture_output=True, text=True, env=env(),
                                      timeout=600).stdout)
    assert again["new_tasks"] == again["threaded"] == 0 and ledger(db_url) == got  # a re-run changes nothing
    print(f"\ncrash runs on {'postgresql' if '+psycopg' in db_url else 'sqlite'}: killed after {killed_after} s; "
          f"{len(got['messages'])} messages stored, {len(got['tasks'])} tasks, as the uninterrupted import")
