"""The studio's working calendar (domain.md, "Calendar").

Working time is Monday–Friday 09:00–18:00 in the studio's zone, less the
Russian public non-working days (the ``holidays`` package, decree transfers
included), plus the Saturdays the government makes working; per-year
configuration overrides win over the package.

Every SLA deadline (R-SLA-REACT, R-SLA-IMM, R-SLA-VAL) is a budget of
working minutes, and clocks for the whole pool are recomputed on every
refresh. So instants are mapped onto a *working timeline*
(``dutydesk.domain.timeline``) — microseconds of working time since the
calendar's origin — where adding and measuring working time is integer
arithmetic plus a bisect over precomputed windows.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

from dutydesk.domain.timeline import US_PER_MINUTE, Timeline, counted, paused_spans, spend, to_us

__all__ = ["DayInfo", "Pause", "PublicDays", "WorkingCalendar", "YearOverrides", "russian_public_days"]

#: An interval in which a task waits for the client (R-WORK-1); ``None`` end = still waiting.
Pause = tuple[datetime, datetime | None]

#: One year of the state calendar: public non-working days with their names, and the
#: weekend days a decree makes working.
PublicDays = tuple[Mapping[date, str], frozenset[date]]


def russian_public_days(year: int) -> PublicDays:
    """Russia's public calendar for ``year`` from the ``holidays`` package, decree transfers included.

    Imported here, not at the top: the package loads every country it knows
    (a third of a second), and a desk that has the year cached never needs it.
    """
    from holidays.countries.russia import Russia

    public = Russia(years=year, language="en_US")
    return dict(public), frozenset(getattr(public, "weekend_workdays", ()))

_TRANSFER = re.compile(r"Day off \(substituted from (\d\d)/(\d\d)/(\d{4})\)")


@dataclass(frozen=True)
class YearOverrides:
    """One year's configuration corrections (Calendar: "overridden per year"): the package
    can lag a late decree, and the studio may shorten a pre-holiday day or add its own day off."""

    days_off: frozenset[date] = frozenset()
    working_days: frozenset[date] = frozenset()
    short_days: Mapping[date, time] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "days_off", frozenset(self.days_off))
        object.__setattr__(self, "working_days", frozenset(self.working_days))
        object.__setattr__(self, "short_days", MappingProxyType(dict(self.short_days)))
        if clash := sorted(self.days_off & (self.working_days | set(self.short_days))):
            raise ValueError(f"a date cannot be both a day off and a working day: {', '.join(map(str, clash))}")


_NO_OVERRIDES = YearOverrides()


@dataclass(frozen=True)
class DayInfo:
    """What a date is and why, so the desk can show its reasoning."""

    date: date
    working: bool
    start: datetime | None
    end: datetime | None
    source: str


class WorkingCalendar:
    """Working time of the studio; instants in any zone, results in ``tz``.

    Edge rule: a window is ``[start, end)`` when asking "is this instant
    working time"; 18:00 exactly means nothing is left of that day.
    """

    def __init__(
        self, tz: ZoneInfo, *, overrides: Mapping[int, YearOverrides] | None = None,
        day_start: time = time(9), day_end: time = time(18), use_public_holidays: bool = True,
        public_days: Callable[[int], PublicDays] = russian_public_days,
    ) -> None:
        if day_end <= day_start:
            raise ValueError("the working day must end after it starts")
        self.tz, self.day_start, self.day_end = tz, day_start, day_end
        self.use_public_holidays = use_public_holidays
        self._public_days = public_days
        self.overrides: Mapping[int, YearOverrides] = MappingProxyType(dict(overrides or {}))
        for year, ov in self.overrides.items():
            for d in (*ov.days_off, *ov.working_days, *ov.short_days):
                if d.year != year:
                    raise ValueError(f"override {d.isoformat()} is filed under year {year}")
            for d, end in ov.short_days.items():
                if end <= day_start:
                    raise ValueError(f"shortened day {d.isoformat()} ends before {day_start:%H:%M}")
        self.normal_day_minutes = (day_end.hour - day_start.hour) * 60 + day_end.minute - day_start.minute
        self._years: dict[int, tuple[dict[date, DayInfo], list[tuple[date, int, int]]]] = {}
        self._timeline: Timeline | None = None
        self._memo: tuple = (None, 0, None, 0)
        self._pause_memo: tuple = (None, ())
        self._memos: dict[str, dict] = {}

    def memo(self, name: str) -> dict:
        """A dict that lives as long as this calendar, for results that depend on it alone
        (the clocks' plans): a new configuration makes a new calendar, so nothing goes stale."""
        found = self._memos.get(name)
        if found is None:
            found = self._memos[name] = {}
        return found

    # -- days ---------------------------------------------------------------

    def day_info(self, d: date) -> DayInfo:
        """The verdict on one date with its source; config wins over the package."""
        return self._year(d.year)[0][d]

    def year(self, y: int) -> list[DayInfo]:
        """Every date of year ``y``, for the calendar screen and config review."""
        return list(self._year(y)[0].values())

    def is_working_day(self, d: date) -> bool:
        return self.day_info(d).working

    def working_window(self, d: date) -> tuple[datetime, datetime] | None:
        info = self.day_info(d)
        return (info.start, info.end) if info.working else None  # type: ignore[return-value]

    def _year(self, y: int) -> tuple[dict[date, DayInfo], list[tuple[date, int, int]]]:
        built = self._years.get(y)
        if built is None:
            built = self._years[y] = self._build_year(y)
        return built

    def _build_year(self, y: int) -> tuple[dict[date, DayInfo], list[tuple[date, int, int]]]:
        ov = self.overrides.get(y, _NO_OVERRIDES)
        public: Mapping[date, str] = {}
        transferred: frozenset[date] = frozenset()
        if self.use_public_holidays:
            public, transferred = self._public_days(y)
        days: dict[date, DayInfo] = {}
        windows: list[tuple[date, int, int]] = []
        d = date(y, 1, 1)
        while d.year == y:
            working, end = True, self.day_end
            if d in ov.short_days:
                end, source = ov.short_days[d], "config: shortened day"
            elif d in ov.working_days:
                source = "config: working day"
            elif d in ov.days_off:
                working, source = False, "config: day off"
            elif d in public:
                working, source = False, _holiday_source(public[d])
            elif d in transferred:
                source = "transferred working day (decree)"
            elif d.weekday() >= 5:
                working, source = False, "weekend"
            else:
                source = "weekday"
            if working:
                start_at = datetime.combine(d, self.day_start, tzinfo=self.tz)
                end_at = datetime.combine(d, end, tzinfo=self.tz)
                days[d] = DayInfo(d, True, start_at, end_at, source)
                windows.append((d, to_us(start_at), to_us(end_at)))
            else:
                days[d] = DayInfo(d, False, None, None, source)
            d += timedelta(days=1)
        return days, windows

    # -- working-time arithmetic ---------------------------------------------

    def add_working_minutes(self, at: datetime, minutes: float, *, pauses: Sequence[Pause] = ()) -> datetime | None:
        """The earliest instant by which ``minutes`` of working time have passed since ``at``.

        Time inside ``pauses`` does not count (R-WORK-1 stops the clocks).
        Returns ``None`` when an open-ended pause begins before the budget is
        spent: the deadline cannot be known until the client answers.
        ``minutes == 0`` returns ``at`` itself. A budget that runs out exactly
        at a window's end gives that end (18:00), never the next morning.
        """
        return self.budget_status(at, minutes, at, pauses=pauses)[0]

    def working_minutes_between(self, a: datetime, b: datetime, *, pauses: Sequence[Pause] = ()) -> float:
        """Working minutes from ``a`` to ``b``, less paused time; negative when ``b < a``.

        Signed so that "minutes left" can go below zero once overdue, and
        ``working_minutes_between(t, add_working_minutes(t, m)) == m``.
        """
        a_us, b_us = self._us(a), self._us(b)
        tl, spans = self._prepared(a_us, b_us, pauses)
        return counted(tl.pos(a_us), tl.pos(b_us), spans) / US_PER_MINUTE

    def instant_us(self, dt: datetime) -> int:
        """``dt`` as epoch microseconds: the unit of :meth:`working_minutes_between_us`."""
        return self._us(dt)

    def working_minutes_between_us(self, a_us: int, b_us: int) -> float:
        """``working_minutes_between`` for two epoch-microsecond instants and no pauses."""
        tl = self._timeline
        if tl is None or not (tl.lo_us <= a_us <= tl.hi_us and tl.lo_us <= b_us <= tl.hi_us):
            tl = self._covering(min(a_us, b_us), max(a_us, b_us))
        return (tl.pos(b_us) - tl.pos(a_us)) / US_PER_MINUTE

    def ruler(self, now: datetime) -> Callable[[int], float]:
        """``due_us → working minutes from now to due`` (negative once past), for measuring many
        deadlines against one ``now``: the position of ``now`` is found once."""
        now_us = self._us(now)
        tl = self._covering(now_us, now_us)
        p_now, lo, hi = tl.pos(now_us), tl.lo_us, tl.hi_us
        starts, cum, lens = tl.starts, tl.cum, tl.lens
        slow = self.working_minutes_between_us

        def minutes_to(due_us: int) -> float:
            if lo <= due_us <= hi:  # Timeline.pos, inlined: this runs per clock per refresh
                k = bisect_right(starts, due_us) - 1
                if k < 0:
                    return -p_now / US_PER_MINUTE
                into, length = due_us - starts[k], lens[k]
                return (cum[k] + (into if into < length else length) - p_now) / US_PER_MINUTE
            return slow(now_us, due_us)

        return minutes_to

    def budget_status(
        self, at: datetime, minutes: float, until: datetime, *, pauses: Sequence[Pause] = ()
    ) -> tuple[datetime | None, float, bool]:
        """Spend ``minutes`` of working time from ``at``: ``(due, minutes_left, late)``.

        ``due`` is ``add_working_minutes(at, minutes, pauses=pauses)``;
        ``minutes_left`` is the budget less ``working_minutes_between(at,
        until)``, negative once overdue; ``late`` says ``until`` is past
        ``due``. One pass, because the pool recomputes every open task's SLA
        clocks (R-SLA-*) on each refresh.
        """
        if minutes < 0:
            raise ValueError("a working-time budget cannot be negative")
        at_us, until_us = self._us(at), self._us(until)
        budget = round(minutes * US_PER_MINUTE)
        tl = self._timeline
        if (not pauses and budget and tl is not None
                and tl.lo_us <= at_us <= tl.hi_us and tl.lo_us <= until_us <= tl.hi_us):
            # The pool's common case, inlined: no pauses, timeline already built.
            starts, cum, lens = tl.starts, tl.cum, tl.lens
            k = bisect_right(starts, at_us) - 1
            p = cum[k] + min(at_us - starts[k], lens[k]) if k >= 0 else 0
            k = bisect_right(starts, until_us) - 1
            left = budget + p - (cum[k] + min(until_us - starts[k], lens[k]) if k >= 0 else 0)
            p += budget
            if p <= tl.cum_end[-1]:
                k = bisect_left(tl.cum_end, p)
                due_us = starts[k] + p - cum[k]
                return datetime.fromtimestamp(due_us / 1e6, self.tz), left / US_PER_MINUTE, until_us > due_us
        tl, spans = self._prepared(at_us, until_us, pauses)
        p = tl.pos(at_us)
        left = (budget - counted(p, tl.pos(until_us), spans)) / US_PER_MINUTE
        if budget == 0:
            return at.astimezone(self.tz), left, until_us > at_us
        end = spend(p, budget, spans)
        if end is None:
            return None, left, False
        while tl.cum_end[-1] < end:  # append years: the origin, so positions, stay put
            tl = self._build_timeline(tl.first_year, tl.last_year + 1)
        due_us = tl.instant(end)
        return self._from_us(due_us), left, until_us > due_us

    def end_of_working_day(self, at: datetime) -> datetime:
        """End of the working window containing ``at``, else of the next one (R-SLA-IMM).

        "Next" is the first window ending after ``at``: 08:00 on a working
        Monday gives Monday 18:00, and 18:00 exactly gives the next day's end.
        """
        tl, k = self._window_index(at, full_day=False)
        return self._from_us(tl.ends[k])

    def next_full_working_day(self, at: datetime) -> date:
        """First working day whose whole window lies at or after ``at`` (R-SLA-VAL's start)."""
        tl, k = self._window_index(at, full_day=True)
        return tl.dates[k]

    def minutes_to_end_of_working_day(self, at: datetime) -> float:
        """Working minutes from ``at`` to ``end_of_working_day(at)``: R-SLA-IMM's budget."""
        tl, k = self._window_index(at, full_day=False)
        return (tl.cum_end[k] - tl.pos(self._us(at))) / US_PER_MINUTE

    def minutes_to_end_of_next_full_working_day(self, at: datetime) -> float:
        """Working minutes from ``at`` to the end of ``next_full_working_day(at)``: R-SLA-VAL's start budget."""
        tl, k = self._window_index(at, full_day=True)
        return (tl.cum_end[k] - tl.pos(self._us(at))) / US_PER_MINUTE

    # -- the working timeline -------------------------------------------------

    def _window_index(self, at: datetime, *, full_day: bool) -> tuple[Timeline, int]:
        """First window starting at/after ``at`` (``full_day``) or ending after it."""
        us = self._us(at)
        tl = self._covering(us, us)
        k = bisect_left(tl.starts, us) if full_day else bisect_right(tl.ends, us)
        while k >= len(tl.starts):
            tl = self._build_timeline(tl.first_year, tl.last_year + 1)
        return tl, k

    def _prepared(self, a_us: int, b_us: int, pauses: Sequence[Pause]) -> tuple[Timeline, list]:
        """A timeline covering both instants and the pauses, and the pauses as paused spans."""
        bounds = self._pause_us(pauses)
        hi = max(a_us, b_us, *(e if e is not None else s for s, e in bounds))
        tl = self._covering(min(a_us, b_us), hi)
        return tl, paused_spans(tl, bounds)

    def _covering(self, lo_us: int, hi_us: int) -> Timeline:
        """A timeline whose years include both instants (built lazily, a year of slack each side)."""
        tl = self._timeline
        if tl is not None and tl.lo_us <= lo_us and hi_us <= tl.hi_us:
            return tl
        lo_year, hi_year = self._from_us(lo_us).year - 1, self._from_us(hi_us).year + 1
        if tl is not None:
            lo_year, hi_year = min(lo_year, tl.first_year), max(hi_year, tl.last_year)
        return self._build_timeline(lo_year, hi_year)

    def _build_timeline(self, first_year: int, last_year: int) -> Timeline:
        windows = [w for y in range(first_year, last_year + 1) for w in self._year(y)[1]]
        lo_us = to_us(datetime(first_year, 1, 1, tzinfo=self.tz))
        hi_us = to_us(datetime(last_year, 12, 31, 23, 59, 59, tzinfo=self.tz))
        tl = self._timeline = Timeline(first_year, last_year, lo_us, hi_us, windows)
        return tl

    def _us(self, dt: datetime) -> int:
        """``_to_us`` remembering the last two instants by identity: a pool refresh passes the
        same ``now`` and receipt to several calls. Holding the objects keeps ids unique;
        one tuple keeps it thread-safe."""
        memo = self._memo
        if dt is memo[0]:
            return memo[1]
        if dt is memo[2]:
            self._memo = (dt, memo[3], memo[0], memo[1])
            return memo[3]
        us = to_us(dt)
        self._memo = (dt, us, memo[0], memo[1])
        return us

    def _pause_us(self, pauses: Sequence[Pause]) -> tuple[tuple[int, int | None], ...]:
        """Pauses as epoch microseconds; the last tuple converted is remembered (three clocks share it)."""
        if not pauses:
            return ()
        memo = self._pause_memo
        if pauses is memo[0]:
            return memo[1]
        bounds = tuple((to_us(s), None if e is None else to_us(e)) for s, e in pauses)
        if type(pauses) is tuple:
            self._pause_memo = (pauses, bounds)
        return bounds

    def _from_us(self, us: int) -> datetime:
        return datetime.fromtimestamp(us / 1e6, self.tz)


def _holiday_source(name: str) -> str:
    match = _TRANSFER.fullmatch(name)
    if match:
        month, day, year = match.groups()
        return f"transferred day off (decree, from {day}.{month}.{year})"
    return f"public holiday: {name}"
