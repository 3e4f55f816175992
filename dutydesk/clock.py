"""The one place that knows what time it is.

Deadlines and escalations are functions of "now", so every command takes
``--now`` (or ``DUTYDESK_NOW``) and everything else asks a :class:`Clock`
for the moment instead of reading the system time itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from dateutil import parser as date_parser

from dutydesk.errors import DutydeskError

NOW_ENV = "DUTYDESK_NOW"


class BadMoment(DutydeskError, ValueError):
    """A --now / DUTYDESK_NOW / --at value that is not a date-time."""


def parse_moment(text: str, tz: ZoneInfo) -> datetime:
    """ISO 8601 (or anything dateutil reads); a moment without offset is in the studio's zone."""
    try:
        parsed = date_parser.isoparse(text.strip())
    except (ValueError, OverflowError):
        try:
            parsed = date_parser.parse(text.strip(), dayfirst=True)
        except (ValueError, OverflowError) as exc:
            raise BadMoment(f"not a date-time: {text!r} (use ISO 8601, e.g. 2026-12-01T10:30)") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed


@dataclass(frozen=True)
class Clock:
    """A source of "now": frozen when the user gave one, the system clock otherwise."""

    frozen_at: datetime | None = None

    def now(self) -> datetime:
        if self.frozen_at is not None:
            return self.frozen_at
        return datetime.now(timezone.utc)

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


def clock_from(now_option: str | None, tz: ZoneInfo) -> Clock:
    """``--now`` wins over ``DUTYDESK_NOW``; neither means the real time."""
    text = now_option or os.environ.get(NOW_ENV) or None
    if text is None:
        return Clock()
    return Clock(parse_moment(text, tz))


def utcnow() -> datetime:
    """The real time, for the rare reader that must not be frozen (file names of backups)."""
    return datetime.now(timezone.utc)
