"""Laws of working-time arithmetic (calendar, R-SLA-*, R-WORK-1), checked with hypothesis.

The calendar under test carries overrides too (a shortened day, an extra
working Saturday, an extra day off), so the laws hold for uneven days.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dutydesk.domain.calendar import WorkingCalendar, YearOverrides

MSK = ZoneInfo("Europe/Moscow")
CAL = WorkingCalendar(MSK, overrides={2026: YearOverrides(
    days_off=frozenset({date(2026, 11, 6)}),
    working_days=frozenset({date(2026, 11, 28)}),
    short_days={date(2026, 11, 3): time(17), date(2026, 12, 30): time(16, 30)},
)})
LAWS = settings(max_examples=200, deadline=None)

instants = st.datetimes(
    min_value=datetime(2025, 10, 1), max_value=datetime(2027, 3, 1), timezones=st.just(MSK)
)
budgets = st.integers(min_value=0, max_value=4 * 540)
positive_budgets = st.integers(min_value=1, max_value=4 * 540)


@st.composite
def closed_pauses(draw: st.DrawFn, after: datetime) -> list[tuple[datetime, datetime]]:
    """A few client-waiting intervals starting within a fortnight of ``after``."""
    result = []
    for _ in range(draw(st.integers(0, 3))):
        start = after + timedelta(minutes=draw(st.integers(-600, 14 * 24 * 60)))
        result.append((start, start + timedelta(minutes=draw(st.integers(1, 3 * 24 * 60)))))
    return result


def add(at: datetime, minutes: int, pauses=()) -> datetime:
    result = CAL.add_working_minutes(at, minutes, pauses=pauses)
    assert result is not None
    return result


@LAWS
@given(instants, budgets, budgets)
def test_add_is_monotonic_in_minutes(at: datetime, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert add(at, low) <= add(at, high)


@LAWS
@given(instants, instants, budgets)
def test_add_is_monotonic_in_start(t1: datetime, t2: datetime, minutes: int) -> None:
    early, late = sorted((t1, t2))
    assert add(early, minutes) <= add(late, minutes)


@LAWS
@given(instants, budgets, budgets)
def test_add_is_additive(at: datetime, a: int, b: int) -> None:
    assert add(add(at, a), b) == add(at, a + b)


@LAWS
@given(instants, positive_budgets)
def test_add_lands_inside_a_working_window_or_at_its_end(at: datetime, minutes: int) -> None:
    due = add(at, minutes)
    assert due.tzinfo is MSK
    window = CAL.working_window(due.date())
    assert window is not None
    start, end = window
    assert start < due <= end


@LAWS
@given(instants, budgets)
def test_minutes_between_inverts_add(at: datetime, minutes: int) -> None:
    due = add(at, minutes)
    assert CAL.working_minutes_between(at, due) == minutes
    assert CAL.working_minutes_between(due, at) == -minutes


@LAWS
@given(instants, instants)
def test_minutes_between_is_antisymmetric_and_additive(a: datetime, b: datetime) -> None:
    assert CAL.working_minutes_between(a, b) == -CAL.working_minutes_between(b, a)
    middle = min(a, b) + (max(a, b) - min(a, b)) / 2
    assert CAL.working_minutes_between(a, b) == pytest.approx(
        CAL.working_minutes_between(a, middle) + CAL.working_minutes_between(middle, b), abs=1e-9
    )


@LAWS
@given(st.data(), instants, budgets)
def test_pauses_only_push_the_due_later_R_WORK_1(data: st.DataObject, at: datetime, minutes: int) -> None:
    pauses = data.draw(closed_pauses(at))
    paused_due = add(at, minutes, pauses)
    assert paused_due >= add(at, minutes)
    assert CAL.working_minutes_between(at, paused_due, pauses=pauses) == minutes


@LAWS
@given(st.data(), instants, positive_budgets)
def test_open_pause_stops_or_does_not_matter_R_WORK_1(data: st.DataObject, at: datetime, minutes: int) -> None:
    waiting_since = at + timedelta(minutes=data.draw(st.integers(-600, 14 * 24 * 60)))
    due = CAL.add_working_minutes(at, minutes, pauses=[(waiting_since, None)])
    if CAL.working_minutes_between(at, waiting_since) >= minutes:
        assert due == add(at, minutes)  # the budget was spent before the client was asked
    else:
        assert due is None


@LAWS
@given(st.data(), instants, positive_budgets)
def test_one_pause_shifts_the_due_by_exactly_its_working_time_R_WORK_1(
    data: st.DataObject, at: datetime, minutes: int
) -> None:
    start = at + timedelta(minutes=data.draw(st.integers(0, 7 * 24 * 60)))
    end = start + timedelta(minutes=data.draw(st.integers(1, 3 * 24 * 60)))
    if CAL.working_minutes_between(at, start) >= minutes:
        return  # the pause begins after the budget is spent: nothing to shift
    paused_minutes = CAL.working_minutes_between(start, end)
    shifted = CAL.add_working_minutes(at, minutes + paused_minutes)
    assert add(at, minutes, [(start, end)]) == shifted


@LAWS
@given(instants)
def test_day_boundaries_R_SLA_IMM_and_R_SLA_VAL(at: datetime) -> None:
    end = CAL.end_of_working_day(at)
    window = CAL.working_window(end.date())
    assert window is not None and window[1] == end and end > at
    assert CAL.working_minutes_between(at, end) <= CAL.normal_day_minutes
    day = CAL.next_full_working_day(at)
    full = CAL.working_window(day)
    assert full is not None and full[0] >= at
    # No earlier working day has its whole window ahead of ``at``.
    d = at.date()
    while d < day:
        earlier = CAL.working_window(d)
        assert earlier is None or earlier[0] < at
        d += timedelta(days=1)
