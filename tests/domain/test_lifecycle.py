"""R-TRI-2, R-WORK-1..3, R-SCOPE-1: the transition table and its refusals."""

from __future__ import annotations

import itertools

import pytest

from dutydesk.domain.lifecycle import (
    INITIAL_STATUS,
    TRANSITIONS,
    Action,
    HandoffReason,
    TransitionRefused,
    allowed_actions,
    can_downgrade_valuable,
    parse_task_key,
    requalify_target,
    resume_action,
    task_key,
    transition,
)
from dutydesk.domain.priority import Priority, Status

S, A = Status, Action

EXPECTED = {
    (S.POOL, A.TAKE): S.IN_PROGRESS,
    (S.POOL, A.WAIT): S.WAITING_CLIENT,
    (S.IN_PROGRESS, A.WAIT): S.WAITING_CLIENT,
    (S.WAITING_CLIENT, A.RESUME): S.IN_PROGRESS,
    (S.WAITING_CLIENT, A.REQUEUE): S.POOL,
    (S.IN_PROGRESS, A.REQUEUE): S.POOL,
    (S.POOL, A.HANDOFF): S.HANDED_OFF,
    (S.IN_PROGRESS, A.HANDOFF): S.HANDED_OFF,
    (S.WAITING_CLIENT, A.HANDOFF): S.HANDED_OFF,
    (S.POOL, A.OUT_OF_SCOPE): S.NEEDS_AGREEMENT,
    (S.IN_PROGRESS, A.OUT_OF_SCOPE): S.NEEDS_AGREEMENT,
    (S.NEEDS_AGREEMENT, A.AGREE): S.POOL,
    (S.IN_PROGRESS, A.DONE): S.DONE,
    (S.WAITING_CLIENT, A.DONE): S.DONE,
    (S.NEEDS_AGREEMENT, A.DONE): S.DONE,
    (S.DONE, A.REOPEN): S.POOL,
    (S.HANDED_OFF, A.REOPEN): S.POOL,
}


def test_r_tri_2_new_task_starts_in_pool():
    assert INITIAL_STATUS is Status.POOL


def test_transition_table_is_exactly_the_documented_one():
    assert dict(TRANSITIONS) == EXPECTED


@pytest.mark.parametrize("status,action", list(itertools.product(Status, Action)), ids=lambda x: x.value)
def test_transition_every_pair_allowed_or_refused_with_reason(status, action):
    if (status, action) in EXPECTED:
        assert transition(status, action.value) is EXPECTED[(status, action)]
        assert action in allowed_actions(status)
    else:
        with pytest.raises(TransitionRefused) as refused:
            transition(status, action, key="SUP-12")
        reason = str(refused.value)
        assert reason.startswith("SUP-12 ") and len(reason) > 20
        assert refused.value.reason == reason
        assert action not in allowed_actions(status)


def test_transition_done_task_only_reopen_applies():
    with pytest.raises(TransitionRefused, match=r"^SUP-12 is done; only reopen applies$"):
        transition(S.DONE, "take", key="SUP-12")


def test_transition_accepts_cli_spelling_and_rejects_unknown_action():
    assert transition(S.POOL, "out-of-scope") is S.NEEDS_AGREEMENT
    with pytest.raises(TransitionRefused, match="unknown action 'fly'"):
        transition(S.POOL, "fly")


def test_transition_reason_without_key_says_the_task():
    with pytest.raises(TransitionRefused, match="^the task is done"):
        transition(S.DONE, "take")


# --- R-WORK-1 ---------------------------------------------------------------


def test_r_work_1_client_answer_returns_to_taker_or_pool():
    assert transition(S.WAITING_CLIENT, resume_action(was_taken=True)) is S.IN_PROGRESS
    assert transition(S.WAITING_CLIENT, resume_action(was_taken=False)) is S.POOL


def test_r_work_1_waiting_task_cannot_be_taken():
    with pytest.raises(TransitionRefused, match=r"R-WORK-1.*resume"):
        transition(S.WAITING_CLIENT, "take", key="SUP-3")


# --- R-WORK-2 ---------------------------------------------------------------


@pytest.mark.parametrize("status", [S.IN_PROGRESS, S.WAITING_CLIENT, S.NEEDS_AGREEMENT])
def test_r_work_2_cannot_be_done_while_subtasks_open(status):
    with pytest.raises(TransitionRefused, match=r"^SUP-12 cannot be done while 2 subtasks are open \(R-WORK-2\)$"):
        transition(status, "done", key="SUP-12", open_children=2)
    with pytest.raises(TransitionRefused, match="1 subtask is open"):
        transition(status, "done", open_children=1)
    assert transition(status, "done", open_children=0) is S.DONE


# --- R-WORK-3 ---------------------------------------------------------------


def test_r_work_3_handed_off_task_only_reopen_applies():
    with pytest.raises(TransitionRefused, match=r"R-WORK-3.*only reopen"):
        transition(S.HANDED_OFF, "take")


def test_r_work_3_handoff_reasons_have_both_languages():
    assert [r.value for r in HandoffReason] == ["materials", "module", "docs", "other"]
    assert HandoffReason.MATERIALS.english == "publishing more than 10 materials"
    assert HandoffReason.MODULE.english == "a new module or substantial development of one"
    assert HandoffReason.DOCS.english == "new documentation"
    assert "10 материалов" in HandoffReason.MATERIALS.russian
    assert all(r.russian and r.english for r in HandoffReason)
    assert HandoffReason.parse(" Docs ") is HandoffReason.DOCS
    with pytest.raises(ValueError):
        HandoffReason.parse("huge")


# --- R-SCOPE-1 --------------------------------------------------------------


@pytest.mark.parametrize("action", [A.TAKE, A.WAIT, A.HANDOFF])
def test_r_scope_1_out_of_scope_task_not_started_until_agreed(action):
    with pytest.raises(TransitionRefused, match=r"R-SCOPE-1"):
        transition(S.NEEDS_AGREEMENT, action)
    assert transition(transition(S.NEEDS_AGREEMENT, "agree"), action) is EXPECTED[(S.POOL, action)]


# --- R-POOL-3 at take -------------------------------------------------------


def test_r_pool_3_blocked_task_cannot_be_taken():
    with pytest.raises(TransitionRefused, match=r"blocked by SUP-1.*R-POOL-3"):
        transition(S.POOL, "take", key="SUP-2", blocked_by="SUP-1")


# --- priorities over a task's life -----------------------------------------


@pytest.mark.parametrize("priority", [None, *Priority])
def test_r_sla_val_downgrade_proposed_only_for_valuable_past_due(priority):
    assert can_downgrade_valuable(priority, True) is (priority is Priority.VALUABLE)
    assert can_downgrade_valuable(priority, False) is False


@pytest.mark.parametrize(
    "priority,target",
    [
        (Priority.LOW, Priority.NORMAL),
        (Priority.NORMAL, Priority.VALUABLE),
        (Priority.IMMEDIATE, None),
        (Priority.VALUABLE, None),
        (Priority.INSIGNIFICANT, None),
        (None, None),
    ],
)
def test_r_esc_1c_requalify_target(priority, target):
    assert requalify_target(priority) is target


# --- keys -------------------------------------------------------------------


def test_r_tri_2_task_key_and_r_esc_4_parse_it_back():
    assert task_key(1042) == "SUP-1042"
    for text in ("SUP-1042", "sup 1042", "sup1042", "#1042", " 1042 "):
        assert parse_task_key(text) == 1042
    assert parse_task_key("ABC-12") is None
    assert parse_task_key("SUP-") is None
    assert parse_task_key("HD-7", prefix="HD") == 7
