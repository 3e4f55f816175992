"""The working timeline: working time as one line of integers, so that adding and measuring it is
arithmetic plus a bisect (the SLA clocks of a whole pool are recomputed on every refresh).

Instants are epoch microseconds; a *position* is the working time since the
timeline's origin; pauses (R-WORK-1) become merged spans of positions.
``WorkingCalendar`` builds the windows from the calendar and keeps the
dates and reasons; this module only counts.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from itertools import accumulate

__all__ = ["US_PER_MINUTE", "Timeline", "counted", "paused_spans", "spend", "to_us"]

US_PER_MINUTE = 60_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ONE_US = timedelta(microseconds=1)


class Timeline:
    """Working windows of consecutive years, as epoch microseconds.

    ``cum[k]`` is the working time before window ``k``; a *position* is the
    working time since the timeline's origin. Immutable once built, so a
    call that holds one stays consistent while another thread extends it.
    """

    __slots__ = ("first_year", "last_year", "lo_us", "hi_us", "dates", "starts", "ends", "lens", "cum", "cum_end")

    def __init__(self, first_year: int, last_year: int, lo_us: int, hi_us: int,
                 windows: Sequence[tuple[date, int, int]]) -> None:
        self.first_year, self.last_year, self.lo_us, self.hi_us = first_year, last_year, lo_us, hi_us
        self.dates = [w[0] for w in windows]
        self.starts = [w[1] for w in windows]
        self.ends = [w[2] for w in windows]
        self.lens = [w[2] - w[1] for w in windows]
        self.cum_end = list(accumulate(self.lens))
        self.cum = [end - length for end, length in zip(self.cum_end, self.lens)]

    def pos(self, us: int) -> int:
        k = bisect_right(self.starts, us) - 1
        if k < 0:
            return 0
        into, length = us - self.starts[k], self.lens[k]
        return self.cum[k] + (into if into < length else length)  # not min(): called per clock per refresh

    def instant(self, p: int) -> int:
        """The earliest instant at position ``p``: a day's end, not the next day's start."""
        k = bisect_left(self.cum_end, p)
        return self.starts[k] + (p - self.cum[k])


def paused_spans(tl: Timeline, bounds: Sequence[tuple[int, int | None]]) -> list[tuple[int, float]]:
    """Pauses as merged, sorted position intervals; an open pause ends at +inf."""
    spans = sorted(
        (tl.pos(s), float("inf") if e is None else tl.pos(e)) for s, e in bounds if e is None or e > s
    )
    merged: list[tuple[int, float]] = []
    for s, e in spans:
        if e <= s:
            continue  # a pause wholly outside working time stops nothing
        if merged and s <= merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def spend(p: int, budget: int, spans: Sequence[tuple[int, float]]) -> int | None:
    """Walk ``budget`` forward from position ``p``, jumping over paused spans; ``None`` if an open one stops it."""
    for s, e in spans:
        if e <= p:
            continue
        if s > p:
            if budget <= s - p:
                break
            budget -= s - p
        if e == float("inf"):
            return None
        p = int(e)
    return p + budget


def counted(pa: int, pb: int, spans: Sequence[tuple[int, float]]) -> int:
    """Signed working time between two positions, less the paused spans."""
    lo, hi = (pa, pb) if pa <= pb else (pb, pa)
    total = hi - lo
    for s, e in spans:
        overlap = min(e, hi) - max(s, lo)
        if overlap > 0:
            total -= int(overlap)
    return total if pa <= pb else -total


def to_us(dt: datetime) -> int:
    """Epoch microseconds, exactly; naive datetimes are refused, not guessed."""
    try:
        return (dt - _EPOCH) // _ONE_US
    except TypeError:
        raise ValueError(f"a timezone-aware datetime is required, got {dt!r}") from None
