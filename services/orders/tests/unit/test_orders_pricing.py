"""Discounts and tax on order lines: the same arithmetic as the contract's quote,
so an order made from a contract books exactly the contract's net."""
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from orders.domain.errors import InvalidInput
from orders.domain.items import OrderItem, compute_amounts, compute_tax, item_errors
from orders.domain.order import Customer, Order, OrderDraft, OrderSource

LICENCES = OrderItem("ERP-LIC", "ERP licence", Decimal("10"), Decimal("1000"), Decimal("400"),
                     discount_pct=Decimal("10"), tax_rate_pct=Decimal("13"))
SETUP = OrderItem("ERP-SETUP", "Set-up days", Decimal("3"), Decimal("333.33"), None, tax_rate_pct=Decimal("6"))
AT = datetime(2025, 5, 12, 3, 0, tzinfo=UTC)


def test_a_discount_comes_off_the_line_before_rounding():
    assert LICENCES.line_amount("USD") == Decimal("9000.00")
    odd = OrderItem("T", "Tea", Decimal("3"), Decimal("19.99"), discount_pct=Decimal("12.5"))
    assert odd.line_amount("USD") == Decimal("52.47")  # 59.97 × 0.875 = 52.47375


def test_cost_is_not_discounted():
    assert LICENCES.line_cost("USD") == Decimal("4000.00")


def test_tax_is_computed_per_line_on_the_rounded_net():
    assert LICENCES.line_tax("USD") == Decimal("1170.00")
    assert SETUP.line_tax("USD") == Decimal("60.00")  # 999.99 × 6 % = 59.9994
    assert compute_tax([LICENCES, SETUP], "USD") == Decimal("1230.00")


def test_the_total_stays_net_of_tax():
    amounts = compute_amounts([LICENCES, SETUP], "USD")

    assert amounts.total == Decimal("9999.99")
    assert amounts.total_cost is None and amounts.items_without_cost == ("ERP-SETUP",)


def test_a_quantity_change_keeps_the_lines_discount_and_tax():
    more = LICENCES.with_quantity(Decimal("12"))

    assert (more.discount_pct, more.tax_rate_pct) == (Decimal("10"), Decimal("13"))
    assert more.line_amount("USD") == Decimal("10800.00") and more.line_tax("USD") == Decimal("1404.00")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("discount_pct", Decimal("100.01"), "must be between 0 and 100 percent"),
    ("discount_pct", Decimal("-1"), "must be between 0 and 100 percent"),
    ("tax_rate_pct", Decimal("-0.5"), "must be between 0 and 100 percent"),
    ("tax_rate_pct", 13.0, 'must be a decimal number (a string such as "19.90", never a binary float)'),
])
def test_percentages_are_checked(field, value, message):
    assert item_errors(replace(LICENCES, **{field: value})) == {field: [message]}


def test_the_amount_due_is_the_net_plus_tax_and_settles_without_a_note():
    draft = OrderDraft(OrderSource.CONTRACT, "contract-1", Customer("c-1", "Yunfan"), (LICENCES, SETUP), "USD",
                       Decimal("7.1"), date(2025, 6, 1), AT)
    order = Order.create("ord-1", draft, company_currency="CNY", by="system:deals", at=AT)
    for state, details in (("confirmed", {}), ("in_fulfilment", {}),
                           ("shipped", {"carrier": "SF", "tracking_number": "1"}), ("delivered", {}),
                           ("accepted", {})):
        order.move_to(state, "ops-1", AT, **details)

    assert order.current.tax == Decimal("1230.00") and order.current.amount_due == Decimal("11229.99")
    with pytest.raises(InvalidInput) as short:
        order.move_to("settled", "fin-1", AT, payment_amount=Decimal("9999.99"), currency="USD",
                      paid_date=date(2025, 5, 12))
    assert short.value.errors == {"note": [
        "is required when the payment 9999.99 differs from the amount due 11229.99 USD"]}
    order.move_to("settled", "fin-1", AT, payment_amount=Decimal("11229.99"), currency="USD",
                  paid_date=date(2025, 5, 12))
    assert order.state == "settled"


def test_invalid_input_carries_its_field_errors_into_the_problem_document():
    assert InvalidInput({"items.0.qty": ["must be greater than 0"]}).problem_extra == {
        "errors": {"items.0.qty": ["must be greater than 0"]}}
