"""The pool's history: the daily trend and the shift handover, both from the audit trail (issue 6).

Neither needs a stored snapshot: the trend walks the trail once through
every working day's end, so it covers days before snapshots were kept; the
handover replays it up to now and looks at what happened since the last one.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from dutydesk.domain.clocks import TaskClocks
from dutydesk.domain.pool import pool_sort_key
from dutydesk.domain.priority import Priority, Status
from dutydesk.errors import BadInput
from dutydesk.export.handover import NO_PROJECT, Handover, HandoverItem, HandoverSection
from dutydesk.export.model import UNTRIAGED
from dutydesk.services import audit
from dutydesk.services.desk import Desk
from dutydesk.services.history import (
    OPEN, Replay, TaskState, as_utc, escalation_events, identify, pool_item, raw_moment, task_events,
)
from dutydesk.services.pool_snapshot import names
from dutydesk.store.models import AuditEvent

POOL_KEYS = (UNTRIAGED, *(p.slug for p in Priority))
DONE, HANDED_OFF = Status.DONE.value, Status.HANDED_OFF.value
HANDOVER_ACTION = "report.handover"
_LOOKBACK_DAYS = 60


# -- the trend -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendDay:
    """One working day: the pool at its end, and what happened since the previous working day ended.

    ``breached`` counts clocks (R-SLA-*) that fell due in the period and were
    missed; ``in_breach`` is the open tasks with any breached clock at the
    day's end (as the pool shows them); ``escalations`` those opened (R-ESC-1..3).
    """

    day: date
    start: datetime
    at: datetime
    pool: dict[str, int]
    new: int
    done: int
    handed_off: int
    breached: int
    in_breach: int
    escalations: int

    @property
    def total(self) -> int:
        return sum(self.pool.values())

    def to_json(self) -> dict:
        return {"date": self.day.isoformat(), "from": self.start.isoformat(), "at": self.at.isoformat(),
                "pool": {"total": self.total, **self.pool}, "new": self.new, "done": self.done,
                "handed_off": self.handed_off, "breached": self.breached, "in_breach": self.in_breach,
                "escalations": self.escalations}


@dataclass(frozen=True)
class Trend:
    now: datetime
    timezone: str
    days: tuple[TrendDay, ...]

    def to_json(self) -> dict:
        return {"now": self.now.isoformat(), "timezone": self.timezone, "days": [d.to_json() for d in self.days]}


def _previous_window_end(desk: Desk, day: date) -> datetime:
    """End of the last working window before ``day`` (a trend period starts there)."""
    for back in range(1, _LOOKBACK_DAYS):
        window = desk.calendar.working_window(day - timedelta(days=back))
        if window is not None:
            return window[1]
    return datetime.combine(day, datetime.min.time(), desk.settings.tz)


def trend_periods(desk: Desk, days: int) -> list[tuple[date, datetime, datetime]]:
    """(working day, period start, period end) for the working days among the last ``days`` calendar days.

    A period runs from the end of the previous working day to the end of this
    one (or now), so a request that arrives at night or on a weekend counts
    on the next working day and every event lands in exactly one period.
    """
    if days < 1:
        raise BadInput("--days must be at least 1")
    tz = desk.settings.tz
    now = desk.now().astimezone(tz)
    today = now.date()
    out = []
    for offset in range(days - 1, -1, -1):
        day = today - timedelta(days=offset)
        window = desk.calendar.working_window(day)
        if window is None:
            continue
        out.append((day, _previous_window_end(desk, day).astimezone(tz), min(window[1], now).astimezone(tz)))
    return out


@dataclass
class _Period:
    """Counters of one trend period while the events go by."""

    start: datetime
    end: datetime
    candidates: set[int] = field(default_factory=set)
    new: set[int] = field(default_factory=set)
    done: set[int] = field(default_factory=set)
    handed_off: set[int] = field(default_factory=set)


def trend(desk: Desk, days: int = 30) -> Trend:
    """Per working day: pool size by priority, new / done / handed off, breaches, escalations.

    One pass over the audit trail in time order, stopping at each day's end
    to count. A task's deadlines are recomputed only when its facts changed
    since the last stop, so thirty days cost little more than one.
    """
    periods = trend_periods(desk, days)
    now = desk.now().astimezone(desk.settings.tz)
    if not periods:
        return Trend(now, desk.settings.timezone, ())
    calendar = desk.calendar
    state = Replay()
    tasks = state.tasks
    open_ids: set[int] = set()
    cache: dict[int, tuple[int, tuple[datetime, ...]]] = {}
    result: list[TrendDay] = []

    def breaches(s: TaskState, moment: datetime) -> tuple[datetime, ...]:
        hit = cache.get(s.id)
        if hit is None or hit[0] != s.version:
            hit = cache[s.id] = (s.version, s.breach_instants(calendar, moment))
        return hit[1]

    def close(p: _Period, day: date) -> None:
        pool = dict.fromkeys(POOL_KEYS, 0)
        breached = in_breach = 0
        for task_id in open_ids:
            pool[tasks[task_id].priority or UNTRIAGED] += 1
        for task_id in p.candidates | open_ids:
            s = tasks[task_id]
            is_open = task_id in open_ids
            left = None if is_open else s.changed_status_at
            moment = p.end if left is None else min(p.end, left)
            instants = breaches(s, moment)
            if not instants:
                continue
            # A clock is missed just after its due instant: a due at 18:00 sharp belongs to the next period.
            breached += sum(1 for due in instants if p.start <= due < moment)
            if is_open and moment > instants[0]:
                in_breach += 1
        opened = bisect_right(escalated, p.end) - bisect_right(escalated, p.start)
        result.append(TrendDay(day, p.start, p.end, pool, len(p.new), len(p.done), len(p.handed_off),
                               breached, in_breach, opened))

    index, current = 0, None  # the period being filled, opened at its first event

    def period(i: int) -> _Period:
        return _Period(periods[i][1], periods[i][2], set(open_ids))

    def watch(events: Iterator[tuple], ends: list[object], starts: list[object]) -> Iterator[tuple]:
        """Count each event into its period, closing each day at its end; ``feed`` applies what is yielded.

        A day is closed before the first event after its end is applied, so it
        sees the state at its end exactly. Times are compared raw (see ``raw_moment``).
        """
        nonlocal index, current
        for task_id, fld, after, at, action in events:
            while index < len(periods) and at > ends[index]:
                close(current or period(index), periods[index][0])
                index, current = index + 1, None
            if current is None and index < len(periods) and at > starts[index]:
                current = period(index)
            if fld == "status":
                if after in OPEN:
                    open_ids.add(task_id)
                else:
                    open_ids.discard(task_id)
                if current is not None:
                    current.candidates.add(task_id)
                    if action == "task.create":
                        current.new.add(task_id)
                    elif after == DONE:
                        current.done.add(task_id)
                    elif after == HANDED_OFF:
                        current.handed_off.add(task_id)
            yield task_id, fld, after, at

    with desk.read() as session:
        escalated = sorted(as_utc(e[6]) for e in escalation_events(session, upto=periods[-1][2])
                           if e[3] == "escalation.open" and e[4] == "level")
        ends = [raw_moment(session, p[2]) for p in periods]
        starts = [raw_moment(session, p[1]) for p in periods]
        state.feed(watch(task_events(session, upto=periods[-1][2], by_time=True, with_action=True), ends, starts))
        while index < len(periods):  # the days after the last event
            close(current or period(index), periods[index][0])
            index, current = index + 1, None
    return Trend(now, desk.settings.timezone, tuple(result))


# -- the shift handover ----------------------------------------------------------------------


def last_handover(desk: Desk, now: datetime) -> datetime | None:
    """When the previous handover was issued (its audit event), if ever."""
    with desk.read() as session:
        return session.execute(select(func.max(AuditEvent.at))
                               .where(AuditEvent.action == HANDOVER_ACTION, AuditEvent.at <= now)).scalar()


def previous_shift_end(desk: Desk, now: datetime) -> datetime:
    """Without a recorded handover: the end of the working day before the current (or last) one."""
    tz = desk.settings.tz
    today = now.astimezone(tz).date()
    for back in range(_LOOKBACK_DAYS):
        day = today - timedelta(days=back)
        window = desk.calendar.working_window(day)
        if window is not None and window[0] <= now:
            return _previous_window_end(desk, day)
    return now - timedelta(days=1)


SECTIONS = (
    ("new", "New since the last handover"),
    ("taken", "Taken"),
    ("done", "Done"),
    ("waiting", "Waiting for the client (R-WORK-1)"),
    ("handed_off", "Handed off to the project manager (R-WORK-3)"),
    ("breached", "Breached (R-SLA-*)"),
    ("escalated", "Escalated (R-ESC-1..3)"),
    ("due", "Due in the next working hours"),
)


def handover(desk: Desk, *, since: datetime | None = None, next_hours: float = 4.0,
             record: bool = True) -> Handover:
    """The shift handover at now: what happened since the last one, and what falls due next, by project.

    ``since`` defaults to the last recorded handover, else the end of the
    previous working day. ``record`` stores this handover (an audit event)
    so the next one starts here.
    """
    if next_hours <= 0:
        raise BadInput("--next-hours must be positive")
    tz = desk.settings.tz
    now = desk.now().astimezone(tz)
    since = (since or last_handover(desk, now) or previous_shift_end(desk, now)).astimezone(tz)
    if since >= now:
        raise BadInput(f"nothing to hand over since {since.isoformat()}: that is not before now")
    calendar = desk.calendar
    horizon = calendar.add_working_minutes(now, next_hours * 60) or now
    state = Replay()
    found: dict[str, dict[int, list[str]]] = {name: defaultdict(list) for name, _ in SECTIONS}
    touched: set[int] = set()

    def stamp(moment: datetime) -> str:
        return f"{moment.astimezone(tz):%d.%m %H:%M}"

    def watch(events: Iterator[tuple], since_raw: object) -> Iterator[tuple]:
        """Note this shift's status changes as they go by; ``feed`` applies what is yielded."""
        for task_id, fld, after, raw_at, action in events:
            if fld == "status" and raw_at > since_raw:
                touched.add(task_id)
                at = as_utc(raw_at)
                if action == "task.create":
                    found["new"][task_id].append(f"created {stamp(at)}")
                elif action == "task.take":
                    found["taken"][task_id].append(f"taken {stamp(at)}")
                elif after == DONE:
                    found["done"][task_id].append(f"done {stamp(at)}")
                elif after == HANDED_OFF:
                    found["handed_off"][task_id].append(f"handed off {stamp(at)}")
            yield task_id, fld, after, raw_at

    with desk.read() as session:
        state.feed(watch(task_events(session, upto=now, with_action=True), raw_moment(session, since)))
        opened: dict[str, list] = {}
        for _id, task_id, esc_id, action, fld, after, raw_at in escalation_events(session, upto=now, since=since):
            if action == "escalation.open":
                slot = opened.setdefault(esc_id, [task_id, "?", "?", stamp(as_utc(raw_at))])
                slot[1 if fld == "level" else 2] = after
        for task_id, level, trigger, when in opened.values():
            if task_id in state.tasks:
                found["escalated"][task_id].append(f"level {level}, {str(trigger).replace('_', '-')}, {when}")
        open_now = state.open_tasks()
        for s in open_now:
            if s.status == Status.WAITING_CLIENT.value and s.status_at is not None:
                found["waiting"][s.id].append(f"waiting since {stamp(s.changed_status_at)}")  # type: ignore[arg-type]
        for task_id in touched | {s.id for s in open_now}:
            s = state.tasks[task_id]
            left = s.changed_status_at
            moment = now if s.is_open or left is None else min(now, left)
            clocks = s.clocks(calendar, moment)
            late = _missed(clocks, since, moment, s.is_open, tz)
            if late:
                found["breached"][task_id].append(late)
            if s.is_open:
                coming = [f"{c.name} due {stamp(c.due_at)}" for c in clocks.clocks
                          if c.met_at is None and c.due_at is not None and now < c.due_at <= horizon]
                if coming:
                    found["due"][task_id].append("; ".join(coming))
        numbers = identify(session, state, {task_id for per in found.values() for task_id in per})
        _clients, projects = names(session)
    sections = tuple(HandoverSection(name, title if name != "due" else f"{title} (up to {horizon:%d.%m %H:%M})",
                                     _grouped(state, found[name], numbers, projects))
                     for name, title in SECTIONS)
    report = Handover(at=now, since=since, horizon=horizon, timezone=desk.settings.timezone,
                      pool_total=len(open_now), sections=sections)
    if record:
        record_handover(desk, report)
    return report


def record_handover(desk: Desk, report: Handover) -> None:
    """Remember that this handover was given, so the next one starts at its moment."""
    with desk.write() as session:
        audit.record(session, at=report.at, actor=desk.actor, action=HANDOVER_ACTION, entity="handover",
                     entity_id=f"{report.at:%Y-%m-%dT%H:%M}", changes={"since": (None, report.since)})


def _missed(clocks: TaskClocks, since: datetime, moment: datetime, is_open: bool, tz) -> str | None:
    """Breached clocks worth handing over: overdue now, or fallen due (and missed) during the shift."""
    parts = []
    for c in clocks.clocks:
        if not c.breached or c.due_at is None:
            continue
        overdue_now = is_open and c.met_at is None
        if not overdue_now and not since <= c.due_at < moment:
            continue
        due = f"{c.due_at.astimezone(tz):%d.%m %H:%M}"
        late = f", met {c.met_at.astimezone(tz):%d.%m %H:%M}" if c.met_at else ", overdue"
        parts.append(f"{c.name} due {due}{late} ({c.rule})")
    return "; ".join(parts) or None


def _grouped(state: Replay, per_task: dict[int, list[str]], numbers: dict, projects: dict[str, str]
             ) -> tuple[tuple[str, tuple[HandoverItem, ...]], ...]:
    groups: dict[str, list[tuple[tuple, HandoverItem]]] = defaultdict(list)
    for task_id, details in per_task.items():
        s: TaskState = state.tasks[task_id]
        label = projects.get(s.project or "") or s.project or NO_PROJECT
        order = pool_sort_key(pool_item(s, numbers.get(task_id, (0, None))[0]))
        groups[label].append((order, HandoverItem(s.key, s.subject or "", label, s.priority, s.status or "",
                                                  s.assignee, "; ".join(details))))
    ordered = sorted(groups, key=lambda name: (name == NO_PROJECT, name.casefold()))
    return tuple((name, tuple(item for _o, item in sorted(groups[name], key=lambda pair: pair[0])))
                 for name in ordered)
