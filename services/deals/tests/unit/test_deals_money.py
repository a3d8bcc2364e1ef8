from decimal import Decimal

import pytest

from deals.domain.errors import RuleViolation
from deals.domain.money import minor_unit, round_money, to_company_currency


@pytest.mark.parametrize(("currency", "digits"), [("CNY", 2), ("usd", 2), ("EUR", 2), ("JPY", 0), ("KWD", 3), ("THB", 2)])
def test_minor_units(currency, digits):
    assert minor_unit(currency) == digits


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [("2.345", "CNY", "2.35"), ("2.344999", "CNY", "2.34"), ("-2.345", "USD", "-2.35"),
     ("1000.5", "JPY", "1001"), ("999.4999", "JPY", "999"), ("1.2345", "KWD", "1.235")],
)
def test_round_half_up_to_minor_unit(amount, currency, expected):
    rounded = round_money(Decimal(amount), currency)
    assert str(rounded) == expected


def test_conversion_uses_the_callers_rate_and_rounds_in_target_currency():
    assert to_company_currency(Decimal("324.98"), "USD", Decimal("7.1234"), "CNY") == Decimal("2314.96")
    assert to_company_currency(Decimal("100.00"), "CNY", Decimal("21.05"), "JPY") == Decimal("2105")
    assert to_company_currency(Decimal("12.50"), "CNY", Decimal("1"), "CNY") == Decimal("12.50")


@pytest.mark.parametrize("code", ["", "US", "USDX", "U$D", None])
def test_bad_currency_codes_are_refused(code):
    with pytest.raises(RuleViolation, match="ISO 4217"):
        minor_unit(code)


def test_float_amounts_are_refused():
    with pytest.raises(RuleViolation, match="amount must be a Decimal"):
        to_company_currency(10.5, "USD", Decimal("7"), "CNY")
