"""Pool snapshots rebuilt from the audit trail, on SQLite and PostgreSQL (issue 6).

One seeded working day (Tue 1 Dec 2026, 09:00–18:00 Moscow): an Immediate
task taken, a Valuable one blocked by it and split, a Normal one re-qualified
and escalated twice, an untriaged one breaching its reaction clock, one
waiting for the client, one done and one handed off. After 18:00 several are
changed; the 18:00 snapshot must still show them as they were.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import inspect, text
from sqlmodel import select

from dutydesk.errors import BadInput
from dutydesk.export import FORMATS, Snapshot, render
from dutydesk.services import lifecycle
from dutydesk.services.escalation import close_escalation, escalate
from dutydesk.services.intake import create_request
from dutydesk.services.pool import pool_listing
from dutydesk.services.registry import import_registry
from dutydesk.services.registry_schema import load_registry
from dutydesk.services.snapshot import (
    build_snapshot, export_snapshot, list_snapshots, moment_of, stored_snapshot, take_snapshot,
)
from dutydesk.store.models import AuditEvent
from dutydesk.store.snapshot_models import PoolSnapshot

MSK = ZoneInfo("Europe/Moscow")
DEMO = Path(__file__).resolve().parents[2] / "data" / "demo" / "registry.json"
EVENING = datetime(2026, 12, 1, 18, 0, tzinfo=MSK)


def t(text_: str) -> datetime:
    return datetime.fromisoformat(text_).replace(tzinfo=MSK)


def seed_day(desk, at) -> dict[str, str]:
    """The seeded day; returns role → task key."""
    import_registry(at(desk, "2026-11-30T09:00"), load_registry(DEMO), source="demo")
    keys: dict[str, str] = {}

    def new(role: str, when: str, project: str, sender: str, subject: str) -> str:
        view = create_request(at(desk, when), subject=subject, project_id=project, sender=sender,
                              received_at=t(when))
        keys[role] = view.key
        return view.key

    new("immediate", "2026-12-01T09:10", "acme-shop", "boss@acme.ru", "Не оформляется заказ: ошибка 500")
    lifecycle.set_priority(at(desk, "2026-12-01T09:15"), keys["immediate"], "immediate")
    lifecycle.take(at(desk, "2026-12-01T09:20"), keys["immediate"], staff="duty-1")
    new("valuable", "2026-12-01T09:30", "acme-shop", "boss@acme.ru", "Баннер «Чёрная пятница»")
    lifecycle.set_priority(at(desk, "2026-12-01T09:40"), keys["valuable"], "valuable")
    new("escalated", "2026-12-01T10:00", "acme-shop", "boss@acme.ru", "=HYPERLINK(\"http://x\") опечатка | <b>")
    lifecycle.set_priority(at(desk, "2026-12-01T10:05"), keys["escalated"], "normal")
    new("untriaged", "2026-12-01T11:00", "stroymash-site", "it@stroymash.ru", "Сайт не открывается")
    new("waiting", "2026-12-01T12:00", "vkusno-shop", "marketing@vkusno-bystro.ru", "Цены в меню")
    lifecycle.set_priority(at(desk, "2026-12-01T12:05"), keys["waiting"], "low")
    lifecycle.wait_for_client(at(desk, "2026-12-01T12:10"), keys["waiting"], question="Пришлите прайс")
    first = escalate(at(desk, "2026-12-01T13:00"), keys["escalated"], trigger="requalify", level=1)
    second = escalate(at(desk, "2026-12-01T14:00"), keys["escalated"], trigger="deadline", level=2,
                      deadline=t("2026-12-03T12:00"))
    keys["escalation-1"], keys["escalation-2"] = str(first.id), str(second.id)
    _parent, children = lifecycle.split(at(desk, "2026-12-01T14:30"), keys["valuable"],
                                        ["Подготовить баннер", "Разместить баннер"])
    keys["child-1"], keys["child-2"] = children[0].key, children[1].key
    new("done", "2026-12-01T15:00", "hotel-booking", "reception@hotel-volga.ru", "Бронь не приходит")
    lifecycle.set_priority(at(desk, "2026-12-01T15:05"), keys["done"], "normal")
    lifecycle.take(at(desk, "2026-12-01T15:10"), keys["done"], staff="duty-1")
    lifecycle.done(at(desk, "2026-12-01T16:00"), keys["done"])
    new("handed", "2026-12-01T16:30", "medcenter-site", "admin@zdorovie-med.ru", "Новый раздел сайта")
    lifecycle.hand_off(at(desk, "2026-12-01T17:00"), keys["handed"], reason="module")
    return keys


def change_after_evening(desk, at, keys: dict[str, str]) -> None:
    """What happens after the 18:00 snapshot: none of it may leak into it."""
    lifecycle.done(at(desk, "2026-12-01T18:30"), keys["immediate"])
    lifecycle.set_project(at(desk, "2026-12-01T18:45"), keys["escalated"], "acme-corp")
    lifecycle.set_priority(at(desk, "2026-12-01T18:50"), keys["untriaged"], "normal")
    lifecycle.take(at(desk, "2026-12-01T18:55"), keys["untriaged"], staff="duty-lead")
    lifecycle.resume(at(desk, "2026-12-01T19:00"), keys["waiting"])
    close_escalation(at(desk, "2026-12-01T19:05"), int(keys["escalation-2"]), outcome="agreed by phone")


@pytest.fixture
def seeded(make_desk, at):
    desk = make_desk(now="2026-12-01T19:30")
    keys = seed_day(desk, at)
    change_after_evening(desk, at, keys)
    return desk, keys


def by_key(snapshot: Snapshot) -> dict:
    return {row.key: row for row in snapshot.rows}


def test_the_evening_snapshot_shows_the_pool_as_it_was_not_as_it_is(seeded) -> None:
    desk, k = seeded
    rows = by_key(build_snapshot(desk, EVENING))
    assert set(rows) == {k["immediate"], k["valuable"], k["escalated"], k["untriaged"], k["waiting"],
                         k["child-1"], k["child-2"]}
    # changed after 18:00, shown as before
    assert rows[k["immediate"]].status == "in_progress" and rows[k["immediate"]].assignee == "duty-1"
    assert rows[k["escalated"]].project_id == "acme-shop"
    assert rows[k["escalated"]].project_name == "acme.ru — интернет-магазин"
    assert rows[k["untriaged"]].priority is None and rows[k["untriaged"]].status == "pool"
    assert rows[k["untriaged"]].assignee is None and rows[k["untriaged"]].breaches == ("reaction",)
    assert rows[k["waiting"]].status == "waiting_client"
    # the escalated one: re-qualified Normal → Valuable (R-ESC-1 c), highest open level 2 (R-ESC-3)
    assert rows[k["escalated"]].priority == "valuable" and rows[k["escalated"]].escalation_level == 2
    # the split one: children carry the parent and its priority (R-WORK-2)
    assert rows[k["child-1"]].parent == k["valuable"] and rows[k["child-1"]].priority == "valuable"
    # R-POOL-3: Valuable tasks of acme-shop wait for its open Immediate one
    assert rows[k["valuable"]].blocked_by == k["immediate"]
    assert rows[k["immediate"]].due == t("2026-12-01T18:00") and rows[k["immediate"]].breaches == ()
    assert rows[k["untriaged"]].reaction_due == t("2026-12-01T12:00")
    assert rows[k["untriaged"]].age_hours == 7.0


def test_the_current_snapshot_shows_the_changes(seeded) -> None:
    desk, k = seeded
    rows = by_key(build_snapshot(desk, desk.now()))
    assert k["immediate"] not in rows
    assert rows[k["escalated"]].project_id == "acme-corp" and rows[k["escalated"]].escalation_level == 1
    assert rows[k["untriaged"]].priority == "normal" and rows[k["untriaged"]].assignee == "duty-lead"
    assert rows[k["waiting"]].status == "pool"
    assert rows[k["valuable"]].blocked_by is None


def test_rebuilt_now_agrees_with_the_live_pool(seeded) -> None:
    """The rebuild from the trail and the pool from the current rows are the same pool."""
    desk, _k = seeded
    snapshot = build_snapshot(desk, desk.now())
    live = pool_listing(desk)
    assert [r.key for r in snapshot.rows] == [r.key for r in live.rows]
    for mine, theirs in zip(snapshot.rows, live.rows):
        c = theirs.clocks
        assert mine.status == theirs.status and mine.assignee == theirs.assignee
        assert mine.priority == (theirs.priority.slug if theirs.priority else None)
        assert mine.project_id == theirs.project_id and mine.client_id == theirs.client_id
        assert mine.blocked_by == theirs.blocked_by and mine.breaches == theirs.breaches
        assert mine.received_at == theirs.received_at
        assert mine.reaction_due == (c.reaction.due_at if c.reaction else None)
        assert mine.start_due == (c.start.due_at if c.start else None)
        assert mine.due == (c.due.due_at if c.due else None)
    pool_keys = set(live.rows[0].to_json())
    assert pool_keys <= set(snapshot.to_json()["tasks"][0])


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_is_deterministic_and_carries_the_moment(seeded, fmt: str, tmp_path: Path) -> None:
    desk, k = seeded
    first = export_snapshot(desk, at=EVENING, fmt=fmt, path=tmp_path / f"a.{fmt}")
    second = export_snapshot(desk, at=EVENING, fmt=fmt, path=tmp_path / f"b.{fmt}")
    assert Path(first).read_bytes() == Path(second).read_bytes()
    if fmt != "xlsx":
        body = Path(first).read_text(encoding="utf-8-sig")
        assert k["untriaged"] in body and "2026-12-01" in body and k["done"] not in body


def test_json_is_the_pool_json_plus_the_snapshot_columns(seeded) -> None:
    desk, k = seeded
    data = json.loads(export_snapshot(desk, at=EVENING, fmt="json"))  # type: ignore[arg-type]
    assert data["at"] == "2026-12-01T18:00:00+03:00" and data["timezone"] == "Europe/Moscow"
    task = next(x for x in data["tasks"] if x["key"] == k["escalated"])
    assert task["priority"] == "valuable" and task["priority_en"] == "Valuable" and task["priority_ru"] == "ЦЕННАЯ"
    assert task["escalation_level"] == 2 and task["snapshot_at"] == data["at"]
    assert task["project"] == {"id": "acme-shop", "name": "acme.ru — интернет-магазин"}
    assert Snapshot.from_json(data) == build_snapshot(desk, EVENING)


def test_a_change_at_the_very_moment_is_in_the_snapshot(make_desk, at) -> None:
    """``at <= moment``: what was done at 18:00:00 sharp is part of the 18:00 snapshot."""
    desk = make_desk(now="2026-12-01T19:00")
    import_registry(at(desk, "2026-11-30T09:00"), load_registry(DEMO), source="demo")
    key = create_request(at(desk, "2026-12-01T10:00"), subject="x", project_id="acme-shop").key
    lifecycle.set_priority(at(desk, "2026-12-01T18:00"), key, "low")
    assert by_key(build_snapshot(desk, EVENING))[key].priority == "low"
    assert by_key(build_snapshot(desk, t("2026-12-01T17:59:59.999999")))[key].priority is None


def test_a_day_means_the_end_of_its_working_window_and_the_future_is_refused(seeded) -> None:
    desk, _k = seeded
    assert moment_of(desk, day=date(2026, 12, 1)) == EVENING
    assert moment_of(desk, day=date(2026, 11, 28)) == t("2026-11-28T23:59:59.999999")  # a Saturday
    with pytest.raises(BadInput, match="future"):
        moment_of(desk, at=t("2026-12-02T10:00"))
    with pytest.raises(BadInput, match="not both"):
        moment_of(desk, at=EVENING, day=date(2026, 12, 1))
    with pytest.raises(BadInput, match="has not come"):
        moment_of(desk, day=date(2026, 12, 2))


def test_an_early_date_today_stops_at_now(make_desk) -> None:
    desk = make_desk(now="2026-12-01T15:00")
    assert moment_of(desk, day=date(2026, 12, 1)) == t("2026-12-01T15:00")


def test_take_stores_the_day_once_and_writes_every_format(seeded, tmp_path: Path) -> None:
    desk, _k = seeded
    folder = tmp_path / "snaps"
    result = take_snapshot(desk, folder=folder)
    assert result.outcome == "stored" and result.snapshot is not None
    assert result.snapshot.at == EVENING and result.snapshot.tasks == 7
    names = sorted(p.name for p in folder.iterdir())
    assert names == [f"pool-2026-12-01.{f}" for f in sorted(FORMATS)]
    csv_bytes = (folder / "pool-2026-12-01.csv").read_bytes()
    assert csv_bytes.startswith("\ufeff".encode()) and b";" in csv_bytes.splitlines()[0]
    again = take_snapshot(desk, folder=folder)
    assert again.outcome == "kept" and again.snapshot == result.snapshot
    (folder / "pool-2026-12-01.md").unlink()
    take_snapshot(desk, folder=folder)
    assert (folder / "pool-2026-12-01.md").exists()
    assert [s.day for s in list_snapshots(desk)] == [date(2026, 12, 1)]
    stored = stored_snapshot(desk, date(2026, 12, 1))
    assert stored == build_snapshot(desk, EVENING)
    assert (folder / "pool-2026-12-01.json").read_bytes() == render(stored, "json")  # type: ignore[arg-type]
    with desk.read() as session:
        trail = session.exec(select(AuditEvent).where(AuditEvent.entity == "snapshot")).all()
    assert {e.action for e in trail} == {"snapshot.take"} and trail[0].entity_id == "2026-12-01"


def test_an_early_snapshot_is_replaced_after_the_day_ends_then_kept(make_desk, at, tmp_path: Path) -> None:
    desk = make_desk(now="2026-12-01T19:30")
    keys = seed_day(desk, at)
    early = take_snapshot(at(desk, "2026-12-01T12:30"), folder=tmp_path)
    assert early.outcome == "stored" and early.snapshot.at == t("2026-12-01T12:30")  # type: ignore[union-attr]
    change_after_evening(desk, at, keys)
    late = take_snapshot(desk, folder=tmp_path)
    assert late.outcome == "replaced" and late.snapshot.at == EVENING  # type: ignore[union-attr]
    assert take_snapshot(desk, folder=tmp_path).outcome == "kept"
    assert len(list_snapshots(desk)) == 1


def test_a_past_day_can_be_taken_and_a_day_off_skipped(seeded, tmp_path: Path) -> None:
    desk, _k = seeded
    past = take_snapshot(desk, day=date(2026, 11, 30), folder=tmp_path)
    assert past.outcome == "stored" and past.snapshot.tasks == 0  # type: ignore[union-attr]
    saturday = take_snapshot(desk, day=date(2026, 11, 28), if_working_day=True, folder=tmp_path)
    assert saturday.outcome == "skipped" and "not a working day" in (saturday.reason or "")
    assert [s.day for s in list_snapshots(desk)] == [date(2026, 11, 30)]


def test_export_of_a_stored_day_uses_the_stored_copy(seeded, tmp_path: Path) -> None:
    desk, k = seeded
    take_snapshot(desk, folder=tmp_path)
    with desk.write() as session:  # the registry renames the project later; the stored day keeps its name
        session.execute(text("update project set name = 'renamed' where id = 'acme-shop'"))
    stored = export_snapshot(desk, at=date(2026, 12, 1), fmt="md")
    rebuilt = export_snapshot(desk, at=EVENING, fmt="md")
    assert "acme.ru — интернет\\-магазин" in stored or "acme.ru — интернет-магазин" in stored  # type: ignore[operator]
    assert "renamed" in rebuilt and "renamed" not in stored  # type: ignore[operator]
    by_id = export_snapshot(desk, snapshot_id=list_snapshots(desk)[0].id, fmt="md")
    assert by_id == stored
    xlsx = export_snapshot(desk, at=date(2026, 12, 1), fmt="xlsx")
    assert isinstance(xlsx, Path) and xlsx.name == "pool-2026-12-01.xlsx"


def test_unknown_format_and_excel_flavour_are_checked(desk) -> None:
    with pytest.raises(BadInput, match="unknown format"):
        export_snapshot(desk, fmt="pdf")
    with pytest.raises(BadInput, match="CSV flavour"):
        export_snapshot(desk, fmt="json", excel=True)


def test_the_rebuild_reads_the_trail_in_a_fixed_number_of_queries(tmp_path: Path, settings, at) -> None:
    """One pass over the events, not a query per task: 3 tasks or 30, the same statements.
    The same holds for the snapshot read from the current rows (``build_snapshot`` at now).

    SQLite only: statements are counted with sqlite3's trace callback."""
    from sqlalchemy import event

    from dutydesk.clock import Clock, parse_moment
    from dutydesk.services.desk import open_desk
    from dutydesk.services.pool_snapshot import pool_at

    desk = open_desk(str(tmp_path / "trace.sqlite"), settings, Clock(parse_moment("2026-12-01T19:30", settings.tz)),
                     "duty-lead")
    import_registry(at(desk, "2026-11-30T09:00"), load_registry(DEMO), source="demo")
    seen: list[str] = []
    desk.engine.dispose()
    event.listen(desk.engine, "connect", lambda dbapi, _record: dbapi.set_trace_callback(seen.append))

    def rebuild() -> None:
        with desk.read() as session:
            pool_at(session, desk.now(), desk.calendar, desk.settings.timezone)

    def statements(build) -> int:
        seen.clear()
        build()
        return sum(1 for s in seen if s.lstrip().upper().startswith("SELECT"))

    for i in range(3):
        create_request(at(desk, f"2026-12-01T10:0{i}"), subject=f"r{i}", project_id="acme-shop")
    few = statements(rebuild), statements(lambda: build_snapshot(desk, desk.now()))
    for i in range(27):
        view = create_request(at(desk, "2026-12-01T11:00"), subject=f"more {i}", project_id="acme-corp")
        lifecycle.set_priority(at(desk, "2026-12-01T11:05"), view.key, "low")
    assert len(build_snapshot(desk, desk.now()).rows) == 30
    assert 0 < few[0] == statements(rebuild) <= 6
    assert 0 < few[1] == statements(lambda: build_snapshot(desk, desk.now())) <= 6


def test_migration_0002_adds_the_table_on_both_back_ends_and_matches_the_model(db_url: str) -> None:
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    from dutydesk.store.engine import make_engine
    from dutydesk.store.migrate import _config, current_revision, upgrade

    engine = make_engine(db_url)
    if current_revision(engine) is None:
        upgrade(engine, "0001")
    else:  # the PostgreSQL test database is cloned from a template already at head
        with engine.begin() as conn:
            command.downgrade(_config(conn), "0001")
    assert "pool_snapshot" not in inspect(engine).get_table_names()
    upgrade(engine, "0002")
    assert current_revision(engine) == "0002"
    assert "pool_snapshot" in inspect(engine).get_table_names()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert [d for d in diff if "pool_snapshot" in repr(d)] == []
    with engine.begin() as conn:
        command.downgrade(_config(conn), "0001")
    assert "pool_snapshot" not in inspect(engine).get_table_names()
    upgrade(engine)  # and on to whatever head is now
    assert PoolSnapshot.__tablename__ in inspect(engine).get_table_names()
    engine.dispose()
