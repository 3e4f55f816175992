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
from datetime import datetime
from typing import NamedTuple

from dutydesk.domain.calendar import Pause, WorkingCalendar
from dutydesk.domain.clock_explanations import Explainer
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
    explainer: Explainer
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
    explainer = Explainer(calendar, facts)
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
              explainer: Explainer | None = None) -> TaskClocks:
    """The clocks computed from scratch: the rules themselves."""
    received, pauses = facts.received_at, facts.pauses
    explainer = explainer or Explainer(calendar, facts)
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
    explainer: Explainer, anchor: datetime, budget: float, met_at: datetime | None,
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
