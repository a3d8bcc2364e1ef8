"""What the service layer added to the domain: unit costs on lines, field-level problem details."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from deals.domain import LineItem, NotFound, Quote, RuleViolation, draft_contract
from deals.domain.quotes import DealProposals


def test_a_line_may_carry_its_unit_cost_and_it_does_not_change_the_price():
    with_cost = LineItem("ERP", "licence", Decimal(3), Decimal("19.99"), Decimal(15), Decimal(13), Decimal("8.50"))
    without = LineItem("ERP", "licence", Decimal(3), Decimal("19.99"), Decimal(15), Decimal(13))
    assert with_cost.unit_cost == Decimal("8.50") and without.unit_cost is None


@pytest.mark.parametrize("cost, message", [(Decimal("-0.01"), "unit_cost cannot be negative"),
                                           (8.5, "unit_cost must be a Decimal")])
def test_a_unit_cost_must_be_a_non_negative_decimal(cost, message):
    with pytest.raises(RuleViolation) as refused:
        LineItem("ERP", "", Decimal(1), Decimal(1), unit_cost=cost)
    assert (refused.value.field, refused.value.message) == ("unit_cost", message)


def test_the_unit_cost_travels_from_the_accepted_quote_into_the_contract():
    at = datetime(2030, 1, 2, tzinfo=timezone.utc)
    quote = Quote("deal-1", 1, "CNY", date(2030, 2, 1), "rep-1", at,
                  (LineItem("ERP", "", Decimal(2), Decimal(100), unit_cost=Decimal(40)),))
    quote.send(at)
    DealProposals("deal-1", [quote]).accept(1, at=at)
    contract = draft_contract(quote, contract_id="c-1", customer_id="cust", owner_rep_id="rep-1", drafted_by="rep-1",
                              at=at, delivery_terms="EXW", payment_terms="net 30", delivery_date=date(2030, 3, 1))
    assert [item.unit_cost for item in contract.items] == [Decimal(40)]


def test_a_rule_violation_names_its_field_for_the_problem_document():
    assert RuleViolation("a lost deal needs a reason", "reason").problem_extra == {
        "errors": {"reason": ["a lost deal needs a reason"]}}
    assert RuleViolation("something broad").problem_extra == {}
    assert NotFound("no deal x").message == "no deal x"
