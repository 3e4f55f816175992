"""The snapshot read from the current rows is the rebuilt one, byte for byte (issue 6).

``build_snapshot`` reads the pool from the task rows (``pool_from_rows``) and
replays from the trail only the tasks changed after the moment, or, past
``REPLAY_LIMIT`` later events, rebuilds everything (``pool_snapshot.pool_at``).
Random desks are driven through the services (so rows and trail are what
the desk itself writes) and the two answers compared at many moments, in
every format, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from dutydesk.clock import Clock
from dutydesk.errors import DutydeskError
from dutydesk.export import FORMATS, Snapshot, render
from dutydesk.services import lifecycle, pool_snapshot
from dutydesk.services import snapshot as snapshots
from dutydesk.services.escalation import close_escalation, escalate
from dutydesk.services.intake import create_request
from dutydesk.services.registry import import_registry
from dutydesk.services.registry_schema import load_registry
from dutydesk.services.snapshot import build_snapshot, export_snapshot, pool_from_rows
from dutydesk.store.models import AuditEvent, Escalation

MSK = ZoneInfo("Europe/Moscow")
DEMO = Path(__file__).resolve().parents[2] / "data" / "demo" / "registry.json"
START = datetime(2026, 11, 27, 8, 40, tzinfo=MSK)  # a Friday morning: the desk's life spans a weekend
PROJECTS = ("acme-shop", "acme-corp", "acme-shop", "stroymash-site", "vkusno-shop", "hotel-booking",
            "medcenter-site")
STAFF = ("duty-1", "duty-lead", "eng-morozova")
SUBJECTS = ("Не оформляется заказ", "=SUM(A1) в прайсе", "Баннер «Чёрная пятница»", "Сайт  не\tоткрывается",
            "<b>500</b> | ошибка", "-1 на складе", "Опечатка")


def desk_at(desk, moment: datetime, actor: str | None = None):
    return replace(desk, clock=Clock(moment), actor=actor or desk.actor)


def drive(desk, seed: int, steps: int) -> list[datetime]:
    """A random working life: tasks arrive, are triaged, taken, wait, escalate, close and reopen.

    Returns the moment of every step. Each step picks a task its action suits
    (by the status the desk last reported), so most steps happen; a refused
    one (R-POOL-3 blocking, say) is skipped, as the lead would be told no.
    """
    rnd = random.Random(seed)
    import_registry(desk_at(desk, START - timedelta(days=3)), load_registry(DEMO), source="demo")
    status: dict[str, str] = {}
    project: dict[str, str | None] = {}
    escalations: list[int] = []
    moments = []
    now = START

    def pick(*statuses: str) -> str:
        fitting = [k for k, st in status.items() if st in statuses]
        return rnd.choice(fitting or list(status))

    def seen(view) -> None:
        status[view.key], project[view.key] = view.status, view.project.id if view.project else None

    for _ in range(steps):
        now += timedelta(minutes=rnd.choice((1, 7, 25, 60, 200)), seconds=rnd.choice((0, 0, 13)))
        moments.append(now)
        d = desk_at(desk, now, rnd.choice(STAFF))
        op = rnd.random()
        try:
            if not status or op < 0.18:
                received = now - timedelta(minutes=rnd.choice((0, 0, 30, 900)))
                seen(create_request(d, subject=f"{rnd.choice(SUBJECTS)} {len(status)}",
                                    project_id=rnd.choice(PROJECTS), received_at=received))
            elif op < 0.30:
                level = rnd.choice(("immediate", "valuable", "normal", "low", "insignificant"))
                seen(lifecycle.set_priority(d, pick("pool", "in_progress", "waiting_client"), level))
            elif op < 0.42:
                seen(lifecycle.take(d, pick("pool"), staff=rnd.choice(STAFF),
                                    override="test" if rnd.random() < 0.5 else None))
            elif op < 0.51:
                seen(lifecycle.wait_for_client(d, pick("in_progress", "pool"), question="Пришлите доступ"))
            elif op < 0.58:
                seen(lifecycle.resume(d, pick("waiting_client")))
            elif op < 0.62:
                seen(lifecycle.release(d, pick("in_progress")))
            elif op < 0.68:
                seen(lifecycle.done(d, pick("in_progress", "waiting_client")))
            elif op < 0.71:
                seen(lifecycle.reopen(d, pick("done", "handed_off")))
            elif op < 0.74:
                seen(lifecycle.hand_off(d, pick("pool", "in_progress"), reason="module"))
            elif op < 0.76:
                seen(lifecycle.out_of_scope(d, pick("pool")))
            elif op < 0.78:
                seen(lifecycle.agree(d, pick("needs_agreement")))
            elif op < 0.81:
                acme = [k for k, pid in project.items() if pid in ("acme-shop", "acme-corp")] or list(status)
                key = rnd.choice(acme)
                seen(lifecycle.set_project(d, key, "acme-corp" if project[key] == "acme-shop" else "acme-shop"))
            elif op < 0.84:
                parent, children = lifecycle.split(d, pick("pool", "in_progress"),
                                                   ["часть 1", "часть 2"][:rnd.choice((1, 2))])
                for view in (parent, *children):
                    seen(view)
            elif op < 0.93:
                trigger = rnd.choice(("no-reaction", "immediate-overdue", "requalify", "deadline"))
                item = escalate(d, pick("pool", "in_progress", "waiting_client"), trigger=trigger,
                                level=rnd.choice((1, 2, 3)),
                                deadline=now + timedelta(days=2) if trigger == "deadline" else None)
                escalations.append(item.id)  # type: ignore[arg-type]
            elif escalations:
                close_escalation(d, escalations.pop(rnd.randrange(len(escalations))), outcome="решено")
        except DutydeskError:
            pass
    return moments


def rebuilt(desk, moment: datetime) -> Snapshot:
    with desk.read() as session:
        return pool_snapshot.pool_at(session, moment, desk.calendar, desk.settings.timezone)


def from_rows(desk, moment: datetime) -> Snapshot | None:
    with desk.read() as session:
        return pool_from_rows(session, moment, desk.calendar, desk.settings.timezone)


def assert_same(fast: Snapshot | None, slow: Snapshot) -> None:
    assert fast is not None
    assert fast == slow
    for fmt in FORMATS:
        assert render(fast, fmt) == render(slow, fmt), fmt
    assert render(fast, "csv", excel=True) == render(slow, "csv", excel=True)


def lived_desk(make_desk, seed: int, steps: int):
    """A desk driven for ``steps`` random steps, its clock just after the last one."""
    desk = make_desk(now=START)
    moments = drive(desk, seed=seed, steps=steps)
    return desk_at(desk, moments[-1] + timedelta(minutes=30)), moments


@pytest.fixture
def lived(make_desk):
    return lived_desk(make_desk, seed=6, steps=160)


def test_the_random_desk_has_what_the_comparison_must_cover(lived) -> None:
    """Guards the test itself: pauses, escalations, reassignment, re-prioritising and closing all happen."""
    desk, _moments = lived
    with desk.read() as session:
        actions = {e.action for e in session.exec(select(AuditEvent))}
        fields = {(e.action, e.field) for e in session.exec(select(AuditEvent))}
        escalations = session.exec(select(Escalation)).all()
    assert {"task.wait", "task.resume", "task.release", "task.take", "task.done", "task.reopen", "task.handoff",
            "task.priority", "task.project", "task.split", "task.scope", "escalation.open",
            "escalation.close"} <= actions
    assert ("task.escalation", "priority") in fields  # R-ESC-1 (c) re-qualified one
    assert any(e.closed_at is None for e in escalations) and any(e.closed_at for e in escalations)
    now = build_snapshot(desk, desk.now())
    assert any(r.status == "waiting_client" for r in now.rows)
    assert any(r.escalation_level for r in now.rows) and any(r.blocked_by for r in now.rows)
    assert any(r.parent for r in now.rows) and any(r.breaches for r in now.rows)


def test_now_is_read_from_the_rows_alone_and_equals_the_rebuild(lived, monkeypatch) -> None:
    desk, moments = lived
    expected = rebuilt(desk, desk.now())

    def no_replay(*_a, **_k):
        raise AssertionError("nothing changed after the moment: no task is replayed")

    monkeypatch.setattr(snapshots, "replay", no_replay)
    monkeypatch.setattr(snapshots, "pool_at", no_replay)
    assert_same(from_rows(desk, desk.now()), expected)
    assert_same(build_snapshot(desk, desk.now()), expected)
    # at the last step's own moment nothing is replayed either: a change at the moment is part of it
    assert_same(from_rows(desk, moments[-1]), rebuilt(desk, moments[-1]))


def test_every_past_moment_equals_the_rebuild(lived, monkeypatch) -> None:
    """Tasks changed after the moment are replayed; their rows (as they are now) must not leak in."""
    desk, moments = lived
    replayed: list[int] = []
    real = snapshots.replay

    def counting(session, moment, task_ids=None):
        replayed.append(len(task_ids or ()))
        return real(session, moment, task_ids)

    monkeypatch.setattr(snapshots, "replay", counting)
    rnd = random.Random(1)
    picks = [START - timedelta(hours=1), *rnd.sample(moments, 12),
             *(m - timedelta(seconds=1) for m in rnd.sample(moments, 6)), moments[len(moments) // 2]]
    for moment in picks:
        assert_same(from_rows(desk, moment), rebuilt(desk, moment))
    assert len(replayed) == len(picks) and min(replayed) > 0


def test_many_changes_after_the_moment_fall_back_to_the_rebuild(lived, monkeypatch, tmp_path: Path) -> None:
    desk, moments = lived
    moment = moments[40].astimezone(MSK)
    expected = rebuilt(desk, moment)
    monkeypatch.setattr(snapshots, "REPLAY_LIMIT", 3)
    assert from_rows(desk, moment) is None
    calls: list[datetime] = []
    real = snapshots.pool_at

    def spy(session, at, calendar, timezone_name):
        calls.append(at)
        return real(session, at, calendar, timezone_name)

    monkeypatch.setattr(snapshots, "pool_at", spy)
    for fmt in FORMATS:  # export --at in the past: the rebuild, the same bytes
        out = export_snapshot(desk, at=moment, fmt=fmt, path=tmp_path / f"pool.{fmt}")
        assert Path(out).read_bytes() == render(expected, fmt)
    assert calls == [moment] * len(FORMATS)
    calls.clear()
    build_snapshot(desk, desk.now())  # nothing after now: the rows, never the rebuild
    assert calls == []


def test_a_task_changed_after_the_moment_shows_as_it_was(make_desk, monkeypatch) -> None:
    """The rows say done, reassigned and re-prioritised; the 18:00 snapshot says otherwise.

    Only that task is replayed; the others come from their rows, clocks
    stopped by their pauses (R-WORK-1) as the trail has them.
    """
    desk = make_desk(now="2026-12-01T19:30")
    import_registry(desk_at(desk, START), load_registry(DEMO), source="demo")

    def at(text: str):
        return desk_at(desk, datetime.fromisoformat(text).replace(tzinfo=MSK))

    paused = create_request(at("2026-12-01T10:00"), subject="ждали час", project_id="hotel-booking").key
    lifecycle.set_priority(at("2026-12-01T10:01"), paused, "valuable")
    lifecycle.wait_for_client(at("2026-12-01T10:30"), paused, question="?")
    lifecycle.resume(at("2026-12-01T11:30"), paused)
    waiting = create_request(at("2026-12-01T10:02"), subject="ждём", project_id="vkusno-shop").key
    lifecycle.set_priority(at("2026-12-01T10:03"), waiting, "immediate")
    lifecycle.wait_for_client(at("2026-12-01T12:00"), waiting, question="?")
    moved = create_request(at("2026-12-01T10:05"), subject="меняется", project_id="acme-shop").key
    lifecycle.set_priority(at("2026-12-01T10:10"), moved, "normal")
    lifecycle.take(at("2026-12-01T10:20"), moved, staff="duty-1")
    lifecycle.wait_for_client(at("2026-12-01T11:00"), moved, question="?")
    esc = escalate(at("2026-12-01T12:00"), moved, trigger="requalify", level=2)
    lifecycle.resume(at("2026-12-01T18:10"), moved)
    close_escalation(at("2026-12-01T18:20"), esc.id, outcome="ok")  # type: ignore[arg-type]
    lifecycle.release(at("2026-12-01T18:30"), moved)
    lifecycle.take(at("2026-12-01T18:40"), moved, staff="duty-lead")
    lifecycle.done(at("2026-12-01T19:00"), moved)
    replayed: list = []
    real = snapshots.replay
    monkeypatch.setattr(snapshots, "replay", lambda s, m, ids=None: replayed.append(ids) or real(s, m, ids))
    evening = datetime(2026, 12, 1, 18, 0, tzinfo=MSK)
    fast = from_rows(desk, evening)
    assert_same(fast, rebuilt(desk, evening))
    with desk.read() as session:
        moved_id = session.exec(select(AuditEvent.task_id).where(AuditEvent.entity_id == moved)).first()
    assert replayed == [[moved_id]]
    rows = {r.key: r for r in fast.rows}  # type: ignore[union-attr]
    assert (rows[moved].status, rows[moved].assignee, rows[moved].priority,
            rows[moved].escalation_level) == ("waiting_client", "duty-1", "valuable", 2)
    # the hour waited pushes the start due (R-SLA-VAL) an hour; the open pause stops the Immediate due
    assert rows[paused].start_due == datetime(2026, 12, 3, 10, 0, tzinfo=MSK)
    assert rows[waiting].status == "waiting_client" and rows[waiting].due is None
    assert moved not in {r.key for r in build_snapshot(desk, desk.now()).rows}


@pytest.mark.parametrize("seed", [11, 29])
def test_other_random_desks_agree_at_every_step(make_desk, seed: int) -> None:
    desk, moments = lived_desk(make_desk, seed=seed, steps=90)
    for moment in moments[::9] + [desk.now()]:
        assert_same(from_rows(desk, moment), rebuilt(desk, moment))
