"""The regulation engine from the command line, with --now (R-ELIG, R-SLA, R-POOL, R-ESC)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REGISTRY = Path(__file__).resolve().parents[1] / "services" / "registry_seed.py"


@pytest.fixture
def seeded(cli, tmp_path: Path):
    import sys

    sys.path.insert(0, str(REGISTRY.parent))
    from registry_seed import REGISTRY as data

    path = tmp_path / "registry.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert cli("registry", "import", str(path)).exit_code == 0
    return cli


def test_check_gives_the_verdict_in_the_documented_shape(seeded) -> None:
    data = seeded("check", "Boss@Acme.ru", "--json", now="2026-12-01T10:00").json()
    assert data["eligible"] is True and data["rule"] == "R-ELIG-1"
    assert data["client"] == {"id": "acme", "name": "ООО «Акме»"} and data["project"] is None
    assert data["basis"][0]["kind"] == "contract" and data["basis"][0]["number"] == "Д-17"
    assert data["default_priority"] is None
    # R-ELIG-1: dates inclusive — the contract ends 2026-12-31, so on 2027-01-01 the sender is R-ELIG-4.
    after = seeded("check", "boss@acme.ru", "--json", now="2027-01-01T10:00").json()
    assert after["rule"] == "R-ELIG-4" and after["default_priority"] == "insignificant"


def test_check_by_name_fragment_lists_every_match(seeded) -> None:
    data = seeded("check", "акме", "--json").json()
    assert [m["client"]["id"] for m in data["matches"]] == ["acme"]
    assert {p["id"] for p in data["matches"][0]["projects"]} == {"acme-shop", "acme-corp"}


@pytest.mark.parametrize(
    ("received", "reaction_due", "immediate_due"),
    [
        # The evening before the 4 November 2026 holiday (Tue 03.11 17:30): Wed 04.11 is off.
        ("2026-11-03T17:30", "2026-11-05T09:30:00+03:00", "2026-11-03T18:00:00+03:00"),
        # A Friday evening: the reaction hour runs over into Monday.
        ("2026-11-27T17:30", "2026-11-30T09:30:00+03:00", "2026-11-27T18:00:00+03:00"),
        # Received on a Saturday: outside working hours → the end of the next working day.
        ("2026-11-28T12:00", "2026-11-30T10:00:00+03:00", "2026-11-30T18:00:00+03:00"),
        # 31 December 2026 is a transferred day off; the New Year holidays (1–8 January 2027, then a weekend) follow.
        ("2026-12-31T10:00", "2027-01-11T10:00:00+03:00", "2027-01-11T18:00:00+03:00"),
    ],
)
def test_r_sla_clocks_walk_real_2026_dates(seeded, received: str, reaction_due: str, immediate_due: str) -> None:
    key = seeded("task", "new", "--project", "acme-shop", "--subject", "Сайт лежит", "--received", received,
                 now=received).stdout.strip()
    assert seeded("task", "priority", key, "1", now=received).exit_code == 0
    pool = seeded("pool", "--json", now=received).json()
    row = next(t for t in pool["tasks"] if t["key"] == key)
    assert row["due"] == immediate_due
    shown = seeded("task", "show", key, "--json", now=received).json()
    reaction = next(c for c in shown["clocks"] if c["name"] == "reaction")
    # The priority was set at receipt, so the reaction is met; its due is still reported.
    assert reaction["met_at"] is not None


@pytest.mark.parametrize(
    ("received", "due"),
    [
        ("2026-11-03T17:30", "2026-11-05T09:30:00+03:00"),
        ("2026-11-27T17:30", "2026-11-30T09:30:00+03:00"),
        ("2026-11-28T12:00", "2026-11-30T10:00:00+03:00"),
        ("2026-12-31T10:00", "2027-01-11T10:00:00+03:00"),
    ],
)
def test_r_sla_react_due_and_breach_through_the_cli(seeded, received: str, due: str) -> None:
    key = seeded("task", "new", "--project", "acme-shop", "--subject", "x", "--received", received,
                 now=received).stdout.strip()
    row = next(t for t in seeded("pool", "--json", now=received).json()["tasks"] if t["key"] == key)
    assert row["reaction_due"] == due and row["breaches"] == []
    after = seeded("pool", "--json", now=due.replace(":00+03:00", ":01+03:00")).json()
    assert next(t for t in after["tasks"] if t["key"] == key)["breaches"] == ["reaction"]
    board = seeded("escalations", "--json", now=due.replace(":00+03:00", ":01+03:00")).json()
    assert any(e["task"] == key and e["trigger"] == "no-reaction" and e["detected"] for e in board["escalations"])


def test_pool_json_has_the_documented_keys_and_blocked_by(seeded) -> None:
    high = seeded("task", "new", "--project", "acme-shop", "--subject", "high").stdout.strip()
    low = seeded("task", "new", "--project", "acme-shop", "--subject", "low").stdout.strip()
    seeded("task", "priority", high, "valuable")
    seeded("task", "priority", low, "ОБЫЧНАЯ")
    pool = seeded("pool", "--json").json()
    assert set(pool["tasks"][0]) >= {"key", "subject", "client", "project", "priority", "status", "blocked_by",
                                     "received_at", "reaction_due", "start_due", "due", "breaches"}
    assert [t["key"] for t in pool["tasks"]] == [high, low]
    assert pool["tasks"][1]["blocked_by"] == high
    assert len(seeded("pool", "--json", "--limit", "1").json()["tasks"]) == 1
    assert seeded("pool", "--json", "--project", "acme-corp").json()["tasks"] == []


def test_take_refuses_blocked_then_next_and_nothing_left(seeded) -> None:
    high = seeded("task", "new", "--project", "acme-shop", "--subject", "high").stdout.strip()
    low = seeded("task", "new", "--project", "acme-shop", "--subject", "low").stdout.strip()
    seeded("task", "priority", high, "2")
    seeded("task", "priority", low, "3")
    refused = seeded("task", "take", low, "--as", "duty-1")
    assert refused.exit_code == 1 and f"blocked by {high}" in refused.stderr
    taken = seeded("task", "next", "--json", "--as", "duty-1").json()
    assert taken["key"] == high and taken["assignee"] == "duty-1"
    nothing = seeded("task", "next", "--as", "duty-1")
    assert nothing.exit_code == 1 and nothing.stderr.count("\n") == 1 and "nothing can be taken" in nothing.stderr


def test_lifecycle_commands_end_to_end(seeded) -> None:
    key = seeded("task", "new", "--project", "acme-shop", "--subject", "Комплексная").stdout.strip()
    assert seeded("task", "priority", key, "normal", "--reason", "по звонку").exit_code == 0
    children = seeded("task", "split", key, "--title", "A", "--title", "B").stdout.split()
    assert len(children) == 2
    assert seeded("task", "take", key, "--as", "duty-1").exit_code == 0
    refused = seeded("task", "done", key)
    assert refused.exit_code == 1 and "R-WORK-2" in refused.stderr
    for child in children:
        seeded("task", "take", child, "--as", "duty-1", "--override", "split")
        seeded("task", "done", child)
    assert seeded("task", "done", key, "--json").json()["status"] == "done"
    other = seeded("task", "new", "--subject", "Без проекта", "--from", "boss@acme.ru").stdout.strip()
    assert seeded("task", "project", other, "acme-corp", "--json").json()["project"]["id"] == "acme-corp"
    assert seeded("task", "wait", other, "--question", "Какой адрес?", "--json").json()["status"] == "waiting_client"
    assert seeded("task", "resume", other, "--json").json()["status"] == "pool"
    assert seeded("task", "scope", other, "--out-of-contract", "--json").json()["status"] == "needs_agreement"
    assert seeded("task", "scope", other, "--agreed", "--json").json()["status"] == "pool"
    handed = seeded("task", "handoff", other, "--reason", "module", "--note", "новый модуль", "--json").json()
    assert handed["status"] == "handed_off" and handed["assignee"] == "mgr-ivanova"
    bad = seeded("task", "handoff", key, "--reason", "laziness")
    assert bad.exit_code == 1


def test_escalate_close_and_find(seeded) -> None:
    key = seeded("task", "new", "--project", "acme-shop", "--subject", "x", "--received",
                 "2026-11-30T14:05").stdout.strip()
    seeded("task", "priority", key, "low")
    esc = seeded("escalate", key, "--trigger", "requalify", "--level", "3", "--json").json()
    assert esc["call"]["role"] == "executive_director" and esc["next_level"] is None
    assert seeded("task", "show", key, "--json").json()["priority"] == "normal"
    board = seeded("escalations", "--json").json()["escalations"]
    assert [e["id"] for e in board if e["task"] == key] == [esc["id"]]
    assert seeded("escalation", "close", str(esc["id"]), "--outcome", "перевели в обычную").exit_code == 0
    found = seeded("find", "--sent", "2026-11-30 14:00", "--json").json()
    assert found["tasks"][0] == {"key": key, "subject": "x", "sent_at": "2026-11-30T11:05:00+00:00",
                                 "distance_minutes": 5.0}
    missing = seeded("escalate", key, "--trigger", "deadline")
    assert missing.exit_code == 1 and "--deadline" in missing.stderr


def test_calendar_lists_2026_exceptions_with_their_source(seeded) -> None:
    data = seeded("calendar", "2026", "--json").json()
    days = {d["date"]: d for d in data["days"]}
    assert days["2026-11-04"]["working"] is False and "Unity" in days["2026-11-04"]["source"]
    assert days["2026-12-31"]["working"] is False
    assert days["2026-12-01"]["working"] is True and days["2026-12-01"]["start"].startswith("2026-12-01T09:00")
    assert data["working_days"] == sum(1 for d in data["days"] if d["working"])
