"""Why a clock is due when it is, in words the lead can repeat to a client (R-SLA-*, R-WORK-1).

e.g. "1 working hour from receipt: received Fri 30.10 17:30; Fri 17:30–18:00;
Sat–Sun off; Mon 09:00–09:30 → due Mon 02.11 09:30". Built only when read: the
pool makes tens of thousands of clocks per refresh and shows few reasons.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from dutydesk.domain.calendar import DayInfo, Pause, WorkingCalendar

if TYPE_CHECKING:
    from dutydesk.domain.clocks import Clock, ClockFacts

__all__ = ["Explainer"]

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MAX_SEGMENTS = 9


class Explainer:
    """Rebuilds a clock's reasoning from the task's facts, on demand; one per task."""

    __slots__ = ("calendar", "facts")

    def __init__(self, calendar: WorkingCalendar, facts: ClockFacts) -> None:
        self.calendar, self.facts = calendar, facts

    def __eq__(self, other: object) -> bool:  # clocks are values: equal facts explain equally
        return isinstance(other, Explainer) and other.calendar is self.calendar and other.facts == self.facts

    def __hash__(self) -> int:
        return hash(self.facts)

    def __call__(self, clock: Clock) -> str:
        calendar, facts = self.calendar, self.facts
        received = facts.received_at
        anchor: datetime | None = received
        word = "received"
        if clock.name == "reaction":
            head = "1 working hour from receipt"
        elif clock.rule == "R-SLA-IMM":
            window = calendar.working_window(received.astimezone(calendar.tz).date())
            inside = window is not None and window[0] <= received < window[1]
            head = ("end of the working day of receipt" if inside
                    else "received outside working hours: end of the next working day")
        elif clock.name == "start":
            day = calendar.next_full_working_day(received)
            head = f"start by the end of the next full working day, {_day(day)}"
        elif facts.started_at or facts.done_at:
            head, word, anchor = "2 working days from the start", "started", facts.started_at or facts.done_at
        else:
            head, word = "2 working days from the start due (provisional: not started)", "start due"
            budget = calendar.minutes_to_end_of_next_full_working_day(received)
            anchor = calendar.add_working_minutes(received, budget, pauses=facts.pauses)
        if anchor is None:
            return f"{head}: unknown until the client answers (clock stopped)"
        return _explain(calendar, head, word, anchor, clock, facts.pauses)


def _explain(
    calendar: WorkingCalendar, head: str, word: str, anchor: datetime, clock: Clock,
    pauses: tuple[Pause, ...],
) -> str:
    tz = calendar.tz
    anchor = anchor.astimezone(tz)
    due_at, stopped = clock.due_at, None
    if due_at is None:
        stopped = min((s for s, e in pauses if e is None and s >= anchor), default=anchor).astimezone(tz)
    end = (due_at or stopped).astimezone(tz)  # type: ignore[union-attr]
    segments = _segments(calendar, anchor, end, pauses)
    if len(segments) > _MAX_SEGMENTS:
        half = _MAX_SEGMENTS // 2
        segments = [*segments[:half], f"… {len(segments) - 2 * half} more …", *segments[-half:]]
    text = "; ".join([f"{head}: {word} {_stamp(anchor)}", *segments])
    if due_at is None:
        left = _minutes(clock.working_minutes_left or 0)
        since = _stamp(stopped)  # type: ignore[arg-type]
        return f"{text}; clock stopped since {since} (waiting for client), {left} left"
    text += f" → due {_stamp(due_at.astimezone(tz))}"
    if clock.met_at is not None:
        text += f"; met {_stamp(clock.met_at.astimezone(tz))}" + (" (late)" if clock.breached else "")
    return text


def _segments(
    calendar: WorkingCalendar, start: datetime, end: datetime, pauses: tuple[Pause, ...],
) -> list[str]:
    """Counted working time per day, days off grouped with their reasons, pauses shown."""
    tz = calendar.tz
    segments: list[str] = []
    off: list[DayInfo] = []
    full: list[date] = []

    def flush() -> None:
        if off:
            segments.append(_off_run(off))
            off.clear()
        if full:
            span = _day(full[0]) if len(full) == 1 else f"{_day(full[0])}–{_day(full[-1])}"
            segments.append(f"{span} {calendar.day_start:%H:%M}–{calendar.day_end:%H:%M}")
            full.clear()

    d, last = start.date(), end.date()
    while d <= last:
        info = calendar.day_info(d)
        d = date.fromordinal(d.toordinal() + 1)
        if not info.working:
            if full:
                flush()
            off.append(info)
            continue
        lo, hi = max(info.start, start), min(info.end, end)  # type: ignore[type-var]
        if lo >= hi:
            continue
        paused = [
            (max(s.astimezone(tz), lo), min(e.astimezone(tz), hi) if e is not None else hi)
            for s, e in pauses
            if s < hi and (e is None or e > lo)
        ]
        whole = lo == info.start and hi == info.end and info.source == "weekday"
        if whole and not paused:
            if off:
                flush()
            full.append(info.date)
            continue
        flush()
        # The receipt's date is already in the text; repeat only its weekday.
        label = _WEEKDAYS[lo.weekday()] if lo.date() == start.date() else _day(info.date)
        text = f"{label} {lo:%H:%M}–{hi:%H:%M}"
        if paused:
            text += " paused " + ", ".join(f"{s:%H:%M}–{e:%H:%M}" for s, e in paused)
        if info.source != "weekday":
            text += f" ({info.source})"
        segments.append(text)
    flush()
    return segments


def _off_run(days: list[DayInfo]) -> str:
    span = _day(days[0].date) if len(days) == 1 else f"{_day(days[0].date)}–{_day(days[-1].date)}"
    reasons: list[str] = []
    for info in days:
        if info.source == "weekend":
            continue
        reason = info.source.removeprefix("public holiday: ")
        if reason.startswith("transferred day off"):
            reason = "transferred day off"
        if reason not in reasons:
            reasons.append(reason)
    if not reasons:
        names = [_WEEKDAYS[i.date.weekday()] for i in days]
        return f"{'–'.join((names[0], names[-1])) if len(names) > 1 else names[0]} off"
    return f"{span} off ({', '.join(reasons)})"


def _day(d: date) -> str:
    return f"{_WEEKDAYS[d.weekday()]} {d:%d.%m}"


def _stamp(at: datetime) -> str:
    return f"{_day(at.date())} {at:%H:%M}"


def _minutes(value: float) -> str:
    sign, (hours, minutes) = "-" if value < 0 else "", divmod(abs(round(value)), 60)
    return f"{sign}{hours} working h {minutes:02d} min" if hours else f"{sign}{minutes} working min"
