"""The working calendar (domain.md "Calendar") on real Russian dates, 2025–2027.

Expected values come from the government's production calendars as the
``holidays`` package encodes them: 2026-11-04 Unity Day, 2026-12-31 a day
off transferred from Sun 04.01.2026, 1–8 January 2027 holidays with the
first working day Mon 11.01.2027, working Saturdays 2025-11-01 and 2027-02-20.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from dutydesk.domain.calendar import WorkingCalendar, YearOverrides

MSK = ZoneInfo("Europe/Moscow")
CAL = WorkingCalendar(MSK)


def msk(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=MSK)


# -- day_info and its sources ------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working", "source"),
    [
        (date(2026, 11, 4), False, "public holiday: Unity Day"),
        (date(2026, 12, 31), False, "transferred day off (decree, from 04.01.2026)"),
        (date(2026, 11, 7), False, "weekend"),
        (date(2026, 11, 5), True, "weekday"),
        (date(2027, 1, 8), False, "public holiday: New Year Holidays"),
        (date(2027, 1, 7), False, "public holiday: Christmas Day"),
        (date(2027, 1, 11), True, "weekday"),
        (date(2026, 1, 9), False, "transferred day off (decree, from 03.01.2026)"),
        (date(2025, 11, 1), True, "transferred working day (decree)"),
        (date(2027, 2, 20), True, "transferred working day (decree)"),
        (date(2027, 2, 22), False, "transferred day off (decree, from 20.02.2027)"),
    ],
)
def test_calendar_day_info_source(day: date, working: bool, source: str) -> None:
    info = CAL.day_info(day)
    assert (info.date, info.working, info.source) == (day, working, source)
    assert CAL.is_working_day(day) is working


def test_calendar_working_day_window_is_0900_to_1800_moscow() -> None:
    info = CAL.day_info(date(2026, 11, 5))
    assert (info.start, info.end) == (msk(2026, 11, 5, 9), msk(2026, 11, 5, 18))
    assert CAL.working_window(date(2026, 11, 5)) == (msk(2026, 11, 5, 9), msk(2026, 11, 5, 18))
    assert CAL.working_window(date(2026, 11, 4)) is None
    assert CAL.day_info(date(2026, 11, 4)).start is None


def test_calendar_year_lists_every_date_with_247_working_days() -> None:
    """2025, 2026 and 2027 each have 247 working days in the official production calendar."""
    for y in (2025, 2026, 2027):
        days = CAL.year(y)
        assert len(days) == 365
        assert [d.date for d in days][:2] == [date(y, 1, 1), date(y, 1, 2)]
        assert sum(d.working for d in days) == 247


def test_calendar_without_public_holidays_counts_only_weekdays() -> None:
    plain = WorkingCalendar(MSK, use_public_holidays=False)
    assert plain.day_info(date(2026, 11, 4)).source == "weekday"
    assert plain.day_info(date(2027, 2, 20)).source == "weekend"


# -- configuration overrides (calendar: "overridden per year") ----------------------

OVERRIDES = {
    2026: YearOverrides(
        days_off=frozenset({date(2026, 11, 6)}),
        working_days=frozenset({date(2026, 11, 28), date(2026, 11, 4)}),
        short_days={date(2026, 11, 3): time(17)},
    )
}
CONFIGURED = WorkingCalendar(MSK, overrides=OVERRIDES)


def test_calendar_config_sources_win_over_package() -> None:
    assert CONFIGURED.day_info(date(2026, 11, 6)).source == "config: day off"
    assert not CONFIGURED.is_working_day(date(2026, 11, 6))
    assert CONFIGURED.day_info(date(2026, 11, 28)).source == "config: working day"
    assert CONFIGURED.working_window(date(2026, 11, 28)) == (msk(2026, 11, 28, 9), msk(2026, 11, 28, 18))
    # Unity Day made working by configuration: config wins over the package.
    assert CONFIGURED.day_info(date(2026, 11, 4)).source == "config: working day"
    short = CONFIGURED.day_info(date(2026, 11, 3))
    assert (short.source, short.end) == ("config: shortened day", msk(2026, 11, 3, 17))


def test_calendar_shortened_day_ends_at_1700() -> None:
    assert CONFIGURED.end_of_working_day(msk(2026, 11, 3, 10)) == msk(2026, 11, 3, 17)
    # 16:30 on the 17:00 day: 30 minutes that day, 30 on Wed 04.11 (made working).
    assert CONFIGURED.add_working_minutes(msk(2026, 11, 3, 16, 30), 60) == msk(2026, 11, 4, 9, 30)
    assert CONFIGURED.working_minutes_between(msk(2026, 11, 3, 16), msk(2026, 11, 3, 18)) == 60


def test_calendar_extra_day_off_and_working_saturday_move_deadlines() -> None:
    # Thu 05.11 17:30 + 1 h: Fri 06.11 is a config day off, then the weekend.
    assert CONFIGURED.add_working_minutes(msk(2026, 11, 5, 17, 30), 60) == msk(2026, 11, 9, 9, 30)
    # Fri 27.11 17:30 + 1 h lands on the configured working Saturday.
    assert CONFIGURED.add_working_minutes(msk(2026, 11, 27, 17, 30), 60) == msk(2026, 11, 28, 9, 30)


def test_calendar_overrides_are_validated() -> None:
    with pytest.raises(ValueError, match="both a day off and a working day: 2026-05-04"):
        YearOverrides(days_off=frozenset({date(2026, 5, 4)}), working_days=frozenset({date(2026, 5, 4)}))
    with pytest.raises(ValueError, match="filed under year 2027"):
        WorkingCalendar(MSK, overrides={2027: YearOverrides(days_off=frozenset({date(2026, 5, 4)}))})
    with pytest.raises(ValueError, match="ends before"):
        WorkingCalendar(MSK, overrides={2026: YearOverrides(short_days={date(2026, 5, 4): time(8)})})


# -- add_working_minutes on real 2026 dates (the R-SLA-REACT hour) -------------------


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (msk(2026, 11, 3, 17, 30), msk(2026, 11, 5, 9, 30)),  # eve of Unity Day
        (msk(2026, 11, 27, 17, 30), msk(2026, 11, 30, 9, 30)),  # Friday evening
        (msk(2026, 11, 28, 12), msk(2026, 11, 30, 10)),  # Saturday
        (msk(2026, 12, 31, 10), msk(2027, 1, 11, 10)),  # transferred day off, then New Year
        (msk(2026, 12, 30, 17, 30), msk(2027, 1, 11, 9, 30)),  # last working evening of 2026
        (msk(2026, 11, 2, 10), msk(2026, 11, 2, 11)),  # plain working hour
        (msk(2026, 11, 2, 8), msk(2026, 11, 2, 10)),  # before the window opens
        (msk(2026, 11, 2, 17), msk(2026, 11, 2, 18)),  # ends exactly at 18:00, not next morning
        (msk(2026, 11, 2, 18), msk(2026, 11, 3, 10)),  # 18:00 is already after hours
        (msk(2027, 2, 19, 17, 30), msk(2027, 2, 20, 9, 30)),  # working Saturday by decree
    ],
)
def test_calendar_one_working_hour_R_SLA_REACT(received: datetime, due: datetime) -> None:
    result = CAL.add_working_minutes(received, 60)
    assert result == due
    assert result.tzinfo == MSK and result.utcoffset() == due.utcoffset()
    assert CAL.working_minutes_between(received, result) == 60


def test_calendar_accepts_any_zone_and_answers_in_moscow() -> None:
    received = datetime(2026, 11, 3, 14, 30, tzinfo=timezone.utc)  # 17:30 in Moscow
    due = CAL.add_working_minutes(received, 60)
    assert due == msk(2026, 11, 5, 9, 30)
    assert due.tzinfo is MSK and (due.hour, due.minute) == (9, 30)


def test_calendar_zero_minutes_returns_the_instant() -> None:
    assert CAL.add_working_minutes(msk(2026, 11, 7, 12), 0) == msk(2026, 11, 7, 12)


def test_calendar_refuses_naive_instants_and_negative_budgets() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.add_working_minutes(datetime(2026, 11, 2, 10), 60)
    with pytest.raises(ValueError, match="negative"):
        CAL.add_working_minutes(msk(2026, 11, 2, 10), -1)


def test_calendar_long_budgets_cross_years_lazily() -> None:
    # All 247 working days of 2027 from its first working moment; Fri 31.12.2027 is a transferred day off.
    assert CAL.add_working_minutes(msk(2027, 1, 11, 9), 247 * 540) == msk(2027, 12, 30, 18)
    far = WorkingCalendar(MSK)
    assert far.add_working_minutes(msk(2031, 3, 6, 17), 120) == msk(2031, 3, 7, 10)
    # Asking about an earlier year afterwards rebuilds the timeline; 28.12.2024 was a working Saturday.
    assert far.add_working_minutes(msk(2024, 12, 27, 17, 30), 60) == msk(2024, 12, 28, 9, 30)
    assert far.add_working_minutes(msk(2031, 3, 6, 17), 120) == msk(2031, 3, 7, 10)


# -- working_minutes_between -----------------------------------------------------------


def test_calendar_minutes_between_is_signed_and_skips_days_off() -> None:
    assert CAL.working_minutes_between(msk(2026, 11, 27, 17, 30), msk(2026, 11, 30, 9, 30)) == 60
    assert CAL.working_minutes_between(msk(2026, 11, 30, 9, 30), msk(2026, 11, 27, 17, 30)) == -60
    assert CAL.working_minutes_between(msk(2026, 11, 28, 10), msk(2026, 11, 29, 23)) == 0
    assert CAL.working_minutes_between(msk(2026, 11, 3, 9), msk(2026, 11, 6, 18)) == 3 * 540


# -- pauses (R-WORK-1) ------------------------------------------------------------------


def test_calendar_pause_pushes_due_by_the_paused_working_time() -> None:
    pause = (msk(2026, 11, 2, 10, 30), msk(2026, 11, 2, 11))
    assert CAL.add_working_minutes(msk(2026, 11, 2, 10), 120, pauses=[pause]) == msk(2026, 11, 2, 12, 30)
    assert CAL.working_minutes_between(msk(2026, 11, 2, 10), msk(2026, 11, 2, 12, 30), pauses=[pause]) == 120


def test_calendar_pause_over_a_weekend_changes_nothing() -> None:
    pause = (msk(2026, 11, 28, 10), msk(2026, 11, 29, 20))
    assert CAL.add_working_minutes(msk(2026, 11, 27, 17, 30), 60, pauses=[pause]) == msk(2026, 11, 30, 9, 30)


def test_calendar_overlapping_pauses_count_once() -> None:
    pauses = [(msk(2026, 11, 2, 10), msk(2026, 11, 2, 11)), (msk(2026, 11, 2, 10, 30), msk(2026, 11, 2, 12))]
    assert CAL.add_working_minutes(msk(2026, 11, 2, 9), 120, pauses=pauses) == msk(2026, 11, 2, 13)


def test_calendar_open_pause_makes_the_due_unknown() -> None:
    open_pause = (msk(2026, 11, 2, 10), None)
    assert CAL.add_working_minutes(msk(2026, 11, 2, 9), 120, pauses=[open_pause]) is None
    # ...unless the budget is spent before the client was asked.
    assert CAL.add_working_minutes(msk(2026, 11, 2, 9), 60, pauses=[open_pause]) == msk(2026, 11, 2, 10)
    assert CAL.working_minutes_between(msk(2026, 11, 2, 9), msk(2026, 11, 3, 9), pauses=[open_pause]) == 60


def test_calendar_pause_already_running_at_the_start() -> None:
    pause = (msk(2026, 11, 2, 8), msk(2026, 11, 2, 10))
    assert CAL.add_working_minutes(msk(2026, 11, 2, 9), 60, pauses=[pause]) == msk(2026, 11, 2, 11)


# -- end of working day (R-SLA-IMM) and next full working day (R-SLA-VAL) ----------------


@pytest.mark.parametrize(
    ("at", "end"),
    [
        (msk(2026, 11, 2, 10), msk(2026, 11, 2, 18)),
        (msk(2026, 11, 2, 9), msk(2026, 11, 2, 18)),  # 09:00 opens the window
        (msk(2026, 11, 2, 8), msk(2026, 11, 2, 18)),  # before hours: today's window is the next one
        (msk(2026, 11, 2, 18), msk(2026, 11, 3, 18)),  # 18:00: nothing left today
        (msk(2026, 11, 3, 20), msk(2026, 11, 5, 18)),  # Unity Day skipped
        (msk(2026, 11, 28, 12), msk(2026, 11, 30, 18)),  # Saturday
        (msk(2026, 12, 31, 12), msk(2027, 1, 11, 18)),
    ],
)
def test_calendar_end_of_working_day_R_SLA_IMM(at: datetime, end: datetime) -> None:
    assert CAL.end_of_working_day(at) == end
    assert CAL.minutes_to_end_of_working_day(at) == CAL.working_minutes_between(at, end)


@pytest.mark.parametrize(
    ("at", "day"),
    [
        (msk(2026, 11, 2, 10), date(2026, 11, 3)),
        (msk(2026, 11, 2, 9), date(2026, 11, 2)),  # the whole window still lies ahead
        (msk(2026, 11, 2, 8, 30), date(2026, 11, 2)),
        (msk(2026, 11, 3, 10), date(2026, 11, 5)),  # Unity Day is no working day
        (msk(2026, 11, 27, 18), date(2026, 11, 30)),
        (msk(2026, 12, 30, 12), date(2027, 1, 11)),
    ],
)
def test_calendar_next_full_working_day_R_SLA_VAL(at: datetime, day: date) -> None:
    assert CAL.next_full_working_day(at) == day
    end = CAL.working_window(day)[1]  # type: ignore[index]
    assert CAL.minutes_to_end_of_next_full_working_day(at) == CAL.working_minutes_between(at, end)
