from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from orders.domain.errors import IllegalTransition, InvalidInput, RuleViolation
from orders.domain.items import Amounts, OrderItem
from orders.domain.lifecycle import OrderState
from orders.domain.order import (
    Customer,
    Order,
    OrderDraft,
    OrderSource,
    PaymentTerms,
    ShippingAddress,
    validate_draft,
)
from orders.domain.workdays import WorkCalendar

AT = datetime(2024, 5, 6, 9, 30, tzinfo=UTC)


def draft(**changes):
    base = OrderDraft(
        source=OrderSource.CONTRACT,
        source_ref="CT-2024-0042",
        customer=Customer("cust-9", "Hangzhou Tea Co.", "+86 571 8888 1234", "buyer@htea.cn"),
        items=(
            OrderItem("A", "Tea press", Decimal("3"), Decimal("19.99"), Decimal("12.50")),
            OrderItem("B", "Tea cups (6)", Decimal("2"), Decimal("5.00"), Decimal("3.333")),
        ),
        currency="USD",
        fx_rate=Decimal("7.1234"),
        delivery_date=date(2024, 6, 30),
        placed_at=AT,
        payment_terms=PaymentTerms("net", 30),
        shipping_address=ShippingAddress("88 Wensan Rd", "Hangzhou", "CN", postal_code="310012"),
        sales_rep="rep-17",
    )
    return replace(base, **changes)


def new_order(**changes):
    return Order.create("ord-1", draft(**changes), company_currency="CNY", by="rep-17", at=AT)


def delivered_order():
    order = new_order()
    order.move_to("confirmed", "ops-1", AT)
    order.move_to("in_fulfilment", "ops-1", AT)
    order.move_to("shipped", "ops-1", AT, carrier="SF Express", tracking_number="SF1")
    order.move_to("delivered", "ops-1", AT)
    order.move_to("accepted", "cust-9", AT)
    return order


def test_a_valid_draft_has_no_errors():
    assert validate_draft(draft(), company_currency="CNY") == {}


def test_a_phone_order_needs_no_source_reference():
    assert validate_draft(draft(source=OrderSource.PHONE, source_ref=None), company_currency="CNY") == {}


def test_contract_and_storefront_orders_need_their_source_reference():
    assert validate_draft(draft(source_ref=None), company_currency="CNY") == {"source_ref": ["is required"]}


def test_draft_errors_are_reported_per_field():
    bad = draft(
        customer=Customer("", "Tea Co.", "call me", "not-an-email"),
        items=(OrderItem("A", "Tea press", Decimal("0"), Decimal("19.99")),),
        currency="usd",
        delivery_date=date(2024, 5, 5),
        shipping_address=ShippingAddress("", "Hangzhou", "China"),
    )

    assert validate_draft(bad, company_currency="CNY") == {
        "customer.id": ["must not be blank"],
        "customer.phone": ["must be a phone number (digits, spaces, +, -, parentheses)"],
        "customer.email": ["must be an e-mail address"],
        "items.0.quantity": ["must be greater than 0"],
        "currency": ["must be upper-case (e.g. USD)"],
        "delivery_date": ["must not be before the day the order was placed"],
        "shipping_address.line1": ["must not be blank"],
        "shipping_address.country": ["must be a 2-letter ISO 3166 country code in upper case (e.g. CN)"],
    }


def test_a_phone_number_needs_enough_digits():
    errors = validate_draft(draft(customer=Customer("c", "n", "12-34")), company_currency="CNY")

    assert errors == {"customer.phone": ["must have between 6 and 15 digits"]}


def test_delivery_date_is_compared_with_the_local_day_the_order_was_placed():
    late_evening_utc = datetime(2024, 5, 6, 20, 0, tzinfo=UTC)  # 7 May in Shanghai
    same_day = draft(placed_at=late_evening_utc, delivery_date=date(2024, 5, 6))

    assert validate_draft(same_day, "CNY") == {}
    assert validate_draft(same_day, "CNY", WorkCalendar(zone="Asia/Shanghai")) == {
        "delivery_date": ["must not be before the day the order was placed"]
    }


def test_placed_at_must_carry_a_timezone():
    errors = validate_draft(draft(placed_at=datetime(2024, 5, 6, 9, 30)), company_currency="CNY")

    assert errors == {"placed_at": ["must be a date-time with a timezone offset"]}


def test_create_starts_in_created_with_version_one():
    order = new_order()

    assert order.state is OrderState.CREATED
    assert order.current.number == 1
    assert order.current.change_id is None
    assert order.amounts == Amounts("USD", Decimal("69.97"), Decimal("44.17"), Decimal("25.80"))
    assert order.history[0].from_state is None
    assert dict(order.history[0].details) == {"source": "contract", "source_ref": "CT-2024-0042"}


def test_create_refuses_an_invalid_draft_listing_every_problem():
    with pytest.raises(InvalidInput) as refused:
        Order.create("", draft(items=()), company_currency="CNY", by="rep-17", at=AT)

    assert refused.value.errors == {"id": ["must not be blank"], "items": ["must contain at least one item"]}


def test_amounts_in_company_currency():
    assert new_order().amounts_in_company_currency() == Amounts(
        "CNY", Decimal("498.42"), Decimal("314.64"), Decimal("183.78")
    )


def test_move_to_records_history_and_state():
    order = new_order()

    entry = order.move_to("confirmed", "ops-1", AT)

    assert order.state is OrderState.CONFIRMED
    assert order.history[-1] is entry
    assert len(order.history) == 2


def test_a_refused_move_changes_nothing():
    order = new_order()

    with pytest.raises(IllegalTransition):
        order.move_to("shipped", "ops-1", AT, carrier="SF", tracking_number="1")

    assert order.state is OrderState.CREATED
    assert len(order.history) == 1


def test_settling_with_the_exact_total_needs_no_note():
    order = delivered_order()

    order.move_to("settled", "fin-1", AT, payment_amount=Decimal("69.97"), currency="USD", paid_date=date(2024, 5, 6))

    assert order.state is OrderState.SETTLED


def test_a_short_payment_needs_a_note():
    order = delivered_order()

    with pytest.raises(InvalidInput) as refused:
        order.move_to("settled", "fin-1", AT, payment_amount=Decimal("60.00"), currency="USD",
                      paid_date=date(2024, 5, 6))

    assert refused.value.errors == {
        "note": ["is required when the payment 60.00 differs from the amount due 69.97 USD"]
    }
    assert order.state is OrderState.ACCEPTED


def test_a_short_payment_with_a_note_settles():
    order = delivered_order()

    order.move_to("settled", "fin-1", AT, payment_amount=Decimal("60.00"), currency="USD",
                  paid_date=date(2024, 5, 6), note="bank charges written off")

    assert order.history[-1].details["note"] == "bank charges written off"


def test_payment_must_be_in_the_order_currency():
    order = delivered_order()

    with pytest.raises(InvalidInput) as refused:
        order.move_to("settled", "fin-1", AT, payment_amount=Decimal("498.42"), currency="CNY",
                      paid_date=date(2024, 5, 6))

    assert refused.value.errors == {"currency": ["must be the order currency USD; convert the payment first"]}


def test_version_lookup():
    order = new_order()

    assert order.version(1) is order.current
    with pytest.raises(RuleViolation):
        order.version(2)


def test_add_version_requires_the_next_number():
    order = new_order()

    with pytest.raises(RuleViolation) as refused:
        order.add_version(replace(order.current, number=3))

    assert refused.value.message == "order ord-1 is at version 1; the next version must be 2, not 3"


def test_add_version_is_refused_once_shipped():
    order = delivered_order()

    with pytest.raises(IllegalTransition):
        order.add_version(replace(order.current, number=2))


@pytest.mark.parametrize(("code", "expected"), [
    ("prepaid", PaymentTerms("prepaid")),
    ("cash_on_delivery", PaymentTerms("cash_on_delivery")),
    ("net_30", PaymentTerms("net", 30)),
    ("net_180", PaymentTerms("net", 180)),
    ("net_0", None),
    ("net_181", None),
    ("whenever", None),
])
def test_payment_terms_codes(code, expected):
    terms = PaymentTerms.parse(code)

    assert terms == expected
    if terms:
        assert terms.code == code


def test_snapshot_is_plain_data():
    snapshot = new_order().current.snapshot()

    assert snapshot["total"] == "69.97"
    assert snapshot["items"][1] == {
        "product_code": "B", "description": "Tea cups (6)", "quantity": "2", "unit_price": "5.00",
        "unit_cost": "3.333", "discount_pct": "0", "tax_rate_pct": "0", "line_amount": "10.00",
    }
    assert snapshot["delivery_date"] == "2024-06-30"
