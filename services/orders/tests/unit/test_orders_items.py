from decimal import Decimal

import pytest

from orders.domain.currency import minor_unit, round_money, to_company_currency
from orders.domain.items import Amounts, OrderItem, compute_amounts, item_errors, validate_items, validate_pricing

FLOAT_MESSAGE = 'must be a decimal number (a string such as "19.90", never a binary float)'


def item(code="A", quantity="1", price="10.00", cost="6.00", description="Widget"):
    return OrderItem(
        code, description, Decimal(quantity), Decimal(price), None if cost is None else Decimal(cost)
    )


WIDGETS = item("A", "3", "19.99", "12.50")  # 59.97, cost 37.50
BOLTS = item("B", "2", "5.00", "3.333")  # 10.00, cost 6.666 -> 6.67


def test_line_amount_is_quantity_times_price():
    assert WIDGETS.line_amount("USD") == Decimal("59.97")
    assert WIDGETS.line_cost("USD") == Decimal("37.50")


@pytest.mark.parametrize(("quantity", "price", "currency", "expected"), [
    ("3", "0.335", "USD", "1.01"),  # 1.005 rounds half-up, not to even (1.00)
    ("1", "2.675", "EUR", "2.68"),
    ("0.5", "0.05", "USD", "0.03"),  # 0.025
    ("1", "2.674", "USD", "2.67"),
    ("3", "333.5", "JPY", "1001"),  # 1000.5, yen has no minor unit
    ("3", "0.3335", "KWD", "1.001"),  # 1.0005, three decimals
    ("2.5", "4", "CNY", "10.00"),
])
def test_line_amount_rounds_half_up_to_the_currency_minor_unit(quantity, price, currency, expected):
    line = item(quantity=quantity, price=price).line_amount(currency)

    assert line == Decimal(expected)
    assert str(line) == expected


def test_total_is_the_sum_of_rounded_lines():
    half_cent_lines = [item("A", "1", "0.005"), item("B", "1", "0.005")]

    # Each line shows 0.01 on the invoice, so the total is 0.02, not round(0.010) = 0.01.
    assert compute_amounts(half_cent_lines, "USD").total == Decimal("0.02")


def test_total_cost_and_gross_profit_when_every_cost_is_known():
    amounts = compute_amounts([WIDGETS, BOLTS], "USD")

    assert amounts == Amounts("USD", Decimal("69.97"), Decimal("44.17"), Decimal("25.80"))
    assert amounts.cost_known is True
    assert amounts.cost_note is None
    assert amounts.margin_percent == Decimal("36.87")  # 25.80 / 69.97


def test_unknown_cost_is_never_treated_as_zero():
    amounts = compute_amounts([WIDGETS, item("C", "1", "99.00", cost=None)], "USD")

    assert amounts.total == Decimal("158.97")
    assert amounts.total_cost is None
    assert amounts.gross_profit is None
    assert amounts.margin_percent is None
    assert amounts.items_without_cost == ("C",)
    assert amounts.cost_note == "cost unknown for C: total cost and gross profit cannot be computed"


def test_a_zero_cost_is_known():
    amounts = compute_amounts([item("FREE-GIFT", "1", "0.00", "0")], "USD")

    zero = Decimal("0.00")
    assert (amounts.total, amounts.total_cost, amounts.gross_profit) == (zero, zero, zero)
    assert amounts.margin_percent is None  # no revenue, no margin


def test_amounts_in_company_currency_use_the_supplied_rate_and_still_add_up():
    amounts = compute_amounts([WIDGETS, BOLTS], "USD").in_company_currency(Decimal("7.1234"), "CNY")

    # 69.97 x 7.1234 = 498.424298; 44.17 x 7.1234 = 314.640578
    assert amounts == Amounts("CNY", Decimal("498.42"), Decimal("314.64"), Decimal("183.78"))


def test_amounts_in_company_currency_keep_unknown_cost_unknown():
    amounts = compute_amounts([item("C", "2", "10.00", cost=None)], "USD").in_company_currency(Decimal("7"), "CNY")

    assert (amounts.total, amounts.total_cost, amounts.items_without_cost) == (Decimal("140.00"), None, ("C",))


def test_currency_helpers():
    assert (minor_unit("USD"), minor_unit("JPY"), minor_unit("BHD"), minor_unit("CLF")) == (2, 0, 3, 4)
    assert round_money(Decimal("2.5"), "JPY") == Decimal("3")
    assert to_company_currency(Decimal("100.00"), Decimal("0.0065"), "USD") == Decimal("0.65")


def test_a_valid_item_has_no_errors():
    assert item_errors(WIDGETS) == {}
    assert item_errors(item(cost=None)) == {}


def test_item_field_rules():
    bad = OrderItem("", "x" * 501, Decimal("0"), Decimal("-0.01"), Decimal("-1"))

    assert item_errors(bad) == {
        "product_code": ["must not be blank"],
        "description": ["must be at most 500 characters"],
        "quantity": ["must be greater than 0"],
        "unit_price": ["must be 0 or more"],
        "unit_cost": ["must be 0 or more"],
    }


def test_floats_and_non_finite_numbers_are_refused():
    bad = OrderItem("A", "Widget", 2.0, Decimal("NaN"), True)

    assert item_errors(bad) == {
        "quantity": [FLOAT_MESSAGE],
        "unit_price": ["must be a finite number"],
        "unit_cost": [FLOAT_MESSAGE],
    }


def test_validate_items_reports_field_paths():
    errors = validate_items([WIDGETS, item("B", quantity="0"), item("A", price="-1")])

    assert errors == {
        "items.1.quantity": ["must be greater than 0"],
        "items.2.unit_price": ["must be 0 or more"],
        "items.2.product_code": ["A appears more than once; combine the lines"],
    }


def test_an_order_needs_items():
    assert validate_items([]) == {"items": ["must contain at least one item"]}
    assert validate_items(["not an item"]) == {"items.0": ["must be an order item"]}


def test_validate_items_uses_the_given_prefix():
    assert validate_items([item(quantity="-2")], prefix="added_items") == {
        "added_items.0.quantity": ["must be greater than 0"]
    }


@pytest.mark.parametrize(("currency", "fx_rate", "expected"), [
    ("USD", Decimal("7.1234"), {}),
    ("CNY", Decimal("1"), {}),
    ("CNY", Decimal("1.00"), {}),
    ("usd", Decimal("7"), {"currency": ["must be upper-case (e.g. USD)"]}),
    ("US", Decimal("7"), {"currency": ["must be a 3-letter ISO 4217 code"]}),
    ("XYZ", Decimal("7"), {"currency": ["XYZ is not an ISO 4217 currency"]}),
    (None, Decimal("7"), {"currency": ["is required"]}),
    ("USD", Decimal("0"), {"fx_rate": ["must be greater than 0"]}),
    ("USD", Decimal("-7"), {"fx_rate": ["must be greater than 0"]}),
    ("USD", None, {"fx_rate": ["is required"]}),
    ("USD", 7.1, {"fx_rate": ['must be a decimal number (a string such as "7.1234", never a binary float)']}),
    ("CNY", Decimal("7"), {"fx_rate": ["must be 1 when the currency is the company currency (CNY)"]}),
])
def test_currency_and_rate_rules(currency, fx_rate, expected):
    assert validate_pricing(currency, fx_rate, company_currency="CNY") == expected
