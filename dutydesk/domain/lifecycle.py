"""A task's life from the pool to done, as one transition table.

R-TRI-2 creates the task (it gets a key and lands in the pool, R-POOL-1);
R-WORK-1 parks it with the client; R-WORK-2 keeps a split task open while
its subtasks are; R-WORK-3 hands big work to the project's manager;
R-SCOPE-1 holds out-of-contract work until an agreement. Services call
:func:`transition` and record the audit event; a refusal carries a reason
the lead can read as is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import Enum
from types import MappingProxyType

from dutydesk.domain.priority import Priority, Status

#: R-TRI-2, R-POOL-1: where every new task starts.
INITIAL_STATUS = Status.POOL
DEFAULT_KEY_PREFIX = "SUP"


class Action(str, Enum):
    """What can be done to a task. Values are the plain strings the table is keyed by."""

    TAKE = "take"  # R-POOL-1: staff take from the pool
    WAIT = "wait"  # R-WORK-1: questions to the client's representative
    RESUME = "resume"  # the client answered a task someone had taken
    REQUEUE = "requeue"  # back to the pool: the client answered an untaken task, or the taker lets go
    HANDOFF = "handoff"  # R-WORK-3: above minimal volume → the project's manager
    OUT_OF_SCOPE = "out_of_scope"  # R-SCOPE-1: outside the contract's list
    AGREE = "agree"  # R-SCOPE-1: the additional agreement is signed
    DONE = "done"
    REOPEN = "reopen"

    @classmethod
    def parse(cls, text: "str | Action") -> "Action":
        """Accept the value or its CLI spelling (``out-of-scope``)."""
        if isinstance(text, Action):
            return text
        try:
            return cls(str(text).strip().casefold().replace("-", "_").replace(" ", "_"))
        except ValueError:
            known = ", ".join(a.value for a in cls)
            raise TransitionRefused(f"unknown action {text!r}; known: {known}") from None


_S = Status
_A = Action
_TABLE: dict[tuple[Status, str], Status] = {
    (_S.POOL, _A.TAKE): _S.IN_PROGRESS,
    (_S.POOL, _A.WAIT): _S.WAITING_CLIENT,
    (_S.IN_PROGRESS, _A.WAIT): _S.WAITING_CLIENT,
    (_S.WAITING_CLIENT, _A.RESUME): _S.IN_PROGRESS,
    (_S.WAITING_CLIENT, _A.REQUEUE): _S.POOL,
    (_S.IN_PROGRESS, _A.REQUEUE): _S.POOL,
    (_S.POOL, _A.HANDOFF): _S.HANDED_OFF,
    (_S.IN_PROGRESS, _A.HANDOFF): _S.HANDED_OFF,
    (_S.WAITING_CLIENT, _A.HANDOFF): _S.HANDED_OFF,
    (_S.POOL, _A.OUT_OF_SCOPE): _S.NEEDS_AGREEMENT,
    (_S.IN_PROGRESS, _A.OUT_OF_SCOPE): _S.NEEDS_AGREEMENT,
    (_S.NEEDS_AGREEMENT, _A.AGREE): _S.POOL,
    (_S.IN_PROGRESS, _A.DONE): _S.DONE,
    (_S.WAITING_CLIENT, _A.DONE): _S.DONE,
    # The client declined the agreement: the request is closed, not left open forever.
    (_S.NEEDS_AGREEMENT, _A.DONE): _S.DONE,
    (_S.DONE, _A.REOPEN): _S.POOL,
    # The manager hands it back (it proved small after all).
    (_S.HANDED_OFF, _A.REOPEN): _S.POOL,
}
#: (status, action) → new status. Any pair not listed is refused with a reason.
TRANSITIONS: Mapping[tuple[Status, str], Status] = MappingProxyType(_TABLE)

_LABEL = {
    _S.POOL: "in the pool",
    _S.IN_PROGRESS: "in progress",
    _S.WAITING_CLIENT: "waiting for the client",
    _S.HANDED_OFF: "handed off to the project's manager",
    _S.NEEDS_AGREEMENT: "waiting for an agreement",
    _S.DONE: "done",
}


class TransitionRefused(Exception):
    """A transition the regulation does not allow; ``str()`` is the reason for the lead."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def allowed_actions(status: Status) -> tuple[Action, ...]:
    """The actions the table allows from ``status``, in declaration order (for menus)."""
    return tuple(a for a in Action if (status, a) in TRANSITIONS)


def resume_action(*, was_taken: bool) -> Action:
    """The client answered (R-WORK-1): back to whoever had taken it, else back to the pool."""
    return Action.RESUME if was_taken else Action.REQUEUE


def _refusal(status: Status, action: Action, who: str) -> str:
    """A reason that tells the lead what to do instead, citing the rule where one applies."""
    if status is _S.DONE:
        return f"{who} is done; only reopen applies"
    if status is _S.HANDED_OFF:
        return f"{who} is handed off to the project's manager (R-WORK-3); only reopen applies"
    if action is _A.REOPEN:
        return f"{who} is {_LABEL[status]}, not closed; reopen applies to done or handed-off tasks"
    if status is _S.NEEDS_AGREEMENT:
        return (
            f"{who} is out of contract scope and waits for an agreement (R-SCOPE-1); "
            "agree first, or close it as done if the client declined"
        )
    if action is _A.AGREE:
        return f"{who} is {_LABEL[status]}, not waiting for an agreement (R-SCOPE-1)"
    if action is _A.DONE:  # only from the pool
        return f"{who} has not been taken; take it before marking it done"
    if status is _S.WAITING_CLIENT:
        if action is _A.TAKE:
            return f"{who} is waiting for the client (R-WORK-1); resume it instead"
        if action is _A.WAIT:
            return f"{who} is already waiting for the client (R-WORK-1)"
        # out_of_scope
        return f"{who} is waiting for the client (R-WORK-1); resume it before marking it out of scope"
    if action is _A.RESUME:
        return f"{who} is {_LABEL[status]}, not waiting for the client; resume applies only there"
    if action is _A.TAKE:  # from in_progress
        return f"{who} is already in progress"
    if action is _A.REQUEUE:  # from the pool
        return f"{who} is already in the pool"
    sources = ", ".join(_LABEL[s] for (s, a) in TRANSITIONS if a is action)
    return f"cannot {action.value} {who} while it is {_LABEL[status]}; {action.value} applies to tasks {sources}"


def transition(
    status: Status,
    action: str | Action,
    *,
    key: str | None = None,
    open_children: int = 0,
    blocked_by: str | None = None,
) -> Status:
    """The status after ``action``, or :class:`TransitionRefused` with the reason.

    Beyond the table: a task with open subtasks cannot be done (R-WORK-2);
    a task blocked by a higher priority of its project cannot be taken
    (R-POOL-3) — pass the blocker's key from :func:`pool.blocked_by`.
    ``key`` only makes the reason read "SUP-12 is done" instead of "the task".
    """
    act = Action.parse(action)
    who = key or "the task"
    target = TRANSITIONS.get((status, act))
    if target is None:
        raise TransitionRefused(_refusal(status, act, who))
    if act is _A.DONE and open_children > 0:
        noun = "subtask is" if open_children == 1 else "subtasks are"
        raise TransitionRefused(f"{who} cannot be done while {open_children} {noun} open (R-WORK-2)")
    if act is _A.TAKE and blocked_by:
        raise TransitionRefused(f"{who} is blocked by {blocked_by}, a higher priority of the same project (R-POOL-3)")
    return target


# --- R-WORK-3 -------------------------------------------------------------


class HandoffReason(str, Enum):
    """R-WORK-3: why a task is above minimal volume and goes to the manager."""

    MATERIALS = "materials"
    MODULE = "module"
    DOCS = "docs"
    OTHER = "other"

    @property
    def english(self) -> str:
        return _HANDOFF_EN[self]

    @property
    def russian(self) -> str:
        """The regulation's own words (п. 12.3)."""
        return _HANDOFF_RU[self]

    @classmethod
    def parse(cls, text: str) -> "HandoffReason":
        try:
            return cls(text.strip().casefold())
        except ValueError:
            raise ValueError(f"unknown hand-off reason {text!r}: use " + ", ".join(r.value for r in cls)) from None


_HANDOFF_EN = {
    HandoffReason.MATERIALS: "publishing more than 10 materials",
    HandoffReason.MODULE: "a new module or substantial development of one",
    HandoffReason.DOCS: "new documentation",
    HandoffReason.OTHER: "other work above minimal volume",
}
_HANDOFF_RU = {
    HandoffReason.MATERIALS: "публикация более 10 материалов",
    HandoffReason.MODULE: "разработка нового или существенное развитие существующего программного модуля",
    HandoffReason.DOCS: "подготовка новой документации",
    HandoffReason.OTHER: "иная работа объёмом выше минимального",
}


# --- priorities over a task's life ----------------------------------------


def can_downgrade_valuable(priority: Priority | None, due_passed: bool) -> bool:
    """R-SLA-VAL: a Valuable task past its resolution time may be downgraded to Normal.

    The desk only *proposes* it (the rule allows, not demands, the downgrade).
    """
    return priority is Priority.VALUABLE and due_passed


def requalify_target(priority: Priority | None) -> Priority | None:
    """R-ESC-1(c): the one step up a client may ask for: Low-value → Normal, Normal → Valuable."""
    return {Priority.LOW: Priority.NORMAL, Priority.NORMAL: Priority.VALUABLE}.get(priority) if priority else None


# --- task keys (R-TRI-2, R-ESC-4) -----------------------------------------


def task_key(number: int, *, prefix: str = DEFAULT_KEY_PREFIX) -> str:
    """R-TRI-2: the task's number as the client sees it, ``SUP-1042``."""
    return f"{prefix}-{number}"


def parse_task_key(text: str, *, prefix: str = DEFAULT_KEY_PREFIX) -> int | None:
    """R-ESC-4: the number a client reads out: ``SUP-1042``, ``sup 1042``, ``#1042`` or ``1042``.

    Another prefix (``ABC-12``) is not ours and gives None.
    """
    m = re.fullmatch(rf"\s*(?:{re.escape(prefix)}\s*[-_ ]?\s*|#\s*)?(\d+)\s*", text, flags=re.IGNORECASE)
    return int(m.group(1)) if m else None
