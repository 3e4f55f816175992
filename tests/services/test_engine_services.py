"""The regulation engine through its services, on SQLite and PostgreSQL, with a frozen clock."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from dutydesk.domain.priority import Priority, Status
from dutydesk.errors import Refused, StaleWrite
from dutydesk.services import lifecycle
from dutydesk.services.claims import take_next
from dutydesk.services.escalation import close_escalation, escalate, escalation_board, find_tasks
from dutydesk.services.intake import create_request
from dutydesk.services.pool import pool_listing
from dutydesk.services.registry import import_registry
from dutydesk.services.registry_schema import parse_registry
from dutydesk.services.task_detail import task_detail
from dutydesk.store.models import AuditEvent, Message

from registry_seed import REGISTRY, seed


@pytest.fixture
def lead(desk):
    seed(desk)
    return desk


def new(desk, subject="s", sender="boss@acme.ru", project="acme-shop", at=None):
    return create_request(desk, subject=subject, sender=sender, project_id=project, received_at=at)


def test_r_tri_1_task_records_the_verdict_and_client(lead) -> None:
    view = create_request(lead, subject="Сайт лежит", sender="Boss@ACME.ru")
    assert view.verdict["rule"] == "R-ELIG-1" and view.verdict["eligible"] is True
    assert view.client.id == "acme" and view.project is None  # two projects: the lead chooses
    assert view.priority is None  # untriaged: stands at the top of the pool


def test_r_elig_4_unknown_sender_defaults_to_insignificant(lead) -> None:
    view = create_request(lead, subject="Сделайте сайт", sender="stranger@gmail.com")
    assert view.verdict["rule"] == "R-ELIG-4" and view.priority is Priority.INSIGNIFICANT
    assert view.client is None


def test_r_elig_1_an_other_contract_does_not_make_eligible(lead) -> None:
    view = create_request(lead, subject="x", sender="office@liniya.ru")
    assert view.verdict["rule"] == "R-ELIG-4" and view.client.id == "lineya"
    assert view.project.id == "lineya-site"  # the client's only project


def test_r_elig_2_warranty_with_free_mail_address_matches_exactly(lead) -> None:
    view = create_request(lead, subject="x", sender="solo@gmail.com")
    assert view.verdict["rule"] == "R-ELIG-2" and view.project.id == "solo-site"


def test_verdict_does_not_change_when_the_registry_changes(lead) -> None:
    key = create_request(lead, subject="x", sender="boss@acme.ru").key
    changed = json.loads(json.dumps(REGISTRY))
    changed["clients"][0]["contracts"][0]["ends"] = "2025-12-31"
    import_registry(lead, parse_registry(changed, source="t"), source="t")
    assert task_detail(lead, key).task.verdict["rule"] == "R-ELIG-1"
    assert create_request(lead, subject="y", sender="boss@acme.ru").verdict["rule"] == "R-ELIG-4"


def test_r_elig_4_override_is_audited_with_its_reason(lead) -> None:
    key = create_request(lead, subject="x", sender="stranger@gmail.com").key
    view = lifecycle.override_eligibility(lead, key, reason="директор попросил")
    assert view.verdict["eligible"] is True and view.verdict["override"]["reason"] == "директор попросил"
    with pytest.raises(Refused, match="only an R-ELIG-4"):
        lifecycle.override_eligibility(lead, new(lead).key, reason="x")


def test_r_tri_3_priority_counts_as_the_reaction(lead, at) -> None:
    key = new(lead, at=lead.now()).key
    view = lifecycle.set_priority(at(lead, "2026-12-01T10:20"), key, "ценная")
    assert view.priority is Priority.VALUABLE
    detail = task_detail(at(lead, "2026-12-01T12:00"), key)
    assert detail.clocks.reaction.met_at is not None and not detail.clocks.reaction.breached
    events = [h for h in detail.history if h.field == "priority"]
    assert (events[0].before, events[0].after) == (None, "valuable")


def test_r_pool_3_take_refuses_a_blocked_task_and_names_the_blocker(lead) -> None:
    valuable = new(lead, "ценная").key
    normal = new(lead, "обычная").key
    lifecycle.set_priority(lead, valuable, 2)
    lifecycle.set_priority(lead, normal, 3)
    with pytest.raises(Refused, match=f"blocked by {valuable}"):
        lifecycle.take(lead, normal, staff="duty-1")
    other_project = new(lead, "другой проект", project="acme-corp").key
    lifecycle.set_priority(lead, other_project, 5)
    assert lifecycle.take(lead, other_project, staff="duty-1").status == "in_progress"
    taken = lifecycle.take(lead, normal, staff="duty-1", override="клиент на проводе")
    assert taken.status == "in_progress"
    with lead.read() as s:
        reasons = [e.reason for e in s.exec(select(AuditEvent).where(AuditEvent.action == "task.take"))]
    assert "override R-POOL-3: клиент на проводе" in reasons


def test_r_pool_3_take_next_picks_the_first_unblocked_by_the_rule(lead, at) -> None:
    t1 = new(lead, "normal old", at=lead.now() - timedelta(hours=3)).key
    t2 = new(lead, "valuable new", at=lead.now() - timedelta(hours=1)).key
    t3 = new(lead, "immediate other project", project="acme-corp").key
    untriaged = new(lead, "untriaged").key
    lifecycle.set_priority(lead, t1, 3)
    lifecycle.set_priority(lead, t2, 2)
    lifecycle.set_priority(lead, t3, 1)
    order = [take_next(lead, staff="duty-1").key for _ in range(2)]
    assert order == [t3, t2]
    # t1 is Normal and t2 (Valuable, same project) is still open, in progress: t1 stays blocked.
    with pytest.raises(Refused, match="nothing can be taken"):
        take_next(lead, staff="duty-1")
    assert untriaged not in order
    lifecycle.done(lead, t2)
    assert take_next(lead, staff="duty-1").key == t1


def test_pool_orders_untriaged_first_then_priority_then_age(lead) -> None:
    low = new(lead, "low", at=lead.now() - timedelta(hours=5)).key
    imm = new(lead, "imm", at=lead.now() - timedelta(hours=1)).key
    fresh = new(lead, "fresh").key
    lifecycle.set_priority(lead, low, 4)
    lifecycle.set_priority(lead, imm, 1)
    listing = pool_listing(lead)
    assert [r.key for r in listing.rows] == [fresh, imm, low]
    assert listing.rows[2].blocked_by == imm
    assert listing.to_json()["tasks"][1]["due"] is not None


def test_a_stale_write_is_refused_with_who_and_when(lead, at) -> None:
    key = new(lead).key
    seen = task_detail(lead, key).task.version
    lifecycle.set_priority(at(lead, "2026-12-01T10:05", actor="duty-2"), key, 2)
    with pytest.raises(StaleWrite, match=r"changed by duty-2 at 2026-12-01T10:05\+03:00"):
        lifecycle.set_priority(lead, key, 4, expected_version=seen)
    assert task_detail(lead, key).task.priority is Priority.VALUABLE


def test_a_second_take_tells_the_loser_who_took_it(lead, at) -> None:
    key = new(lead).key
    lifecycle.set_priority(lead, key, 3)
    lifecycle.take(at(lead, "2026-12-01T10:07", actor="duty-2"), key, staff="duty-2")
    with pytest.raises(StaleWrite, match=r"already taken by duty-2 at 2026-12-01T10:07"):
        lifecycle.take(lead, key, staff="duty-1")


def test_r_work_1_waiting_stops_the_clocks_and_queues_the_question(lead, at) -> None:
    key = new(lead, at=lead.now()).key  # received Tue 01.12 10:00
    lifecycle.set_priority(lead, key, 1)  # Immediate: due 18:00 the same day
    lifecycle.wait_for_client(at(lead, "2026-12-01T11:00"), key, question="Пришлите доступ к FTP")
    lifecycle.resume(at(lead, "2026-12-01T13:00"), key)
    detail = task_detail(at(lead, "2026-12-01T13:30"), key)
    assert detail.clocks.due.due_at == datetime.fromisoformat("2026-12-02T11:00:00+03:00")
    with lead.read() as s:
        question = s.exec(select(Message).where(Message.kind == "question")).one()
    assert question.recipients == "boss@acme.ru" and question.state == "queued"


def test_r_work_2_split_inherits_and_the_parent_waits_for_its_children(lead) -> None:
    parent = new(lead, "Большая задача").key
    lifecycle.set_priority(lead, parent, 2)
    _, children = lifecycle.split(lead, parent, ["Часть 1", "Часть 2"])
    assert [c.priority for c in children] == [Priority.VALUABLE] * 2
    assert {c.project.id for c in children} == {"acme-shop"} and children[0].parent == parent
    assert children[0].verdict["rule"] == "R-ELIG-1"
    lifecycle.take(lead, parent, staff="duty-1", override="split parent")
    with pytest.raises(Refused, match="2 subtasks are open"):
        lifecycle.done(lead, parent)


def test_r_work_3_hand_off_goes_to_the_project_manager(lead) -> None:
    key = new(lead).key
    view = lifecycle.hand_off(lead, key, reason="materials", note="25 новостей")
    assert view.status == "handed_off" and view.assignee == "mgr-ivanova"
    assert "публикация более 10 материалов" in view.note.lower() or "10" in view.note
    with pytest.raises(Refused, match="only reopen applies"):
        lifecycle.take(lead, key, staff="duty-1")


def test_task_project_is_set_at_triage_and_checked_against_the_client(lead) -> None:
    key = create_request(lead, subject="x", sender="boss@acme.ru").key
    assert lifecycle.set_project(lead, key, "acme-corp").project.id == "acme-corp"
    with pytest.raises(Refused, match="belongs to client solo"):
        lifecycle.set_project(lead, key, "solo-site")


def test_r_scope_1_out_of_contract_waits_for_agreement(lead) -> None:
    key = new(lead).key
    assert lifecycle.out_of_scope(lead, key, note="не по договору").status == "needs_agreement"
    with pytest.raises(Refused, match="R-SCOPE-1"):
        lifecycle.take(lead, key, staff="duty-1")
    assert lifecycle.agree(lead, key).status == "pool"


def test_every_service_leaves_audit_events_with_actor_and_time(lead, at) -> None:
    key = new(lead).key
    later = at(lead, "2026-12-01T11:00", actor="duty-2")
    lifecycle.set_priority(later, key, 3)
    lifecycle.take(later, key, staff="duty-2")
    lifecycle.wait_for_client(later, key, question="?")
    lifecycle.resume(later, key)
    lifecycle.done(later, key)
    lifecycle.reopen(later, key)
    with lead.read() as s:
        actions = {e.action for e in s.exec(select(AuditEvent).where(AuditEvent.actor == "duty-2"))}
        stamps = {e.at for e in s.exec(select(AuditEvent).where(AuditEvent.actor == "duty-2"))}
    assert {"task.priority", "task.take", "task.wait", "task.resume", "task.done", "task.reopen"} <= actions
    assert stamps == {later.now()}


def test_r_esc_1_a_no_reaction_is_detected_before_the_call(lead, at) -> None:
    key = new(lead, at=lead.now()).key  # 10:00, reaction due 11:00
    assert all(i.key != key for i in escalation_board(at(lead, "2026-12-01T11:00")))
    board = escalation_board(at(lead, "2026-12-01T11:01"))
    item = next(i for i in board if i.key == key)
    assert item.detected and item.trigger.cli == "no-reaction" and item.contact.name == "Анна Иванова"
    assert item.next_contact.role == "client_director"


def test_r_esc_1_b_immediate_overdue_is_detected(lead, at) -> None:
    key = new(lead, at=lead.now()).key
    lifecycle.set_priority(lead, key, 1)
    board = escalation_board(at(lead, "2026-12-01T18:01"))
    assert [i.trigger.cli for i in board if i.key == key] == ["immediate-overdue"]


def test_r_esc_1_c_requalify_raises_the_priority_and_d_stores_the_deadline(lead) -> None:
    key = new(lead).key
    lifecycle.set_priority(lead, key, 4)
    item = escalate(lead, key, trigger="requalify", level=2, note="клиент звонил")
    assert item.contact.name == "Михаил Кузнецов" and item.next_contact.name == "Елена Соколова"
    assert task_detail(lead, key).task.priority is Priority.NORMAL
    deadline = datetime.fromisoformat("2026-12-04T12:00:00+03:00")
    escalate(lead, key, trigger="deadline", level=1, deadline=deadline)
    assert task_detail(lead, key).task.fixed_deadline == deadline
    board = escalation_board(lead)
    assert {i.trigger.cli for i in board if i.key == key} == {"requalify", "deadline"}
    close_escalation(lead, item.id, outcome="согласовали")
    assert {i.trigger.cli for i in escalation_board(lead) if i.key == key} == {"deadline"}
    with pytest.raises(Refused, match="R-ESC-1\\(c\\)"):
        escalate(lead, new(lead).key, trigger="requalify", level=1)


def test_r_esc_4_find_by_the_time_the_mail_was_sent(lead) -> None:
    base = lead.now()
    keys = [new(lead, f"t{i}", at=base - timedelta(minutes=m)).key for i, m in enumerate((300, 65, 10))]
    found = find_tasks(lead, sent=base - timedelta(minutes=60))
    assert [f.key for f in found[:2]] == [keys[1], keys[2]]
    assert found[0].distance_minutes == pytest.approx(5.0)
    assert find_tasks(lead, key=keys[0].lower())[0].key == keys[0]
    assert find_tasks(lead, key=keys[0].split("-")[1])[0].key == keys[0]


def test_pool_position_follows_a_task_and_breach_count_matches_the_listing(lead, at) -> None:
    from dutydesk.services.pool import PoolFilter, pool_breach_count, pool_position

    keys = [new(lead, f"t{i}", at=lead.now() - timedelta(hours=i)).key for i in range(4)]
    lifecycle.set_priority(lead, keys[0], 5)
    order = [r.key for r in pool_listing(lead).rows]
    assert [pool_position(lead, k) for k in order] == list(range(len(order)))
    assert pool_position(lead, keys[0], where=PoolFilter(untriaged=True)) is None
    later = at(lead, "2026-12-01T12:30")
    assert pool_breach_count(later) == sum(1 for r in pool_listing(later).rows if r.breaches) == 3


def test_task_detail_names_its_blocker(lead) -> None:
    high, low = new(lead, "high").key, new(lead, "low").key
    lifecycle.set_priority(lead, high, 1)
    lifecycle.set_priority(lead, low, 4)
    assert task_detail(lead, low).blocked_by == high and task_detail(lead, high).blocked_by is None


def test_r_sla_val_downgrade_is_offered_once_the_due_passes(lead, at) -> None:
    key = new(lead, at=lead.now()).key  # Tue 01.12 10:00
    lifecycle.set_priority(lead, key, 2)
    lifecycle.take(lead, key, staff="duty-1")  # started at once: due two working days later, Thu 03.12 10:00
    assert task_detail(at(lead, "2026-12-03T10:00"), key).downgrade_offered is False
    offered = task_detail(at(lead, "2026-12-03T10:01"), key)
    assert offered.downgrade_offered is True and offered.to_json()["downgrade_offered"] is True
    lifecycle.set_priority(at(lead, "2026-12-03T10:05"), key, "normal", reason="объём больше (R-SLA-VAL)")
    assert task_detail(at(lead, "2026-12-03T10:06"), key).downgrade_offered is False


def test_the_pool_and_the_breach_count_clock_each_task_as_its_detail_does(lead, at) -> None:
    """The pool reads rows on the driver and remembers each task's clock plan between refreshes;
    what it shows must be what the task screen computes from the ORM (R-SLA-*, R-WORK-1 pauses)."""
    from dutydesk.services.clocks import open_clocks
    from dutydesk.services.pool import pool_breach_count

    keys = [new(lead, f"t{i}", at=lead.now() - timedelta(hours=3 * i)).key for i in range(6)]
    for key, level in zip(keys, (1, 2, 3, 4, 5)):
        lifecycle.set_priority(lead, key, level)
    lifecycle.take(at(lead, "2026-12-01T10:30"), keys[1], staff="duty-1", override="клиент на проводе")
    lifecycle.wait_for_client(at(lead, "2026-12-01T10:40"), keys[1], question="?")  # paused, still waiting
    lifecycle.wait_for_client(at(lead, "2026-12-01T10:45"), keys[2], question="?")
    lifecycle.resume(at(lead, "2026-12-01T11:15"), keys[2])  # a closed pause
    for moment in ("2026-12-01T11:30", "2026-12-01T17:59", "2026-12-03T12:00", "2026-12-01T11:30"):
        now = at(lead, moment)
        rows = {row.key: row for row in pool_listing(now).rows}
        assert set(keys) <= set(rows)
        for key in keys:
            detail = task_detail(now, key).clocks
            shown = rows[key].clocks
            assert [c[:-1] for c in shown.clocks] == [c[:-1] for c in detail.clocks], (moment, key)
        with now.read() as session:
            every = open_clocks(session, now.calendar, now.now())
        assert sum(1 for c in every.values() if c.breaches) == pool_breach_count(now) \
            == sum(1 for row in rows.values() if row.breaches)
    assert rows[keys[1]].clocks.due.paused  # the waiting Valuable task: its clock stands still
    # The client answers and the task waits again: the pool, which remembered the task's pauses
    # at its old versions, must follow each change.
    lifecycle.resume(at(lead, "2026-12-03T12:30"), keys[1])
    for step, moment in enumerate(("2026-12-03T13:00", "2026-12-03T15:00")):
        now = at(lead, moment)
        if step:
            lifecycle.wait_for_client(at(lead, "2026-12-03T14:00"), keys[1], question="??")
        shown = {row.key: row for row in pool_listing(now).rows}[keys[1]].clocks
        assert [c[:-1] for c in shown.clocks] == [c[:-1] for c in task_detail(now, keys[1]).clocks.clocks]
        assert shown.due.paused is bool(step)
