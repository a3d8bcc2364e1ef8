from datetime import UTC, datetime
from decimal import Decimal

import pytest

from leads.domain.errors import DomainError, IllegalTransition, InvalidField, RuleViolation
from leads.domain.lead import LeadFacts, LeadSource
from leads.domain.money import Money, parse_decimal


def test_money_adds_within_one_currency():
    assert Money(Decimal("1.10"), "CNY") + Money(Decimal("2.05"), "CNY") == Money(Decimal("3.15"), "CNY")


def test_money_refuses_to_add_currencies():
    with pytest.raises(InvalidField):
        Money(Decimal(1), "CNY") + Money(Decimal(1), "USD")


def test_money_conversion_needs_an_explicit_positive_rate():
    assert Money(Decimal("100"), "USD").converted(Decimal("7.2"), "CNY") == Money(Decimal("720.0"), "CNY")
    with pytest.raises(InvalidField):
        Money(Decimal("100"), "USD").converted(Decimal("0"), "CNY")


@pytest.mark.parametrize("amount", [0.1, True, "abc", "NaN", "Infinity", None])
def test_money_refuses_inexact_or_non_numbers(amount):
    with pytest.raises(InvalidField):
        Money(amount, "CNY")


@pytest.mark.parametrize("currency", ["cny", "RMB1", "", None])
def test_money_needs_iso_currency(currency):
    with pytest.raises(InvalidField):
        Money(Decimal(1), currency)


def test_parse_decimal_accepts_strings_and_ints():
    assert parse_decimal(" 12.50 ", "x") == Decimal("12.50")
    assert parse_decimal(7, "x") == Decimal(7)


def test_error_hierarchy():
    assert issubclass(InvalidField, DomainError)
    assert issubclass(RuleViolation, DomainError)
    assert issubclass(IllegalTransition, DomainError)
    error = InvalidField("phone", "is required")
    assert (error.field, error.reason, error.message, str(error)) == (
        "phone", "is required", "phone: is required", "phone: is required",
    )


CAPTURED = datetime(2024, 1, 1, tzinfo=UTC)


def test_lead_facts_normalize_codes():
    facts = LeadFacts("L1", "referral", CAPTURED, product_lines=[" CRM ", "erp", ""], region=" East ", industry="")
    assert facts.source is LeadSource.REFERRAL
    assert facts.product_lines == frozenset({"crm", "erp"})
    assert (facts.region, facts.industry) == ("east", None)


@pytest.mark.parametrize(
    "overrides, field",
    [
        (dict(source="fax"), "source"),
        (dict(lead_id=""), "lead_id"),
        (dict(captured_at=datetime(2024, 1, 1)), "captured_at"),
        (dict(budget=Money(Decimal("-1"), "CNY")), "budget"),
        (dict(budget=100), "budget"),
        (dict(budget_rate=Decimal("0")), "budget_rate"),
        (dict(budget_rate=7.2), "budget_rate"),
        (dict(company_size=-3), "company_size"),
        (dict(company_size=True), "company_size"),
    ],
)
def test_lead_facts_validation(overrides, field):
    values = dict(lead_id="L1", source="web_form", captured_at=CAPTURED)
    values.update(overrides)
    with pytest.raises(InvalidField) as caught:
        LeadFacts(**values)
    assert caught.value.field == field
