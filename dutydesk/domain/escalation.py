"""Acceleration and escalation: R-ESC-1..4.

A client may ask to accelerate for four reasons (R-ESC-1 a–d); the desk
spots (a) and (b) itself before anyone calls, and records (c) and (d) when
the client does. The call climbs three levels (R-ESC-3). On the phone the
first question is the task number or when the email was sent (R-ESC-4).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum, IntEnum

from dutydesk.domain.priority import Priority, Status


class Trigger(str, Enum):
    """R-ESC-1: why a task is accelerated. The value is the stored form."""

    NO_REACTION = "no_reaction"  # (a) no reaction within 1 working hour
    IMMEDIATE_OVERDUE = "immediate_overdue"  # (b) Immediate not done within the working day
    REQUALIFY = "requalify"  # (c) Low-value → Normal, Normal → Valuable
    DEADLINE = "deadline"  # (d) needed by a fixed date and time

    @property
    def cli(self) -> str:
        """The spelling on the command line: ``no-reaction``."""
        return self.value.replace("_", "-")

    @property
    def letter(self) -> str:
        """The item of R-ESC-1 it comes from: a, b, c or d."""
        return "abcd"[list(Trigger).index(self)]

    @property
    def english(self) -> str:
        return _TRIGGER_EN[self]

    @property
    def detected_by_desk(self) -> bool:
        """(a) and (b) are found by :func:`detect_breaches`; (c) and (d) come with a call."""
        return self in (Trigger.NO_REACTION, Trigger.IMMEDIATE_OVERDUE)

    @classmethod
    def parse(cls, text: str) -> "Trigger":
        """Accept the stored value, the CLI spelling, or the letter a–d (any case)."""
        raw = text.strip().casefold()
        for trigger in cls:
            if raw in (trigger.value, trigger.cli, trigger.letter, f"({trigger.letter})"):
                return trigger
        raise ValueError(f"unknown trigger {text!r}: use " + ", ".join(t.cli for t in cls))


_TRIGGER_EN = {
    Trigger.NO_REACTION: "no reaction within 1 working hour",
    Trigger.IMMEDIATE_OVERDUE: "Immediate request not done within the working day",
    Trigger.REQUALIFY: "acute need to raise the priority one step",
    Trigger.DEADLINE: "needed by a fixed date and time",
}

ROLE_MANAGER = "manager"
ROLE_CLIENT_DIRECTOR = "client_director"
ROLE_EXECUTIVE_DIRECTOR = "executive_director"


class Level(IntEnum):
    """R-ESC-3: who answers an escalation, climbing one step at a time."""

    MANAGER = 1  # the manager assigned to the project; the client should know them
    CLIENT_DIRECTOR = 2  # when the manager cannot agree or is away
    EXECUTIVE_DIRECTOR = 3  # does not know the project: takes the complaint, investigates, answers

    @property
    def role(self) -> str:
        return _ROLE[self]

    @property
    def english(self) -> str:
        return _LEVEL_EN[self]

    @property
    def next_level(self) -> "Level | None":
        """One step up; None past the executive director, the last level."""
        return Level(self + 1) if self < Level.EXECUTIVE_DIRECTOR else None


_ROLE = {
    Level.MANAGER: ROLE_MANAGER,
    Level.CLIENT_DIRECTOR: ROLE_CLIENT_DIRECTOR,
    Level.EXECUTIVE_DIRECTOR: ROLE_EXECUTIVE_DIRECTOR,
}
_LEVEL_EN = {
    Level.MANAGER: "the project's manager",
    Level.CLIENT_DIRECTOR: "the director of client relations",
    Level.EXECUTIVE_DIRECTOR: "the executive director",
}


@dataclass(frozen=True)
class Contact:
    """A staff member the desk may tell the lead to call."""

    staff_id: str
    name: str
    role: str
    phone: str | None = None
    email: str | None = None


def whom_to_call(level: Level, *, project_manager: Contact | None, staff: Iterable[Contact]) -> Contact | None:
    """R-ESC-3: the person for ``level``.

    Level 1 is the project's own manager, never just any manager: with none
    assigned the answer is None and the caller goes to level 2. Levels 2
    and 3 are the first staff member with that role, in the order given
    (the store passes staff in its preferred order, deputies last).
    """
    if level is Level.MANAGER:
        return project_manager
    return next((c for c in staff if c.role == level.role), None)


# --- (a) and (b), detected by the desk -------------------------------------


@dataclass(frozen=True)
class BreachInput:
    """A task's clocks as the SLA module computed them.

    ``reaction_due`` and ``due`` must already account for working time and
    for time spent waiting for the client (R-WORK-1 stops the clocks).
    """

    key: str
    priority: Priority | None
    status: Status
    reaction_due: datetime | None
    reaction_met: bool
    due: datetime | None
    done: bool


@dataclass(frozen=True)
class DetectedBreach:
    """A reason the client may already call (R-ESC-1 a/b), and since when."""

    key: str
    trigger: Trigger
    since: datetime


def detect_breaches(tasks: Iterable[BreachInput], now: datetime) -> list[DetectedBreach]:
    """R-ESC-1 (a) and (b) as of ``now``.

    (a) the reaction was due and has not happened; (b) an Immediate task
    is not done and its due time has passed. A deadline is met *at* its
    instant: a breach starts strictly after it, and ``since`` is the
    deadline itself. Done tasks never breach. Sorted by since, key, trigger.
    """
    found: list[DetectedBreach] = []
    for t in tasks:
        if t.done or t.status is Status.DONE:
            continue
        if t.reaction_due is not None and not t.reaction_met and now > t.reaction_due:
            found.append(DetectedBreach(t.key, Trigger.NO_REACTION, t.reaction_due))
        if t.priority is Priority.IMMEDIATE and t.due is not None and now > t.due:
            found.append(DetectedBreach(t.key, Trigger.IMMEDIATE_OVERDUE, t.due))
    order = list(Trigger)
    return sorted(found, key=lambda b: (b.since, b.key, order.index(b.trigger)))


# --- R-ESC-4 ---------------------------------------------------------------


def closest_by_sent(
    candidates: Iterable[tuple[str, str, datetime]],
    sent: datetime,
    *,
    limit: int = 10,
) -> list[tuple[str, str, datetime, float]]:
    """R-ESC-4: tasks whose first email was sent closest to the moment the client names.

    ``candidates`` are ``(key, label, sent_at)`` — the label (subject or
    sender) is passed through for display. Returns ``(key, label, sent_at,
    minutes away)``, closest first, ties by key in natural order (SUP-9
    before SUP-10). Clients round ("about
    10:30"), so either side of the moment counts the same.
    """
    scored = [(key, label, at, abs((at - sent).total_seconds()) / 60.0) for key, label, at in candidates]
    scored.sort(key=lambda row: (row[3], _natural(row[0])))
    return scored[: max(limit, 0)]


def _natural(key: str) -> tuple[tuple[int, int | str], ...]:
    """``SUP-9`` before ``SUP-10``: digits compare as numbers."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", key) if part)
