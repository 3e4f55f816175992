"""The five priorities of the regulation (R-POOL-2) and the task statuses."""

from __future__ import annotations

from enum import Enum, IntEnum


class Priority(IntEnum):
    """R-POOL-2: the order of work. The integer is the stored order: lower is worked first."""

    IMMEDIATE = 1
    VALUABLE = 2
    NORMAL = 3
    LOW = 4
    INSIGNIFICANT = 5

    @property
    def english(self) -> str:
        return _ENGLISH[self]

    @property
    def russian(self) -> str:
        """The regulation's own word, shown beside the English name everywhere."""
        return _RUSSIAN[self]

    @property
    def slug(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str | int) -> "Priority":
        """Accept 1–5, the English name or slug, or the Russian name (any case)."""
        raw = str(text).strip()
        if raw.isdigit() and 1 <= int(raw) <= 5:
            return cls(int(raw))
        folded = raw.casefold().replace("-", "_").replace(" ", "_")
        for priority in cls:
            names = {
                priority.slug,
                priority.english.casefold().replace("-", "_").replace(" ", "_"),
                priority.russian.casefold(),
                *_ALIASES.get(priority, ()),
            }
            if folded in names:
                return priority
        raise ValueError(
            f"unknown priority {raw!r}: use 1–5, "
            + ", ".join(p.slug for p in cls)
            + " or the Russian names"
        )


_ENGLISH = {
    Priority.IMMEDIATE: "Immediate",
    Priority.VALUABLE: "Valuable",
    Priority.NORMAL: "Normal",
    Priority.LOW: "Low-value",
    Priority.INSIGNIFICANT: "Insignificant",
}
_RUSSIAN = {
    Priority.IMMEDIATE: "НЕМЕДЛЕННО",
    Priority.VALUABLE: "ЦЕННАЯ",
    Priority.NORMAL: "ОБЫЧНАЯ",
    Priority.LOW: "МАЛОЦЕННАЯ",
    Priority.INSIGNIFICANT: "НЕЗНАЧИТЕЛЬНО",
}
_ALIASES = {
    Priority.IMMEDIATE: ("немедленная",),
    Priority.VALUABLE: (),
    Priority.NORMAL: (),
    Priority.LOW: ("low_value", "lowvalue"),
    Priority.INSIGNIFICANT: ("незначительная",),
}


class Status(str, Enum):
    """Where a task stands. ``pool`` is the regulation's unsorted pool (R-POOL-1)."""

    POOL = "pool"
    IN_PROGRESS = "in_progress"
    WAITING_CLIENT = "waiting_client"
    HANDED_OFF = "handed_off"
    NEEDS_AGREEMENT = "needs_agreement"
    DONE = "done"

    @property
    def is_open(self) -> bool:
        """Still the duty group's: in the pool snapshot. Handed-off tasks are the manager's (R-WORK-3)."""
        return self not in (Status.DONE, Status.HANDED_OFF)

    @property
    def blocks_lower_priorities(self) -> bool:
        """R-POOL-3. A task out of contract scope is not started until agreed, so it holds nothing back."""
        return self.is_open and self is not Status.NEEDS_AGREEMENT


class Channel(str, Enum):
    """How a request reached the studio (R-IN-1, R-IN-3)."""

    EMAIL = "email"
    PHONE = "phone"
    OTHER = "other"
