from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from deals.domain.actors import Actor
from deals.domain.contracts import draft_contract
from deals.domain.deal import Deal, SpinNotes
from deals.domain.errors import IllegalTransition, NotAllowed, RuleViolation
from deals.domain.probability import Grade, GradeThresholds
from deals.domain.quotes import DealProposals, LineItem
from deals.domain.stages import ChangeKind, Stage

OPENED = datetime(2025, 3, 1, 8, 0, tzinfo=timezone.utc)


def at(hours):
    return OPENED + timedelta(hours=hours)


def new_deal(**overrides):
    values = dict(
        id="deal-1", customer_id="cust-9", owner_rep_id="rep-1", team="east", region="shanghai",
        title="ERP roll-out", currency="USD", amount=Decimal("20000.00"),
        expected_close_date=date(2025, 5, 10), opened_at=OPENED,
    )
    values.update(overrides)
    return Deal(**values)


def signed_contract(deal_id="deal-1"):
    proposals = DealProposals(deal_id)
    quote = proposals.new_version(by="rep-1", at=at(1), valid_until=date(2025, 3, 31), currency="USD",
                                  items=[LineItem("ERP", "", Decimal("1"), Decimal("20000.00"))])
    quote.send(at(2))
    proposals.accept(1, at=at(3))
    contract = draft_contract(quote, contract_id="c-1", customer_id="cust-9", owner_rep_id="rep-1",
                              drafted_by="rep-1", at=at(4), delivery_terms="DAP", payment_terms="net 30",
                              delivery_date=date(2025, 4, 15))
    contract.submit_for_review(by="rep-1", at=at(5))
    contract.approve(Actor("mgr-1", frozenset({"manager"})), at=at(6))
    return contract.sign(at=at(7), signatory_name="Li Wei", recorded_by="rep-1",
                         fx_rate=Decimal("7.1234"), company_currency="CNY")


def test_new_deal_starts_in_qualification_at_ten_percent_grade_c():
    deal = new_deal(competitors=(" Acme ", "Acme", ""), spin=SpinNotes(problem=" slow month-end close "))
    assert deal.stage is Stage.QUALIFICATION and deal.is_open
    assert deal.probability() == Decimal("10")
    assert deal.grade() is Grade.C
    assert deal.competitors == ("Acme",)
    assert deal.spin.problem == "slow month-end close"
    assert deal.history == []


def test_stage_moves_are_applied_and_kept_as_history():
    deal = new_deal()
    deal.move_to(Stage.PROPOSAL, by="rep-1", at=at(1))
    deal.move_to(Stage.NEGOTIATION, by="rep-1", at=at(2))
    back = deal.move_to(Stage.PROPOSAL, by="rep-1", at=at(3), reason="new requirements")
    assert back.kind is ChangeKind.BACK
    assert deal.stage is Stage.PROPOSAL
    assert [(c.from_stage.value, c.to_stage.value, c.kind.value) for c in deal.history] == [
        ("qualification", "proposal", "advance"),
        ("proposal", "negotiation", "advance"),
        ("negotiation", "proposal", "back"),
    ]
    assert deal.probability() == Decimal("40") and deal.grade() is Grade.B


def test_history_cannot_go_back_in_time():
    deal = new_deal()
    deal.move_to(Stage.PROPOSAL, by="rep-1", at=at(2))
    with pytest.raises(RuleViolation, match="cannot be earlier"):
        deal.move_to(Stage.NEGOTIATION, by="rep-1", at=at(1))
    assert deal.stage is Stage.PROPOSAL and len(deal.history) == 1


def test_lose_and_reopen():
    deal = new_deal()
    deal.lose(by="rep-1", at=at(1), reason="price", competitor="Globex")
    assert deal.stage is Stage.LOST and not deal.is_open
    assert (deal.lost_reason, deal.lost_to) == ("price", "Globex")
    assert deal.competitors == ("Globex",)
    assert deal.probability() == Decimal("0")
    with pytest.raises(IllegalTransition):
        deal.move_to(Stage.PROPOSAL, by="rep-1", at=at(2))
    change = deal.reopen(Stage.NEEDS_ANALYSIS, by="mgr-1", at=at(2), reason="budget approved")
    assert change.kind is ChangeKind.REOPEN
    assert deal.stage is Stage.NEEDS_ANALYSIS
    assert deal.lost_reason is None and deal.lost_to is None
    assert deal.competitors == ("Globex",)


def test_win_only_from_its_own_signed_contract():
    deal = new_deal()
    deal.move_to(Stage.CONTRACT_REVIEW, by="rep-1", at=at(1))
    with pytest.raises(IllegalTransition, match="signing its contract"):
        deal.move_to(Stage.WON, by="rep-1", at=at(2))
    with pytest.raises(RuleViolation, match="belongs to deal deal-2"):
        deal.win(signed_contract("deal-2"), by="rep-1")
    change = deal.win(signed_contract(), by="rep-1")
    assert change.kind is ChangeKind.WON and change.at == at(7)
    assert deal.stage is Stage.WON
    assert deal.probability() == Decimal("100") and deal.grade() is Grade.A
    with pytest.raises(IllegalTransition, match="won deal is final"):
        deal.lose(by="rep-1", at=at(8), reason="changed mind")


def test_owner_overrides_probability_and_a_stage_move_resets_it():
    deal = new_deal()
    deal.move_to(Stage.NEGOTIATION, by="rep-1", at=at(1))
    deal.override_probability(Decimal("75"), by="rep-1")
    assert deal.probability() == Decimal("75") and deal.grade() is Grade.A
    deal.override_probability(None, by="rep-1")
    assert deal.probability() == Decimal("60")
    deal.override_probability(Decimal("25"), by="rep-1")
    assert deal.grade() is Grade.C
    deal.move_to(Stage.CONTRACT_REVIEW, by="rep-1", at=at(2))
    assert deal.probability_override is None and deal.probability() == Decimal("80")


def test_only_the_owner_may_override():
    with pytest.raises(NotAllowed, match="only the deal's owner"):
        new_deal().override_probability(Decimal("50"), by="rep-2")


def test_override_refused_on_closed_deal_and_out_of_range():
    deal = new_deal()
    with pytest.raises(RuleViolation, match="between 0 and 100"):
        deal.override_probability(Decimal("101"), by="rep-1")
    deal.lose(by="rep-1", at=at(1), reason="no budget")
    with pytest.raises(RuleViolation, match="closed deal's probability is fixed"):
        deal.override_probability(Decimal("20"), by="rep-1")


def test_grade_uses_configured_thresholds():
    deal = new_deal()
    deal.move_to(Stage.NEGOTIATION, by="rep-1", at=at(1))
    assert deal.grade() is Grade.B
    assert deal.grade(GradeThresholds(a_from=Decimal("60"), b_from=Decimal("20"))) is Grade.A


def test_forecast_record_carries_probability_and_rate():
    deal = new_deal()
    deal.move_to(Stage.NEGOTIATION, by="rep-1", at=at(1))
    deal.override_probability(Decimal("75"), by="rep-1")
    record = deal.forecast_record(Decimal("7.1234"))
    assert (record.id, record.owner_rep_id, record.team, record.region) == ("deal-1", "rep-1", "east", "shanghai")
    assert record.stage is Stage.NEGOTIATION
    assert (record.amount, record.currency, record.fx_rate) == (Decimal("20000.00"), "USD", Decimal("7.1234"))
    assert record.probability == Decimal("75")
    assert record.expected_close_date == date(2025, 5, 10)


@pytest.mark.parametrize(
    ("override", "field"),
    [({"amount": Decimal("-1")}, "amount"), ({"amount": 1.5}, "amount"), ({"currency": "RMB1"}, "currency"),
     ({"owner_rep_id": " "}, "owner_rep_id"), ({"opened_at": datetime(2025, 3, 1)}, "opened_at"),
     ({"probability_override": Decimal("-5")}, "probability_override")],
)
def test_deal_fields_are_validated(override, field):
    with pytest.raises(RuleViolation) as caught:
        new_deal(**override)
    assert caught.value.field == field
