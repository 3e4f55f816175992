"""R-POOL-1..3: order of work, per-project blocking, and "take next"."""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta

import pytest

from dutydesk.domain.pool import PoolItem, blocked_by, next_to_take, pool_order, pool_sort_key
from dutydesk.domain.priority import Priority, Status

T0 = datetime(2024, 5, 15, 9, 0)
P = Priority
S = Status


def task(n, priority=P.NORMAL, project="p1", status=S.POOL, minutes=None):
    """SUP-n received n minutes after T0 unless told otherwise."""
    return PoolItem(
        key=f"SUP-{n}",
        project_id=project,
        priority=priority,
        status=status,
        received_at=T0 + timedelta(minutes=n if minutes is None else minutes),
        number=n,
    )


def keys(items):
    return [i.key for i in items]


# --- R-POOL-2 ---------------------------------------------------------------


def test_r_pool_2_untriaged_first_then_priorities_in_order():
    items = [task(1, P.INSIGNIFICANT), task(2, P.LOW), task(3, P.NORMAL), task(4, P.VALUABLE), task(5, P.IMMEDIATE), task(6, None)]
    assert keys(pool_order(items)) == ["SUP-6", "SUP-5", "SUP-4", "SUP-3", "SUP-2", "SUP-1"]


def test_r_pool_3_within_one_priority_older_first_then_number():
    items = [task(3, minutes=0), task(2, minutes=5), task(1, minutes=0)]
    assert keys(sorted(items, key=pool_sort_key)) == ["SUP-1", "SUP-3", "SUP-2"]


# --- R-POOL-3: blocking -----------------------------------------------------


def test_r_pool_3_lower_priority_blocked_by_higher_in_same_project():
    assert blocked_by([task(1, P.VALUABLE), task(2, P.NORMAL)]) == {"SUP-2": "SUP-1"}


def test_r_pool_3_blocking_across_every_pair_of_levels():
    items = [task(n, p) for n, p in enumerate(Priority, start=1)]
    assert blocked_by(items) == {"SUP-2": "SUP-1", "SUP-3": "SUP-1", "SUP-4": "SUP-1", "SUP-5": "SUP-1"}


def test_r_pool_3_other_projects_never_block():
    assert blocked_by([task(1, P.IMMEDIATE, project="p1"), task(2, P.LOW, project="p2")]) == {}


def test_r_pool_3_same_priority_never_blocks():
    assert blocked_by([task(1, P.NORMAL), task(2, P.NORMAL)]) == {}


def test_r_pool_3_names_oldest_blocker_across_higher_priorities():
    items = [task(5, P.IMMEDIATE), task(3, P.VALUABLE), task(4, P.VALUABLE), task(9, P.NORMAL)]
    assert blocked_by(items)["SUP-9"] == "SUP-3"
    # A Valuable task is blocked only by the Immediate one.
    assert blocked_by(items)["SUP-3"] == "SUP-5"


def test_r_pool_3_oldest_blocker_tie_on_time_goes_to_lower_number():
    items = [task(7, P.VALUABLE, minutes=0), task(6, P.IMMEDIATE, minutes=0), task(9, P.LOW)]
    assert blocked_by(items)["SUP-9"] == "SUP-6"


@pytest.mark.parametrize("status", [S.DONE, S.HANDED_OFF, S.NEEDS_AGREEMENT])
def test_r_pool_3_closed_handed_off_and_out_of_scope_never_block(status):
    assert blocked_by([task(1, P.IMMEDIATE, status=status), task(2, P.LOW)]) == {}


@pytest.mark.parametrize("status", [S.POOL, S.IN_PROGRESS, S.WAITING_CLIENT])
def test_r_pool_3_open_statuses_block(status):
    assert blocked_by([task(1, P.VALUABLE, status=status), task(2, P.LOW)]) == {"SUP-2": "SUP-1"}


def test_r_pool_3_closed_tasks_are_not_reported_blocked():
    items = [task(1, P.VALUABLE), task(2, P.LOW, status=S.DONE), task(3, P.LOW, status=S.HANDED_OFF)]
    assert blocked_by(items) == {}


def test_r_pool_3_no_project_or_no_priority_neither_blocks_nor_is_blocked():
    items = [task(1, P.IMMEDIATE, project=None), task(2, None), task(3, P.LOW), task(4, P.LOW, project=None)]
    assert blocked_by(items) == {}
    assert blocked_by([task(1, P.IMMEDIATE), task(2, None)]) == {}


def test_r_pool_3_blocked_by_matches_brute_force():
    rng = random.Random(7)
    statuses = list(Status)
    items = [
        task(n, rng.choice([None, *Priority]), rng.choice(["a", "b", "c", None]), rng.choice(statuses), rng.randint(0, 50))
        for n in range(1, 300)
    ]

    def brute(t):
        if t.project_id is None or t.priority is None or not t.status.is_open:
            return None
        blockers = [
            o for o in items
            if o.project_id == t.project_id and o.priority is not None and o.priority < t.priority
            and o.status.blocks_lower_priorities
        ]
        return min(blockers, key=lambda o: (o.received_at, o.number)).key if blockers else None

    expected = {t.key: b for t in items if (b := brute(t)) is not None}
    assert blocked_by(items) == expected


def test_r_pool_3_blocked_by_is_fast_on_20k_tasks():
    rng = random.Random(1)
    items = [task(n, rng.choice(list(Priority)), f"p{rng.randrange(2000)}", minutes=rng.randrange(10**5)) for n in range(20_000)]
    start = time.perf_counter()
    blocked_by(items)
    next_to_take(items)
    assert time.perf_counter() - start < 1.0


# --- R-POOL-3: take next ----------------------------------------------------


def test_r_pool_3_next_to_take_skips_blocked():
    items = [task(1, P.VALUABLE, status=S.IN_PROGRESS), task(2, P.NORMAL), task(3, P.LOW, project="p2")]
    assert next_to_take(items).key == "SUP-3"


def test_r_pool_3_next_to_take_skips_untriaged():
    assert next_to_take([task(1, None), task(2, P.LOW)]).key == "SUP-2"


def test_r_pool_1_next_to_take_only_from_pool_status():
    items = [task(1, P.IMMEDIATE, status=S.IN_PROGRESS, project="a"), task(2, P.IMMEDIATE, status=S.WAITING_CLIENT, project="b")]
    assert next_to_take(items) is None
    assert next_to_take(items + [task(3, P.INSIGNIFICANT, project="c")]).key == "SUP-3"


def test_r_pool_2_next_to_take_highest_priority_then_oldest():
    items = [task(1, P.NORMAL, project="a"), task(3, P.VALUABLE, project="b"), task(2, P.VALUABLE, project="c")]
    assert next_to_take(items).key == "SUP-2"


def test_next_to_take_empty_pool():
    assert next_to_take([]) is None
