"""SLA clocks (R-SLA-REACT, R-SLA-IMM, R-SLA-VAL) and their pauses (R-WORK-1) on real 2026 dates."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from dutydesk.domain.calendar import WorkingCalendar, YearOverrides
from dutydesk.domain.clocks import ClockFacts, pauses_from_status_changes, task_clocks
from dutydesk.domain.priority import Priority, Status

MSK = ZoneInfo("Europe/Moscow")
CAL = WorkingCalendar(MSK)


def msk(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=MSK)


# -- R-SLA-REACT ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "due", "explanation"),
    [
        (
            msk(2026, 11, 3, 17, 30), msk(2026, 11, 5, 9, 30),
            "1 working hour from receipt: received Tue 03.11 17:30; Tue 17:30–18:00; "
            "Wed 04.11 off (Unity Day); Thu 05.11 09:00–09:30 → due Thu 05.11 09:30",
        ),
        (
            msk(2026, 11, 27, 17, 30), msk(2026, 11, 30, 9, 30),
            "1 working hour from receipt: received Fri 27.11 17:30; Fri 17:30–18:00; "
            "Sat–Sun off; Mon 30.11 09:00–09:30 → due Mon 30.11 09:30",
        ),
        (
            msk(2026, 11, 28, 12), msk(2026, 11, 30, 10),
            "1 working hour from receipt: received Sat 28.11 12:00; Sat–Sun off; "
            "Mon 30.11 09:00–10:00 → due Mon 30.11 10:00",
        ),
        (
            msk(2026, 12, 31, 10), msk(2027, 1, 11, 10),
            "1 working hour from receipt: received Thu 31.12 10:00; Thu 31.12–Sun 10.01 off "
            "(transferred day off, New Year Holidays, Christmas Day); Mon 11.01 09:00–10:00 → due Mon 11.01 10:00",
        ),
    ],
)
def test_reaction_due_R_SLA_REACT_on_real_dates(received: datetime, due: datetime, explanation: str) -> None:
    clocks = task_clocks(ClockFacts(received, None), CAL, now=received)
    reaction = clocks.reaction
    assert reaction is not None
    assert (reaction.name, reaction.rule, reaction.due_at) == ("reaction", "R-SLA-REACT", due)
    assert (reaction.met_at, reaction.breached, reaction.paused) == (None, False, False)
    assert reaction.working_minutes_left == 60
    assert reaction.explanation == explanation
    assert (clocks.start, clocks.due) == (None, None)


def test_reaction_met_in_time_and_late_R_SLA_REACT() -> None:
    received = msk(2026, 11, 3, 17, 30)
    in_time = task_clocks(ClockFacts(received, Priority.NORMAL, reacted_at=msk(2026, 11, 5, 9, 10)),
                          CAL, now=msk(2026, 11, 20, 12)).reaction
    assert in_time is not None
    assert (in_time.met_at, in_time.breached, in_time.working_minutes_left) == (msk(2026, 11, 5, 9, 10), False, 20)
    late = task_clocks(ClockFacts(received, Priority.NORMAL, reacted_at=msk(2026, 11, 5, 10)),
                       CAL, now=msk(2026, 11, 20, 12)).reaction
    assert late is not None
    assert (late.breached, late.working_minutes_left) == (True, -30)
    assert late.explanation.endswith("→ due Thu 05.11 09:30; met Thu 05.11 10:00 (late)")


@pytest.mark.parametrize(
    ("now", "breached", "left"),
    [
        (msk(2026, 11, 4, 12), False, 30),  # Unity Day: the clock does not run
        (msk(2026, 11, 5, 9, 30), False, 0),  # exactly at the due: not yet breached
        (msk(2026, 11, 5, 9, 31), True, -1),
        (msk(2026, 11, 5, 18), True, -510),
    ],
)
def test_reaction_unmet_breaches_after_due_R_SLA_REACT(now: datetime, breached: bool, left: float) -> None:
    reaction = task_clocks(ClockFacts(msk(2026, 11, 3, 17, 30), None), CAL, now).reaction
    assert reaction is not None
    assert (reaction.breached, reaction.working_minutes_left) == (breached, left)
    assert task_clocks(ClockFacts(msk(2026, 11, 3, 17, 30), None), CAL, now).breaches == (
        ("reaction",) if breached else ()
    )


def test_reaction_taking_the_task_counts_R_SLA_REACT() -> None:
    facts = ClockFacts(msk(2026, 11, 2, 10), Priority.LOW, started_at=msk(2026, 11, 2, 10, 45))
    reaction = task_clocks(facts, CAL, now=msk(2026, 11, 2, 12)).reaction
    assert reaction is not None
    assert (reaction.met_at, reaction.breached) == (msk(2026, 11, 2, 10, 45), False)


@pytest.mark.parametrize("priority", [Priority.NORMAL, Priority.LOW, Priority.INSIGNIFICANT, None])
def test_lower_priorities_have_only_the_reaction_clock(priority: Priority | None) -> None:
    clocks = task_clocks(ClockFacts(msk(2026, 11, 2, 10), priority), CAL, now=msk(2026, 12, 20, 12))
    assert clocks.reaction is not None
    assert (clocks.start, clocks.due) == (None, None)
    assert [c.name for c in clocks.clocks] == ["reaction"]


# -- R-SLA-IMM ----------------------------------------------------------------------------


def test_immediate_received_at_1000_is_due_1800_same_day_R_SLA_IMM() -> None:
    facts = ClockFacts(msk(2026, 11, 2, 10), Priority.IMMEDIATE, reacted_at=msk(2026, 11, 2, 10, 5))
    due = task_clocks(facts, CAL, now=msk(2026, 11, 2, 12)).due
    assert due is not None
    assert (due.name, due.rule, due.due_at) == ("due", "R-SLA-IMM", msk(2026, 11, 2, 18))
    assert (due.breached, due.working_minutes_left) == (False, 360)
    assert due.explanation == (
        "end of the working day of receipt: received Mon 02.11 10:00; Mon 10:00–18:00 → due Mon 02.11 18:00"
    )


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (msk(2026, 11, 2, 20), msk(2026, 11, 3, 18)),
        (msk(2026, 11, 2, 18), msk(2026, 11, 3, 18)),  # 18:00 exactly is outside working hours
        (msk(2026, 11, 3, 20), msk(2026, 11, 5, 18)),  # the next working day is after Unity Day
        (msk(2026, 11, 2, 7), msk(2026, 11, 2, 18)),  # before hours: the day ahead is the next one
        (msk(2026, 12, 31, 9), msk(2027, 1, 11, 18)),
    ],
)
def test_immediate_outside_working_hours_R_SLA_IMM(received: datetime, due: datetime) -> None:
    clock = task_clocks(ClockFacts(received, Priority.IMMEDIATE), CAL, now=received).due
    assert clock is not None and clock.due_at == due


def test_immediate_outside_hours_explanation_R_SLA_IMM() -> None:
    clock = task_clocks(ClockFacts(msk(2026, 11, 3, 20), Priority.IMMEDIATE), CAL, now=msk(2026, 11, 3, 20)).due
    assert clock is not None
    assert clock.explanation == (
        "received outside working hours: end of the next working day: received Tue 03.11 20:00; "
        "Wed 04.11 off (Unity Day); Thu 05.11 09:00–18:00 → due Thu 05.11 18:00"
    )


def test_immediate_done_late_or_left_undone_over_the_weekend_R_SLA_IMM() -> None:
    received = msk(2026, 11, 27, 10)
    done_late = task_clocks(ClockFacts(received, Priority.IMMEDIATE, done_at=msk(2026, 11, 30, 10)),
                            CAL, now=msk(2026, 12, 1, 12)).due
    assert done_late is not None
    assert (done_late.met_at, done_late.breached, done_late.working_minutes_left) == (
        msk(2026, 11, 30, 10), True, -60,
    )
    # Not done by Friday 18:00: breached on Saturday although no working minute has passed since.
    undone = task_clocks(ClockFacts(received, Priority.IMMEDIATE), CAL, now=msk(2026, 11, 28, 12))
    assert undone.due is not None
    assert (undone.due.breached, undone.due.working_minutes_left) == (True, 0)
    assert undone.breaches == ("reaction", "due")


# -- R-SLA-VAL ----------------------------------------------------------------------------


def test_valuable_not_started_start_and_provisional_due_R_SLA_VAL() -> None:
    facts = ClockFacts(msk(2026, 11, 2, 10), Priority.VALUABLE, reacted_at=msk(2026, 11, 2, 10, 10))
    clocks = task_clocks(facts, CAL, now=msk(2026, 11, 2, 12))
    start, due = clocks.start, clocks.due
    assert start is not None and due is not None
    assert (start.name, start.rule, start.due_at) == ("start", "R-SLA-VAL", msk(2026, 11, 3, 18))
    # Two working days after the start due, Unity Day skipped.
    assert (due.name, due.rule, due.due_at) == ("due", "R-SLA-VAL", msk(2026, 11, 6, 18))
    assert start.working_minutes_left == 360 + 540
    assert due.working_minutes_left == 360 + 540 + 1080
    assert clocks.nearest is start
    assert start.explanation == (
        "start by the end of the next full working day, Tue 03.11: received Mon 02.11 10:00; "
        "Mon 10:00–18:00; Tue 03.11 09:00–18:00 → due Tue 03.11 18:00"
    )
    assert due.explanation == (
        "2 working days from the start due (provisional: not started): start due Tue 03.11 18:00; "
        "Wed 04.11 off (Unity Day); Thu 05.11–Fri 06.11 09:00–18:00 → due Fri 06.11 18:00"
    )


def test_valuable_started_due_counts_from_the_start_R_SLA_VAL() -> None:
    facts = ClockFacts(msk(2026, 11, 2, 10), Priority.VALUABLE, reacted_at=msk(2026, 11, 2, 10, 10),
                       started_at=msk(2026, 11, 3, 11), done_at=msk(2026, 11, 6, 10))
    clocks = task_clocks(facts, CAL, now=msk(2026, 11, 9, 12))
    assert clocks.start is not None and clocks.due is not None
    assert (clocks.start.met_at, clocks.start.breached) == (msk(2026, 11, 3, 11), False)
    assert clocks.due.due_at == msk(2026, 11, 6, 11)  # Tue 11–18, Thu, Fri 09–11
    assert (clocks.due.met_at, clocks.due.breached, clocks.due.working_minutes_left) == (
        msk(2026, 11, 6, 10), False, 60,
    )
    assert clocks.breaches == ()
    assert clocks.nearest is None


@pytest.mark.parametrize(
    ("received", "start_due"),
    [
        (msk(2026, 11, 2, 8, 30), msk(2026, 11, 2, 18)),  # the whole Monday lies ahead
        (msk(2026, 11, 2, 9), msk(2026, 11, 2, 18)),
        (msk(2026, 11, 2, 9, 1), msk(2026, 11, 3, 18)),
        (msk(2026, 11, 27, 17, 30), msk(2026, 11, 30, 18)),
        (msk(2026, 11, 3, 12), msk(2026, 11, 5, 18)),
    ],
)
def test_valuable_start_due_is_end_of_next_full_working_day_R_SLA_VAL(
    received: datetime, start_due: datetime
) -> None:
    clocks = task_clocks(ClockFacts(received, Priority.VALUABLE), CAL, now=received)
    assert clocks.start is not None and clocks.start.due_at == start_due


def test_valuable_start_breached_while_due_still_runs_R_SLA_VAL() -> None:
    facts = ClockFacts(msk(2026, 11, 2, 10), Priority.VALUABLE, reacted_at=msk(2026, 11, 2, 10, 10))
    clocks = task_clocks(facts, CAL, now=msk(2026, 11, 5, 10))
    assert clocks.start is not None and clocks.due is not None
    assert (clocks.start.breached, clocks.start.working_minutes_left) == (True, -60)
    assert (clocks.due.breached, clocks.due.working_minutes_left) == (False, 1020)
    assert clocks.breaches == ("start",)


# -- pauses (R-WORK-1) ----------------------------------------------------------------------


def test_pause_shifts_the_immediate_due_into_the_next_day_R_SLA_IMM() -> None:
    facts = ClockFacts(msk(2026, 11, 2, 10), Priority.IMMEDIATE, reacted_at=msk(2026, 11, 2, 10, 20),
                       pauses=((msk(2026, 11, 2, 11), msk(2026, 11, 2, 12, 30)),))
    clocks = task_clocks(facts, CAL, now=msk(2026, 11, 2, 12))
    assert clocks.due is not None and clocks.reaction is not None
    assert clocks.due.due_at == msk(2026, 11, 3, 10, 30)
    assert clocks.due.paused is True
    assert clocks.due.working_minutes_left == 480 - 60
    assert clocks.reaction.due_at == msk(2026, 11, 2, 11)  # reacted before the pause: unaffected
    assert clocks.due.explanation == (
        "end of the working day of receipt: received Mon 02.11 10:00; Mon 10:00–18:00 paused 11:00–12:30; "
        "Tue 03.11 09:00–10:30 → due Tue 03.11 10:30"
    )


def test_pause_shifts_valuable_start_and_due_alike_R_SLA_VAL() -> None:
    facts = ClockFacts(msk(2026, 11, 2, 10), Priority.VALUABLE, reacted_at=msk(2026, 11, 2, 10, 10),
                       pauses=((msk(2026, 11, 3, 9), msk(2026, 11, 3, 12)),))
    clocks = task_clocks(facts, CAL, now=msk(2026, 11, 3, 13))
    assert clocks.start is not None and clocks.due is not None
    assert clocks.start.due_at == msk(2026, 11, 5, 12)  # Tue 18:00 + 3 paused hours, Unity Day skipped
    assert clocks.due.due_at == msk(2026, 11, 9, 12)
    assert (clocks.start.paused, clocks.due.paused) == (False, False)


def test_open_pause_stops_the_clock_and_hides_the_due_R_SLA_IMM() -> None:
    facts = ClockFacts(msk(2026, 11, 2, 10), Priority.IMMEDIATE, reacted_at=msk(2026, 11, 2, 10, 5),
                       pauses=((msk(2026, 11, 2, 11), None),))
    clocks = task_clocks(facts, CAL, now=msk(2026, 11, 3, 15))
    due = clocks.due
    assert due is not None
    assert (due.due_at, due.paused, due.breached, due.working_minutes_left) == (None, True, False, 420)
    assert clocks.nearest is None
    assert due.explanation == (
        "end of the working day of receipt: received Mon 02.11 10:00; Mon 10:00–11:00; "
        "clock stopped since Mon 02.11 11:00 (waiting for client), 7 working h 00 min left"
    )


def test_open_pause_after_the_due_keeps_the_breach_R_SLA_IMM() -> None:
    facts = ClockFacts(msk(2026, 11, 2, 10), Priority.IMMEDIATE, reacted_at=msk(2026, 11, 2, 10, 5),
                       pauses=((msk(2026, 11, 3, 10), None),))
    due = task_clocks(facts, CAL, now=msk(2026, 11, 3, 12)).due
    assert due is not None
    assert (due.due_at, due.breached, due.paused, due.working_minutes_left) == (
        msk(2026, 11, 2, 18), True, True, -60,
    )


def test_open_pause_before_the_start_due_leaves_the_valuable_due_unknown_R_SLA_VAL() -> None:
    facts = ClockFacts(msk(2026, 11, 2, 10), Priority.VALUABLE, reacted_at=msk(2026, 11, 2, 10, 5),
                       pauses=((msk(2026, 11, 2, 12), None),))
    clocks = task_clocks(facts, CAL, now=msk(2026, 11, 9, 12))
    assert clocks.start is not None and clocks.due is not None
    assert (clocks.start.due_at, clocks.due.due_at) == (None, None)
    assert clocks.due.explanation == (
        "2 working days from the start due (provisional: not started): unknown until the client answers "
        "(clock stopped)"
    )


# -- configuration overrides in the explanation ----------------------------------------------------


def test_explanation_names_configured_days() -> None:
    configured = WorkingCalendar(MSK, overrides={2026: YearOverrides(
        days_off=frozenset({date(2026, 11, 6)}),
        working_days=frozenset({date(2026, 11, 28)}),
        short_days={date(2026, 11, 2): time(17)},
    )})
    saturday = task_clocks(ClockFacts(msk(2026, 11, 27, 17, 30), None), configured, msk(2026, 11, 27, 18)).reaction
    assert saturday is not None and saturday.due_at == msk(2026, 11, 28, 9, 30)
    assert saturday.explanation.endswith(
        "Fri 17:30–18:00; Sat 28.11 09:00–09:30 (config: working day) → due Sat 28.11 09:30"
    )
    day_off = task_clocks(ClockFacts(msk(2026, 11, 5, 17, 30), None), configured, msk(2026, 11, 5, 18)).reaction
    assert day_off is not None and day_off.due_at == msk(2026, 11, 9, 9, 30)
    assert "Fri 06.11–Sun 08.11 off (config: day off)" in day_off.explanation
    short = task_clocks(ClockFacts(msk(2026, 11, 2, 10), Priority.IMMEDIATE), configured, msk(2026, 11, 2, 10)).due
    assert short is not None and short.due_at == msk(2026, 11, 2, 17)
    assert "Mon 10:00–17:00 (config: shortened day)" in short.explanation


# -- value semantics ------------------------------------------------------------------------------------


def test_clocks_are_frozen_values() -> None:
    facts = ClockFacts(msk(2026, 11, 2, 10), Priority.IMMEDIATE)
    first, second = task_clocks(facts, CAL, msk(2026, 11, 2, 12)), task_clocks(facts, CAL, msk(2026, 11, 2, 12))
    assert first == second
    with pytest.raises(AttributeError):
        first.due.breached = True  # type: ignore[misc, union-attr]


def test_remembered_plans_give_the_clocks_computed_afresh() -> None:
    """The pool reuses each task's plan between refreshes; what it shows must not depend on that."""
    moments = [msk(2026, 11, 2, 12), msk(2026, 11, 3, 17, 59), msk(2026, 11, 9, 9)]
    for priority in (None, *Priority):
        for reacted in (None, msk(2026, 11, 2, 10, 30)):
            facts = ClockFacts(msk(2026, 11, 2, 10), priority, reacted_at=reacted)
            warm = WorkingCalendar(MSK)
            for now in moments:
                remembered = task_clocks(facts, warm, now)
                afresh = task_clocks(facts, WorkingCalendar(MSK), now)
                assert [c[:-1] for c in remembered.clocks] == [c[:-1] for c in afresh.clocks]  # all but the explainer
                assert [c.explanation for c in remembered.clocks] == [c.explanation for c in afresh.clocks]


# -- pauses from the audit trail (R-WORK-1) ------------------------------------------------------------


def test_pauses_from_status_changes_pairs_waiting_intervals() -> None:
    changes = [
        (msk(2026, 11, 2, 10), "pool", "in_progress"),
        (msk(2026, 11, 2, 11), "in_progress", "waiting_client"),
        (msk(2026, 11, 2, 12, 30), "waiting_client", "in_progress"),
        (msk(2026, 11, 3, 9), "in_progress", Status.WAITING_CLIENT),
        (msk(2026, 11, 3, 9, 5), "waiting_client", "waiting_client"),
    ]
    assert pauses_from_status_changes(changes) == (
        (msk(2026, 11, 2, 11), msk(2026, 11, 2, 12, 30)),
        (msk(2026, 11, 3, 9), None),
    )


def test_pauses_from_status_changes_sorts_and_drops_empty_intervals() -> None:
    changes = [
        (msk(2026, 11, 2, 12), "waiting_client", "in_progress"),
        (msk(2026, 11, 2, 11), "in_progress", "waiting_client"),
        (msk(2026, 11, 2, 13), "in_progress", "waiting_client"),
        (msk(2026, 11, 2, 13), "waiting_client", "done"),
    ]
    assert pauses_from_status_changes(changes) == ((msk(2026, 11, 2, 11), msk(2026, 11, 2, 12)),)
    assert pauses_from_status_changes([]) == ()
