"""R-ESC-1..4: triggers, levels, whom to call, breaches, finding a task by time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dutydesk.domain.escalation import (
    BreachInput,
    Contact,
    DetectedBreach,
    Level,
    Trigger,
    closest_by_sent,
    detect_breaches,
    whom_to_call,
)
from dutydesk.domain.priority import Priority, Status

MSK = timezone(timedelta(hours=3))
DUE = datetime(2024, 5, 15, 10, 0, tzinfo=MSK)
TICK = timedelta(microseconds=1)


# --- R-ESC-1: triggers ------------------------------------------------------


def test_r_esc_1_triggers_have_cli_spellings_and_letters():
    assert [(t.cli, t.letter) for t in Trigger] == [
        ("no-reaction", "a"),
        ("immediate-overdue", "b"),
        ("requalify", "c"),
        ("deadline", "d"),
    ]


@pytest.mark.parametrize("text", ["no-reaction", "no_reaction", "NO-REACTION", "a", "(a)"])
def test_r_esc_1_trigger_parse_accepts_both_spellings(text):
    assert Trigger.parse(text) is Trigger.NO_REACTION


def test_r_esc_1_trigger_parse_rejects_unknown():
    with pytest.raises(ValueError, match="no-reaction"):
        Trigger.parse("urgent")


def test_r_esc_1_desk_detects_a_and_b_only():
    assert [t for t in Trigger if t.detected_by_desk] == [Trigger.NO_REACTION, Trigger.IMMEDIATE_OVERDUE]


# --- R-ESC-3: levels and whom to call ---------------------------------------


def test_r_esc_3_levels_roles_and_next():
    assert [(int(l), l.role) for l in Level] == [(1, "manager"), (2, "client_director"), (3, "executive_director")]
    assert Level.MANAGER.next_level is Level.CLIENT_DIRECTOR
    assert Level.CLIENT_DIRECTOR.next_level is Level.EXECUTIVE_DIRECTOR
    assert Level.EXECUTIVE_DIRECTOR.next_level is None


STAFF = [
    Contact("s1", "Ivan", "manager", "+7 900 000-00-01", "ivan@studio.ru"),
    Contact("s2", "Olga", "client_director", "+7 900 000-00-02", "olga@studio.ru"),
    Contact("s3", "Deputy", "client_director", None, None),
    Contact("s4", "Petr", "executive_director", "+7 900 000-00-04", "petr@studio.ru"),
]


def test_r_esc_3_level_1_is_the_projects_own_manager():
    mine = Contact("s9", "Anna", "manager", None, "anna@studio.ru")
    assert whom_to_call(Level.MANAGER, project_manager=mine, staff=STAFF) is mine
    assert whom_to_call(Level.MANAGER, project_manager=None, staff=STAFF) is None


def test_r_esc_3_levels_2_and_3_by_role_first_in_given_order():
    assert whom_to_call(Level.CLIENT_DIRECTOR, project_manager=None, staff=STAFF).staff_id == "s2"
    assert whom_to_call(Level.EXECUTIVE_DIRECTOR, project_manager=None, staff=STAFF).staff_id == "s4"
    assert whom_to_call(Level.EXECUTIVE_DIRECTOR, project_manager=None, staff=STAFF[:3]) is None


# --- R-ESC-1 (a) and (b): detection at exact boundaries --------------------


def bi(key="SUP-1", priority=Priority.NORMAL, status=Status.POOL, reaction_due=DUE, reaction_met=False, due=None, done=False):
    return BreachInput(key, priority, status, reaction_due, reaction_met, due, done)


def test_r_esc_1a_no_reaction_not_at_due_but_just_after():
    assert detect_breaches([bi()], DUE) == []
    assert detect_breaches([bi()], DUE + TICK) == [DetectedBreach("SUP-1", Trigger.NO_REACTION, DUE)]


def test_r_esc_1a_met_reaction_or_no_reaction_due_never_breaches():
    later = DUE + timedelta(days=3)
    assert detect_breaches([bi(reaction_met=True), bi(reaction_due=None)], later) == []


def test_r_esc_1b_immediate_overdue_not_at_due_but_just_after():
    t = bi(priority=Priority.IMMEDIATE, reaction_met=True, due=DUE, status=Status.IN_PROGRESS)
    assert detect_breaches([t], DUE) == []
    assert detect_breaches([t], DUE + TICK) == [DetectedBreach("SUP-1", Trigger.IMMEDIATE_OVERDUE, DUE)]


@pytest.mark.parametrize("priority", [Priority.VALUABLE, Priority.NORMAL, Priority.LOW, Priority.INSIGNIFICANT, None])
def test_r_esc_1b_only_immediate_tasks(priority):
    t = bi(priority=priority, reaction_met=True, due=DUE)
    assert detect_breaches([t], DUE + timedelta(hours=1)) == []


def test_r_esc_1_done_tasks_never_breach():
    later = DUE + timedelta(days=1)
    assert detect_breaches([bi(priority=Priority.IMMEDIATE, due=DUE, done=True)], later) == []
    assert detect_breaches([bi(priority=Priority.IMMEDIATE, due=DUE, status=Status.DONE)], later) == []


def test_r_esc_1_both_breaches_sorted_by_since_then_key():
    early = DUE - timedelta(hours=5)
    tasks = [
        bi("SUP-2", Priority.IMMEDIATE, reaction_due=early, due=DUE),
        bi("SUP-1", Priority.IMMEDIATE, reaction_due=early, due=DUE),
    ]
    found = detect_breaches(tasks, DUE + timedelta(minutes=1))
    assert [(b.key, b.trigger.letter) for b in found] == [("SUP-1", "a"), ("SUP-2", "a"), ("SUP-1", "b"), ("SUP-2", "b")]


# --- R-ESC-4 ---------------------------------------------------------------


def test_r_esc_4_closest_by_sent_closest_first_ties_by_key_either_side():
    sent = datetime(2024, 5, 15, 10, 30, tzinfo=MSK)
    candidates = [
        ("SUP-10", "Catalog down", sent + timedelta(minutes=5)),
        ("SUP-9", "Price list", sent - timedelta(minutes=5)),
        ("SUP-3", "Logo", sent + timedelta(hours=2)),
        ("SUP-4", "Exact", sent),
    ]
    rows = closest_by_sent(candidates, sent)
    assert [(k, m) for k, _, _, m in rows] == [("SUP-4", 0.0), ("SUP-9", 5.0), ("SUP-10", 5.0), ("SUP-3", 120.0)]
    assert rows[1][1] == "Price list" and rows[1][2] == sent - timedelta(minutes=5)


def test_r_esc_4_closest_by_sent_limit():
    sent = datetime(2024, 5, 15, 10, 30, tzinfo=MSK)
    candidates = [(f"SUP-{n}", "", sent + timedelta(minutes=n)) for n in range(30)]
    assert [r[0] for r in closest_by_sent(candidates, sent, limit=3)] == ["SUP-0", "SUP-1", "SUP-2"]
    assert len(closest_by_sent(candidates, sent)) == 10
    assert closest_by_sent([], sent) == []
