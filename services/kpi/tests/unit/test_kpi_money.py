from decimal import Decimal as D

import pytest

from kpi.domain.errors import CurrencyMismatch, InvalidMoney, MissingExchangeRate
from kpi.domain.money import (
    EventMoney,
    Money,
    convert,
    quantize_money,
    sum_in_company_currency,
    sum_money,
)


def test_same_currency_amounts_add():
    assert Money(D("10.10"), "CNY") + Money(D("0.05"), "CNY") == Money(D("10.15"), "CNY")
    assert sum_money([Money(D("1.5"), "USD"), Money(D("2.25"), "USD")], "USD") == Money(
        D("3.75"), "USD")


def test_different_currencies_never_add_raw():
    with pytest.raises(CurrencyMismatch) as caught:
        Money(D("100"), "CNY") + Money(D("100"), "USD")
    assert "USD" in caught.value.message and "CNY" in caught.value.message
    with pytest.raises(CurrencyMismatch):
        sum_money([Money(D("1"), "CNY"), Money(D("1"), "EUR")], "CNY")


def test_sum_in_company_currency_uses_each_amounts_own_rate():
    total = sum_in_company_currency(
        [EventMoney(D("100.00"), "CNY"),
         EventMoney(D("10.00"), "USD", D("7.1234")),
         EventMoney(D("20.00"), "EUR", D("7.65"))],
        "CNY",
    )
    # 100 + 71.234 + 153 = 324.234 → 324.23
    assert total == Money(D("324.23"), "CNY")


def test_rounding_happens_once_at_the_end_of_the_sum():
    amounts = [EventMoney(D("1.00"), "USD", D("7.12345"))] * 3
    # Each term is 7.12345 (7.12 if rounded alone: 21.36); the exact sum
    # 21.37035 rounds to 21.37.
    assert sum_in_company_currency(amounts, "CNY").amount == D("21.37")


def test_half_up_rounding():
    assert quantize_money(D("0.125")) == D("0.13")
    assert quantize_money(D("-0.125")) == D("-0.13")
    assert quantize_money(D("2.675")) == D("2.68")
    assert quantize_money(D("7.5"), places=0) == D("8")


def test_a_foreign_amount_without_rate_is_refused():
    with pytest.raises(MissingExchangeRate) as caught:
        sum_in_company_currency([EventMoney(D("5"), "USD")], "CNY")
    assert "USD" in caught.value.message


def test_company_currency_needs_no_rate_but_refuses_a_wrong_one():
    assert convert(Money(D("5"), "CNY"), None, "CNY") == Money(D("5"), "CNY")
    assert convert(Money(D("5"), "CNY"), D(1), "CNY") == Money(D("5"), "CNY")
    with pytest.raises(InvalidMoney):
        convert(Money(D("5"), "CNY"), D("7.1"), "CNY")


def test_convert_is_exact():
    assert convert(Money(D("3.33"), "USD"), D("7.123456"), "CNY") == Money(
        D("23.72110848"), "CNY")


@pytest.mark.parametrize("bad", [1.5, "1.5", None, True, D("NaN"), D("Infinity")])
def test_amounts_must_be_finite_decimals(bad):
    with pytest.raises(InvalidMoney):
        Money(bad, "CNY")


@pytest.mark.parametrize("code", ["cny", "CN", "CNYY", "", None])
def test_currency_codes_are_three_capital_letters(code):
    with pytest.raises(InvalidMoney):
        Money(D("1"), code)


def test_rates_must_be_positive_decimals():
    with pytest.raises(InvalidMoney):
        EventMoney(D("1"), "USD", D("0"))
    with pytest.raises(InvalidMoney):
        EventMoney(D("1"), "USD", 7.1)


def test_integers_are_accepted_as_exact_amounts():
    assert Money(5, "CNY").amount == D(5)
    assert Money(D("-2.50"), "CNY").quantized() == Money(D("-2.50"), "CNY")
    assert -Money(D("2.5"), "CNY") == Money(D("-2.5"), "CNY")
