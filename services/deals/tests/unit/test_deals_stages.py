from datetime import datetime, timedelta, timezone

import pytest

from deals.domain.errors import IllegalTransition, RuleViolation
from deals.domain.stages import (
    ALL_STAGES,
    OPEN_STAGES,
    ChangeKind,
    Stage,
    lose,
    reopen,
    transition,
    win,
)

AT = datetime(2025, 4, 1, 9, 30, tzinfo=timezone.utc)


def test_pipeline_order_and_open_closed_split():
    assert [s.value for s in OPEN_STAGES] == [
        "qualification", "needs_analysis", "proposal", "negotiation", "contract_review",
    ]
    assert [s.value for s in ALL_STAGES][-2:] == ["won", "lost"]
    assert Stage.PROPOSAL.is_open and not Stage.PROPOSAL.is_closed
    assert Stage.WON.is_closed and Stage.LOST.is_closed


def test_advance_one_stage_records_who_when_and_kind():
    change = transition(Stage.QUALIFICATION, Stage.NEEDS_ANALYSIS, by="rep-1", at=AT)
    assert change.from_stage is Stage.QUALIFICATION
    assert change.to_stage is Stage.NEEDS_ANALYSIS
    assert change.kind is ChangeKind.ADVANCE
    assert change.by == "rep-1"
    assert change.at == AT
    assert change.reason is None
    assert change.steps == 1


def test_advance_may_skip_stages():
    change = transition("qualification", "negotiation", by="rep-1", at=AT, reason="referral, budget set")
    assert change.kind is ChangeKind.ADVANCE
    assert change.to_stage is Stage.NEGOTIATION
    assert change.steps == 3
    assert change.reason == "referral, budget set"


def test_back_move_between_open_stages_is_recorded_as_back():
    change = transition(Stage.NEGOTIATION, Stage.PROPOSAL, by="rep-1", at=AT, reason="scope changed")
    assert change.kind is ChangeKind.BACK
    assert (change.from_stage, change.to_stage) == (Stage.NEGOTIATION, Stage.PROPOSAL)
    assert change.steps == 1
    assert change.reason == "scope changed"


def test_back_move_across_several_stages():
    change = transition(Stage.CONTRACT_REVIEW, Stage.QUALIFICATION, by="rep-1", at=AT)
    assert change.kind is ChangeKind.BACK
    assert change.steps == 4


@pytest.mark.parametrize("current", OPEN_STAGES)
def test_no_plain_transition_into_won(current):
    with pytest.raises(IllegalTransition, match="signing its contract"):
        transition(current, Stage.WON, by="rep-1", at=AT)


def test_staying_in_the_same_stage_is_not_a_transition():
    with pytest.raises(IllegalTransition, match="already in proposal"):
        transition(Stage.PROPOSAL, Stage.PROPOSAL, by="rep-1", at=AT)


def test_competitor_only_accepted_when_losing():
    with pytest.raises(RuleViolation) as caught:
        transition(Stage.PROPOSAL, Stage.NEGOTIATION, by="rep-1", at=AT, competitor="Acme")
    assert caught.value.field == "competitor"


@pytest.mark.parametrize("current", OPEN_STAGES)
def test_lost_from_any_open_stage_with_reason_and_competitor(current):
    change = lose(current, by="rep-1", at=AT, reason="  price too high ", competitor=" Acme ")
    assert change.kind is ChangeKind.LOST
    assert change.from_stage is current and change.to_stage is Stage.LOST
    assert change.reason == "price too high"
    assert change.competitor == "Acme"


def test_lost_through_transition_needs_reason():
    change = transition(Stage.PROPOSAL, Stage.LOST, by="rep-1", at=AT, reason="no budget")
    assert change.kind is ChangeKind.LOST and change.competitor is None
    with pytest.raises(RuleViolation, match="needs a reason") as caught:
        transition(Stage.PROPOSAL, Stage.LOST, by="rep-1", at=AT)
    assert caught.value.field == "reason"


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_lost_without_reason_is_refused(reason):
    with pytest.raises(RuleViolation, match="needs a reason"):
        lose(Stage.NEGOTIATION, by="rep-1", at=AT, reason=reason)


def test_lost_deal_cannot_be_lost_again_or_moved():
    with pytest.raises(IllegalTransition, match="reopened explicitly"):
        lose(Stage.LOST, by="rep-1", at=AT, reason="again")
    with pytest.raises(IllegalTransition, match="reopened explicitly"):
        transition(Stage.LOST, Stage.PROPOSAL, by="rep-1", at=AT)


def test_reopen_lost_deal_into_chosen_open_stage():
    change = reopen(Stage.LOST, Stage.NEEDS_ANALYSIS, by="mgr-1", at=AT, reason="new budget year")
    assert change.kind is ChangeKind.REOPEN
    assert (change.from_stage, change.to_stage) == (Stage.LOST, Stage.NEEDS_ANALYSIS)
    assert change.reason == "new budget year"
    assert change.steps == 0


def test_reopen_needs_reason():
    with pytest.raises(RuleViolation, match="needs a reason"):
        reopen(Stage.LOST, Stage.PROPOSAL, by="rep-1", at=AT, reason=" ")


@pytest.mark.parametrize("current", [*OPEN_STAGES, Stage.WON])
def test_only_lost_deals_can_be_reopened(current):
    with pytest.raises(IllegalTransition, match="only a lost deal"):
        reopen(current, Stage.PROPOSAL, by="rep-1", at=AT, reason="why not")


@pytest.mark.parametrize("target", [Stage.WON, Stage.LOST])
def test_reopen_must_target_an_open_stage(target):
    with pytest.raises(IllegalTransition, match="open stage"):
        reopen(Stage.LOST, target, by="rep-1", at=AT, reason="x")


@pytest.mark.parametrize("current", OPEN_STAGES)
def test_win_with_signed_contract_from_any_open_stage(current):
    change = win(current, by="rep-1", at=AT, contract_signed=True)
    assert change.kind is ChangeKind.WON
    assert change.to_stage is Stage.WON


@pytest.mark.parametrize("flag", [False, None, "yes", 1])
def test_win_without_signed_contract_is_refused(flag):
    with pytest.raises(IllegalTransition, match="contract is signed"):
        win(Stage.CONTRACT_REVIEW, by="rep-1", at=AT, contract_signed=flag)


def test_won_is_final():
    with pytest.raises(IllegalTransition, match="won deal is final"):
        transition(Stage.WON, Stage.NEGOTIATION, by="rep-1", at=AT)
    with pytest.raises(IllegalTransition, match="won deal is final"):
        lose(Stage.WON, by="rep-1", at=AT, reason="customer changed mind")
    with pytest.raises(IllegalTransition, match="won deal is final"):
        win(Stage.WON, by="rep-1", at=AT, contract_signed=True)


def test_lost_deal_cannot_be_won_without_reopening():
    with pytest.raises(IllegalTransition, match="reopened explicitly"):
        win(Stage.LOST, by="rep-1", at=AT, contract_signed=True)


def test_unknown_stage_is_a_rule_violation():
    with pytest.raises(RuleViolation, match="unknown stage 'closing'") as caught:
        transition(Stage.PROPOSAL, "closing", by="rep-1", at=AT)
    assert caught.value.field == "to_stage"


def test_naive_time_is_refused():
    with pytest.raises(RuleViolation, match="timezone-aware"):
        transition(Stage.PROPOSAL, Stage.NEGOTIATION, by="rep-1", at=datetime(2025, 4, 1, 9, 30))


def test_actor_is_required():
    with pytest.raises(RuleViolation, match="by is required"):
        transition(Stage.PROPOSAL, Stage.NEGOTIATION, by=" ", at=AT)


def test_non_utc_aware_time_is_kept_as_given():
    shanghai = timezone(timedelta(hours=8))
    at = datetime(2025, 4, 1, 17, 30, tzinfo=shanghai)
    change = transition(Stage.PROPOSAL, Stage.NEGOTIATION, by="rep-1", at=at)
    # 17:30 in UTC+8 is the same instant as 09:30Z.
    assert change.at == AT
