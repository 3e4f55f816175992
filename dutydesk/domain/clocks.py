"""SLA clocks of one task: reaction, start and due (R-SLA-REACT, R-SLA-IMM, R-SLA-VAL).

Each deadline is a budget of working minutes spent from an anchor with the
task's client-waiting pauses skipped (R-WORK-1), so a pause pushes the due
later by exactly the paused working time. Nothing here reads the clock:
``now`` is always an argument.

The pool recomputes clocks for every open task on each refresh (20k tasks
within a fraction of a second), so a clock holds plain values and builds
its human explanation only when asked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import NamedTuple

from dutydesk.domain.calendar import DayInfo, Pause, WorkingCalendar
from dutydesk.domain.priority import Priority, Status

__all__ = [
    "REACTION_MINUTES",
    "VALUABLE_RESOLUTION_DAYS",
    "Clock",
    "ClockFacts",
    "ClockPlan",
    "TaskClocks",
    "clock_measurer",
    "clocks_at",
    "pauses_from_status_changes",
    "plan_clocks",
    "task_clocks",
]

#: R-SLA-REACT: a reaction within 1 working hour of receipt.
REACTION_MINUTES = 60
#: R-SLA-VAL: resolve within 2 working days of the start.
VALUABLE_RESOLUTION_DAYS = 2

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MAX_SEGMENTS = 9


class Clock(NamedTuple):
    """One deadline of a task, as the pool and the task screen show it.

    ``working_minutes_left`` is measured at ``met_at`` for a met clock (the
    margin it was met with) and at ``now`` otherwise; negative when late.
    ``due_at`` is ``None`` while an open pause stops the clock before its
    budget is spent. ``explanation`` is built only when read. A named tuple,
    not a dataclass: the pool makes tens of thousands per refresh, and a
    frozen dataclass costs a microsecond per field to build.
    """

    name: str
    rule: str
    due_at: datetime | None
    met_at: datetime | None
    breached: bool
    working_minutes_left: float | None
    paused: bool
    explainer: Callable[[Clock], str] | None = None

    @property
    def explanation(self) -> str:
        """Human reasoning, e.g. "received Fri 30.10 17:30; Fri 17:30–18:00; Sat–Sun off; … → due …"."""
        return self.explainer(self) if self.explainer is not None else ""


class ClockFacts(NamedTuple):
    """What the clocks depend on, gathered by the caller from the task and its audit."""

    received_at: datetime
    priority: Priority | None
    reacted_at: datetime | None = None
    started_at: datetime | None = None
    done_at: datetime | None = None
    pauses: tuple[Pause, ...] = ()


class TaskClocks(NamedTuple):
    """The three clocks of a task; ``None`` where its priority sets no such deadline."""

    reaction: Clock | None
    start: Clock | None
    due: Clock | None

    @property
    def clocks(self) -> tuple[Clock, ...]:
        return tuple(c for c in (self.reaction, self.start, self.due) if c is not None)

    @property
    def breaches(self) -> tuple[str, ...]:
        """Names of breached clocks: what R-ESC-1 (a) and (b) escalations are made of."""
        return tuple(c.name for c in self.clocks if c.breached)

    @property
    def nearest(self) -> Clock | None:
        """The unmet clock due first, for the pool's SLA badge."""
        pending = [c for c in self.clocks if c.met_at is None and c.due_at is not None]
        return min(pending, key=_due_of) if pending else None


def _due_of(clock: Clock) -> datetime:
    return clock.due_at  # type: ignore[return-value]


def task_clocks(facts: ClockFacts, calendar: WorkingCalendar, now: datetime) -> TaskClocks:
    """All clocks of one task at ``now``.

    Interpretation: taking or finishing a task is a reaction (R-SLA-REACT
    names "task taken"), and finishing implies a start, so those facts
    stand in when the earlier one is missing.

    Without pauses, everything but "how much is left now" depends on the
    facts alone: that part is planned once (:func:`plan_clocks`) and each
    refresh only measures the unmet deadlines against ``now``.
    """
    if facts.pauses:
        return _computed(facts, calendar, now)
    return clocks_at(plan_clocks(facts, calendar), calendar, now)


class ClockPlan(NamedTuple):
    """A task's clocks apart from ``now`` (tasks without pauses only).

    ``fixed`` holds the three slots with every met clock (nothing about it
    changes with time) and ``None`` for clocks the priority does not set;
    ``pending`` the unmet ones as ``(slot, name, rule, due_at, due_us)``;
    ``ready`` the finished ``TaskClocks`` when nothing is pending.
    """

    fixed: tuple
    pending: tuple
    explainer: _Explainer
    ready: TaskClocks | None


#: Facts → plans, per calendar; bounded (cleared when full) well above what the pool screen shows.
_PLAN_LIMIT = 4096


def plan_clocks(facts: ClockFacts, calendar: WorkingCalendar, *, remember: bool = True) -> ClockPlan:
    """The plan of a task without pauses, remembered on the calendar by its facts (unless told not
    to: a pass over the whole pool would only push the pool window's plans out)."""
    if facts.pauses:
        raise ValueError("a task with pauses has no plan: its clocks stop and start with them")
    memo = calendar.memo("clock-plans")
    key = (facts.received_at, facts.priority, facts.reacted_at, facts.started_at, facts.done_at)
    found = memo.get(key)
    if found is not None:
        return found
    explainer = _Explainer(calendar, facts)
    computed = _computed(facts, calendar, facts.received_at, explainer)
    fixed = tuple(c if c is not None and c.met_at is not None else None for c in computed)
    pending = tuple((slot, c.name, c.rule, c.due_at, calendar.instant_us(c.due_at))  # type: ignore[arg-type]
                    for slot, c in enumerate(computed) if c is not None and c.met_at is None)
    found = ClockPlan(fixed, pending, explainer, None if pending else TaskClocks(*fixed))
    if remember:
        if len(memo) >= _PLAN_LIMIT:
            memo.clear()
        memo[key] = found
    return found


def clocks_at(plan: ClockPlan, calendar: WorkingCalendar, now: datetime) -> TaskClocks:
    """A plan measured at ``now``: minutes left and breach of each unmet clock."""
    return clock_measurer(calendar, now)(plan)


def clock_measurer(calendar: WorkingCalendar, now: datetime) -> Callable[[ClockPlan], TaskClocks]:
    """``clocks_at`` for many plans and one ``now`` (a pool window, the whole pool): the position
    of ``now`` on the working timeline is found once, then each unmet clock is one subtraction."""
    now_us = calendar.instant_us(now)
    minutes_to = calendar.ruler(now)

    def measure(plan: ClockPlan) -> TaskClocks:
        fixed, pending, explainer, ready = plan
        if ready is not None:
            return ready
        slots = list(fixed)
        for slot, name, rule, due_at, due_us in pending:
            # tuple.__new__ directly: the named tuples' own __new__ is a Python call per clock.
            slots[slot] = _new(Clock, (name, rule, due_at, None, now_us > due_us, minutes_to(due_us), False,
                                       explainer))
        return _new(TaskClocks, slots)

    return measure


_new = tuple.__new__
_IMMEDIATE, _VALUABLE = Priority.IMMEDIATE, Priority.VALUABLE


def _computed(facts: ClockFacts, calendar: WorkingCalendar, now: datetime,
              explainer: _Explainer | None = None) -> TaskClocks:
    """The clocks computed from scratch: the rules themselves."""
    received, pauses = facts.received_at, facts.pauses
    explainer = explainer or _Explainer(calendar, facts)
    reaction = _clock(
        "reaction", "R-SLA-REACT", calendar, now, pauses, explainer,
        received, REACTION_MINUTES, facts.reacted_at or facts.started_at or facts.done_at,
    )
    start = due = None
    priority = facts.priority
    if priority is _IMMEDIATE:
        # R-SLA-IMM: the budget is what is left of the working day of receipt.
        due = _clock(
            "due", "R-SLA-IMM", calendar, now, pauses, explainer,
            received, calendar.minutes_to_end_of_working_day(received), facts.done_at,
        )
    elif priority is _VALUABLE:
        # R-SLA-VAL: start by the end of the next full working day after receipt...
        start_budget = calendar.minutes_to_end_of_next_full_working_day(received)
        started = facts.started_at or facts.done_at
        start = _clock("start", "R-SLA-VAL", calendar, now, pauses, explainer, received, start_budget, started)
        # ...and resolve within 2 working days of the start. Not started yet,
        # the due is provisional from the start due: the same as spending both
        # budgets from receipt, since spending working time is additive.
        resolve = VALUABLE_RESOLUTION_DAYS * calendar.normal_day_minutes
        if started:
            due = _clock("due", "R-SLA-VAL", calendar, now, pauses, explainer, started, resolve, facts.done_at)
        else:
            due = _clock(
                "due", "R-SLA-VAL", calendar, now, pauses, explainer, received, start_budget + resolve, None,
            )
    return TaskClocks(reaction, start, due)


def _clock(
    name: str, rule: str, calendar: WorkingCalendar, now: datetime, pauses: tuple[Pause, ...],
    explainer: _Explainer, anchor: datetime, budget: float, met_at: datetime | None,
) -> Clock:
    """``budget`` working minutes spent from ``anchor``; met by ``met_at``."""
    due_at, left, late = calendar.budget_status(anchor, budget, met_at or now, pauses=pauses)
    paused = bool(pauses) and met_at is None and any(s <= now and (e is None or now < e) for s, e in pauses)
    return Clock(name, rule, due_at, met_at, late, left, paused, explainer)


def pauses_from_status_changes(
    changes: Iterable[tuple[datetime, str, str]],
) -> tuple[Pause, ...]:
    """Intervals spent in ``waiting_client`` (R-WORK-1) from (at, before, after) audit events.

    Only ``after`` is trusted, so a gap in the audit cannot open two pauses;
    a pause still open at the last event has end ``None``.
    """
    waiting = Status.WAITING_CLIENT.value
    result: list[Pause] = []
    opened: datetime | None = None
    for at, _before, after in sorted(changes, key=lambda change: change[0]):
        if str(getattr(after, "value", after)) == waiting:
            if opened is None:
                opened = at
        elif opened is not None:
            if at > opened:
                result.append((opened, at))
            opened = None
    if opened is not None:
        result.append((opened, None))
    return tuple(result)


# -- explanations ---------------------------------------------------------------


class _Explainer:
    """Rebuilds a clock's reasoning from the task's facts, on demand; one per task."""

    __slots__ = ("calendar", "facts")

    def __init__(self, calendar: WorkingCalendar, facts: ClockFacts) -> None:
        self.calendar, self.facts = calendar, facts

    def __eq__(self, other: object) -> bool:  # clocks are values: equal facts explain equally
        return isinstance(other, _Explainer) and other.calendar is self.calendar and other.facts == self.facts

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
