from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from leads.domain.customers import (
    AbcClass,
    Customer,
    CustomerCategory,
    DealOutcome,
    PurchaseHistory,
    apply_classification,
    change_category,
    record_customer_deal,
    record_deal_outcome,
)
from leads.domain.errors import InvalidField, RuleViolation
from leads.domain.money import Money

T0 = datetime(2024, 4, 1, tzinfo=UTC)


def customer(**overrides) -> Customer:
    values = dict(customer_id="C1", name="深圳市腾飞科技有限公司")
    values.update(overrides)
    return Customer(**values)


def won(deal_id, amount, currency="CNY", at=T0):
    return DealOutcome(deal_id, "won", at, Money(Decimal(amount), currency))


def lost(deal_id, at=T0):
    return DealOutcome(deal_id, "lost", at)


# --- classification ------------------------------------------------------------

def test_first_classification_applies():
    result = apply_classification(customer(), "A", T0)
    assert result.applied is True
    assert (result.customer.abc_class, result.customer.classified_as_of) == (AbcClass.A, T0)


def test_newer_classification_replaces_older():
    held = apply_classification(customer(), "A", T0).customer
    result = apply_classification(held, AbcClass.B, T0 + timedelta(days=30))
    assert result.applied is True
    assert (result.customer.abc_class, result.customer.classified_as_of) == (AbcClass.B, T0 + timedelta(days=30))


def test_stale_classification_is_ignored():
    held = apply_classification(customer(), "B", T0 + timedelta(days=30)).customer
    result = apply_classification(held, "A", T0)
    assert result.applied is False
    assert result.customer is held
    assert (result.customer.abc_class, result.customer.classified_as_of) == (AbcClass.B, T0 + timedelta(days=30))
    assert "not newer" in result.reason


def test_redelivered_classification_is_a_no_op():
    held = apply_classification(customer(), "C", T0).customer
    result = apply_classification(held, "C", T0)
    assert (result.applied, result.customer) == (False, held)


def test_classification_validation():
    with pytest.raises(InvalidField) as caught:
        apply_classification(customer(), "D", T0)
    assert caught.value.field == "abc_class"
    with pytest.raises(InvalidField) as caught:
        apply_classification(customer(), "A", datetime(2024, 4, 1))
    assert caught.value.field == "as_of"


def test_category_defaults_to_prospect_and_can_change():
    assert customer().category is CustomerCategory.PROSPECT
    assert change_category(customer(), "key_account").category is CustomerCategory.KEY_ACCOUNT
    with pytest.raises(InvalidField) as caught:
        change_category(customer(), "whale")
    assert caught.value.field == "category"


# --- purchase history ------------------------------------------------------------

def test_history_counts_wins_and_losses_and_totals_per_currency():
    history = PurchaseHistory()
    for outcome in (
        won("D1", "1000.50", at=T0),
        won("D2", "200", "USD", at=T0 + timedelta(days=2)),
        lost("D3", at=T0 + timedelta(days=1)),
        won("D4", "99.50", at=T0 + timedelta(days=3)),
    ):
        history = record_deal_outcome(history, outcome)
    assert (history.won_count, history.lost_count) == (3, 1)
    assert history.won_totals == {"CNY": Decimal("1100.00"), "USD": Decimal("200")}
    assert history.last_deal_at == T0 + timedelta(days=3)
    assert history.processed_deal_ids == frozenset({"D1", "D2", "D3", "D4"})
    assert history.won_total("CNY") == Money(Decimal("1100.00"), "CNY")
    assert history.won_total("EUR") == Money(Decimal("0"), "EUR")


def test_history_is_idempotent_per_deal_id():
    once = record_deal_outcome(PurchaseHistory(), won("D1", "500"))
    twice = record_deal_outcome(once, won("D1", "500"))
    assert twice is once
    assert record_deal_outcome(once, lost("D1")) is once
    assert (twice.won_count, twice.won_totals) == (1, {"CNY": Decimal("500")})


def test_late_event_does_not_move_last_deal_back():
    history = record_deal_outcome(PurchaseHistory(), lost("D2", at=T0 + timedelta(days=10)))
    history = record_deal_outcome(history, won("D1", "1", at=T0))
    assert history.last_deal_at == T0 + timedelta(days=10)


def test_total_in_company_currency_uses_explicit_rates():
    history = record_deal_outcome(PurchaseHistory(), won("D1", "1000"))
    history = record_deal_outcome(history, won("D2", "100", "USD"))
    assert history.won_total_in("CNY", {"USD": Decimal("7.25")}) == Money(Decimal("1725.00"), "CNY")


def test_total_without_a_needed_rate_fails():
    history = record_deal_outcome(PurchaseHistory(), won("D2", "100", "USD"))
    with pytest.raises(RuleViolation):
        history.won_total_in("CNY", {})


def test_customer_history_update():
    updated = record_customer_deal(customer(), won("D1", "300"))
    assert updated.history.won_count == 1
    assert updated.customer_id == "C1"


@pytest.mark.parametrize(
    "build, field",
    [
        (lambda: DealOutcome("D1", "won", T0), "amount"),
        (lambda: DealOutcome("D1", "won", T0, Money(Decimal("-1"), "CNY")), "amount"),
        (lambda: DealOutcome("D1", "tied", T0), "result"),
        (lambda: DealOutcome("", "lost", T0), "deal_id"),
        (lambda: DealOutcome("D1", "lost", datetime(2024, 4, 1)), "closed_at"),
        (lambda: customer(name=" "), "name"),
        (lambda: customer(abc_class="Z"), "abc_class"),
    ],
)
def test_validation(build, field):
    with pytest.raises(InvalidField) as caught:
        build()
    assert caught.value.field == field
