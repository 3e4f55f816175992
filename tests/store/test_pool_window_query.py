"""The pool window's SQL agrees with the domain's R-POOL-3 rule, and walks the pool-order index."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, text
from sqlmodel import select

from dutydesk.domain.pool import PoolItem, blocked_by
from dutydesk.domain.priority import Priority, Status
from dutydesk.store import models
from dutydesk.store.engine import make_engine
from dutydesk.store.migrate import upgrade
from dutydesk.store.models import Client, Project, Task
from dutydesk.store.pool_queries import OPEN_STATUSES, blocked_by_column

START = datetime(2026, 11, 1, 6, 0, tzinfo=timezone.utc)


def test_the_partial_index_covers_exactly_the_open_statuses() -> None:
    assert models._OPEN_SQL == "status IN (" + ", ".join(f"'{s}'" for s in OPEN_STATUSES) + ")"


def test_sql_blocked_by_equals_the_domain_rule_on_random_pools(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    rnd = random.Random(3)
    rows = []
    for n in range(600):
        rows.append({"number": n, "key": f"SUP-{n}", "subject": "s", "channel": "email", "verdict": "{}", "version": 1,
                     "project_id": rnd.choice([None, "p1", "p2", "p3", "p4"]), "priority_order": rnd.randint(0, 5),
                     "status": rnd.choice([s.value for s in Status]),
                     "received_at": START + timedelta(minutes=rnd.randint(0, 5000)),
                     "created_at": START, "updated_at": START})
    with engine.begin() as conn:
        conn.execute(insert(Client), [{"id": "c", "name": "c"}])
        conn.execute(insert(Project), [{"id": f"p{i}", "client_id": "c", "name": f"p{i}"} for i in range(1, 5)])
        conn.execute(insert(Task), rows)
    items = [PoolItem(r["key"], r["project_id"], Priority(r["priority_order"]) if r["priority_order"] else None,
                      Status(r["status"]), r["received_at"], r["number"]) for r in rows]
    expected = blocked_by(items)
    with engine.connect() as conn:
        got = {k: b for k, b in conn.execute(select(Task.key, blocked_by_column())) if b is not None}
    assert got == expected and len(expected) > 50


def test_sqlite_walks_the_index_instead_of_sorting_the_open_pool(tmp_path) -> None:
    engine = make_engine(str(tmp_path / "q.sqlite"))
    upgrade(engine)
    from dutydesk.store.pool_queries import is_open

    query = (select(Task.key).where(is_open()).order_by(Task.priority_order, Task.received_at, Task.number).limit(200))
    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        plan = " ".join(str(row) for row in conn.execute(text("EXPLAIN QUERY PLAN " + sql)))
    assert "ix_task_open_order" in plan and "TEMP B-TREE" not in plan


def test_the_waiting_index_states_exactly_the_pauses_query_condition() -> None:
    from dutydesk.services.clocks import WAITING_EVENTS_SQL

    assert models._WAITING_SQL == WAITING_EVENTS_SQL


def test_sqlite_reads_pauses_from_the_waiting_index_alone(tmp_path) -> None:
    """R-WORK-1 pauses for a pool window: an index-only probe per task, not each task's whole trail."""
    engine = make_engine(str(tmp_path / "q.sqlite"))
    upgrade(engine)
    from dutydesk.services.clocks import WAITING_EVENTS_SQL

    sql = (f"SELECT task_id, at, after FROM audit_event WHERE {WAITING_EVENTS_SQL} "
           "AND task_id IN (1, 2, 3) ORDER BY task_id, at, id")
    with engine.connect() as conn:
        plan = " ".join(str(row) for row in conn.execute(text("EXPLAIN QUERY PLAN " + sql)))
    assert "COVERING INDEX ix_audit_waiting" in plan
