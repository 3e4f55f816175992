"""The daily trend and the shift handover, from the audit trail (issue 6), on SQLite and PostgreSQL.

The trend fixture is small enough to count by hand. Calendar: Tue 1 – Thu 3
Dec 2026, working 09:00–18:00 Moscow; "now" is Thu 12:00 and ``days=3``, so
the periods are (Mon 18:00, Tue 18:00], (Tue 18:00, Wed 18:00], (Wed 18:00,
Thu 12:00]. A breach counts on the period in which its due instant falls
(a due at exactly 18:00 is missed only after 18:00, so on the next day).

    Tue 10:00 A created; 10:20 A Normal; 11:00 A taken
    Tue 11:00 B created; 13:00 B Immediate   → reaction due 12:00 met 13:00: breached (Tue)
                                               B due Tue 18:00, not done: breached (Wed)
    Tue 14:00 C created; 14:10 C Low; 15:00 C waits for the client
    Tue 16:00 A escalated (re-qualify, level 1) → A Valuable
    Wed 10:00 D created; 10:05 D Valuable
    Wed 11:00 E created; 11:05 E Normal; 17:00 E handed off
    Wed 12:00 B taken; 15:00 A done; 16:00 C resumed (back to the pool)
    Thu 09:30 F created, never triaged     → reaction due 10:30, missed (Thu)
    Thu 11:00 B done
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from dutydesk.errors import BadInput
from dutydesk.export.handover import handover_html, handover_markdown
from dutydesk.services import lifecycle
from dutydesk.services.escalation import escalate
from dutydesk.services.intake import create_request
from dutydesk.services.registry import import_registry
from dutydesk.services.registry_schema import load_registry
from dutydesk.services.report import handover, previous_shift_end, trend, trend_periods
from dutydesk.store.models import AuditEvent

MSK = ZoneInfo("Europe/Moscow")
DEMO = Path(__file__).resolve().parents[2] / "data" / "demo" / "registry.json"


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MSK)


@pytest.fixture
def history(make_desk, at):
    desk = make_desk(now="2026-12-03T12:00")
    import_registry(at(desk, "2026-11-30T09:00"), load_registry(DEMO), source="demo")
    keys = {}

    def new(name: str, when: str, project: str = "acme-shop") -> None:
        keys[name] = create_request(at(desk, when), subject=f"task {name}", project_id=project,
                                    received_at=t(when)).key

    new("A", "2026-12-01T10:00")
    lifecycle.set_priority(at(desk, "2026-12-01T10:20"), keys["A"], "normal")
    lifecycle.take(at(desk, "2026-12-01T11:00"), keys["A"], staff="duty-1")
    new("B", "2026-12-01T11:00", "stroymash-site")
    lifecycle.set_priority(at(desk, "2026-12-01T13:00"), keys["B"], "immediate")
    new("C", "2026-12-01T14:00", "vkusno-shop")
    lifecycle.set_priority(at(desk, "2026-12-01T14:10"), keys["C"], "low")
    lifecycle.wait_for_client(at(desk, "2026-12-01T15:00"), keys["C"], question="Пришлите прайс")
    escalate(at(desk, "2026-12-01T16:00"), keys["A"], trigger="requalify", level=1)
    new("D", "2026-12-02T10:00", "hotel-booking")
    lifecycle.set_priority(at(desk, "2026-12-02T10:05"), keys["D"], "valuable")
    new("E", "2026-12-02T11:00", "medcenter-site")
    lifecycle.set_priority(at(desk, "2026-12-02T11:05"), keys["E"], "normal")
    lifecycle.take(at(desk, "2026-12-02T12:00"), keys["B"], staff="duty-1")
    lifecycle.done(at(desk, "2026-12-02T15:00"), keys["A"])
    lifecycle.resume(at(desk, "2026-12-02T16:00"), keys["C"])
    lifecycle.hand_off(at(desk, "2026-12-02T17:00"), keys["E"], reason="module")
    new("F", "2026-12-03T09:30", "school-site")
    lifecycle.done(at(desk, "2026-12-03T11:00"), keys["B"])
    return desk, keys


def pool(untriaged=0, immediate=0, valuable=0, normal=0, low=0, insignificant=0) -> dict:
    counts = dict(untriaged=untriaged, immediate=immediate, valuable=valuable, normal=normal, low=low,
                  insignificant=insignificant)
    return {"total": sum(counts.values()), **counts}


EXPECTED = [
    {"date": "2026-12-01", "from": "2026-11-30T18:00:00+03:00", "at": "2026-12-01T18:00:00+03:00",
     "pool": pool(immediate=1, valuable=1, low=1), "new": 3, "done": 0, "handed_off": 0,
     "breached": 1, "in_breach": 1, "escalations": 1},
    {"date": "2026-12-02", "from": "2026-12-01T18:00:00+03:00", "at": "2026-12-02T18:00:00+03:00",
     "pool": pool(immediate=1, valuable=1, low=1), "new": 2, "done": 1, "handed_off": 1,
     "breached": 1, "in_breach": 1, "escalations": 0},
    {"date": "2026-12-03", "from": "2026-12-02T18:00:00+03:00", "at": "2026-12-03T12:00:00+03:00",
     "pool": pool(untriaged=1, valuable=1, low=1), "new": 1, "done": 1, "handed_off": 0,
     "breached": 1, "in_breach": 1, "escalations": 0},
]


def test_trend_equals_the_hand_computed_days(history) -> None:
    desk, _keys = history
    assert trend(desk, days=3).to_json()["days"] == EXPECTED


def test_trend_skips_days_off_and_starts_after_the_previous_working_day(history, at) -> None:
    desk, _keys = history
    days = trend(desk, days=7).to_json()["days"]  # Fri 27.11 … Thu 03.12; Sat and Sun are off
    assert [d["date"] for d in days] == ["2026-11-27", "2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03"]
    assert days[1]["from"] == "2026-11-27T18:00:00+03:00"  # Monday's period starts Friday evening
    assert days[2:] == EXPECTED
    assert all(d["pool"]["total"] == 0 for d in days[:2])


def test_the_pool_of_each_day_matches_that_days_snapshot(history) -> None:
    from dutydesk.services.snapshot import build_snapshot

    desk, _keys = history
    for day in trend(desk, days=3).days:
        snapshot = build_snapshot(desk, day.at)
        assert day.total == len(snapshot.rows)
        assert day.pool == {k: v for k, v in snapshot.counts().items()}
        assert day.in_breach == sum(1 for r in snapshot.rows if r.breaches)


def test_trend_periods_and_bad_days(make_desk) -> None:
    desk = make_desk(now="2026-12-05T12:00")  # a Saturday
    periods = trend_periods(desk, 2)
    assert [p[0] for p in periods] == [date(2026, 12, 4)]
    assert periods[0][1:] == (t("2026-12-03T18:00"), t("2026-12-04T18:00"))
    with pytest.raises(BadInput):
        trend(desk, days=0)


def test_handover_lists_what_happened_since_the_previous_working_day_by_project(history) -> None:
    desk, keys = history
    report = handover(desk, record=False)
    assert report.since == t("2026-12-02T18:00") and report.at == t("2026-12-03T12:00")
    assert report.horizon == t("2026-12-03T16:00") and report.pool_total == 3

    def section(name: str) -> dict[str, list[str]]:
        return {project: [i.key for i in items] for project, items in report.section(name).groups}

    assert section("new") == {"kod-school.ru": [keys["F"]]}
    assert section("done") == {"stroymash.ru": [keys["B"]]}
    assert section("taken") == {} and section("handed_off") == {} and section("escalated") == {}
    assert section("waiting") == {}
    # B missed its Immediate due (Tue 18:00) and is now done: not this shift's news, so not listed;
    # F's reaction fell due at 10:30 this shift and is still unmet.
    assert section("breached") == {"kod-school.ru": [keys["F"]]}
    breached = report.section("breached").groups[0][1][0]
    assert "reaction due 03.12 10:30, overdue (R-SLA-REACT)" in breached.detail
    assert section("due") == {}  # D's start is due at 18:00, past the 4-working-hour horizon
    wider = handover(desk, record=False, next_hours=6)
    assert {p: [i.key for i in items] for p, items in wider.section("due").groups} == {
        "Бронирование hotel-volga.ru": [keys["D"]]}


def test_a_handover_over_two_days_sees_every_kind_of_change(history) -> None:
    desk, keys = history
    report = handover(desk, since=t("2026-11-30T18:00"), record=False)
    listed = {s.name: sorted(i.key for _p, items in s.groups for i in items) for s in report.sections}
    assert listed["new"] == sorted(keys[k] for k in "ABCDEF")
    assert listed["taken"] == sorted([keys["A"], keys["B"]])
    assert listed["done"] == sorted([keys["A"], keys["B"]])
    assert listed["handed_off"] == [keys["E"]]
    assert listed["escalated"] == [keys["A"]]
    assert listed["waiting"] == []
    assert listed["breached"] == sorted([keys["B"], keys["F"]])
    esc = report.section("escalated").groups[0][1][0]
    assert esc.detail == "level 1, requalify, 01.12 16:00" and esc.priority == "valuable"
    text = handover_markdown(report)
    assert "## Handed off to the project manager (R-WORK-3) (1)" in text
    assert "zdorovie-med.ru" in handover_html(report)


def test_a_recorded_handover_is_where_the_next_one_starts(history, at) -> None:
    desk, keys = history
    first = handover(at(desk, "2026-12-03T10:00"))
    assert first.since == t("2026-12-02T18:00")
    with desk.read() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "report.handover")).all()
    assert len(events) == 1 and events[0].entity == "handover"
    second = handover(desk, record=False)
    assert second.since == t("2026-12-03T10:00")
    assert [i.key for _p, items in second.section("done").groups for i in items] == [keys["B"]]
    assert second.section("new").count == 0  # F arrived at 09:30, before the 10:00 handover


def test_the_previous_shift_end(make_desk) -> None:
    assert previous_shift_end(make_desk(now="2026-12-01T18:05"), t("2026-12-01T18:05")) == t("2026-11-30T18:00")
    assert previous_shift_end(make_desk(now="2026-12-01T08:30"), t("2026-12-01T08:30")) == t("2026-11-27T18:00")
    assert previous_shift_end(make_desk(now="2026-12-05T12:00"), t("2026-12-05T12:00")) == t("2026-12-03T18:00")
