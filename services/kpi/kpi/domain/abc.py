"""ABC (Pareto) classification of customers by trailing revenue.

Customers are sorted by revenue, highest first, and classed by the share of
the total that the customers *before* them already make:
- A while that share is below 80 %: the customer that crosses 80 % is A;
- B while it is below 95 % (the next 15 %); the one crossing 95 % is B;
- C for the rest, and for every customer with zero or negative revenue.
Customers with equal revenue always get the same class (the better one): the
order among equals is arbitrary, so it must not decide anyone's class.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, tzinfo
from decimal import Decimal
from enum import StrEnum
from itertools import groupby

from .errors import RuleViolation
from .facts import Fact
from .metric_value import HUNDRED
from .money import require_decimal
from .periods import trailing_months
from .sales_metrics import revenue_by_customer


class AbcClass(StrEnum):
    A = "A"
    B = "B"
    C = "C"


@dataclass(frozen=True)
class AbcThresholds:
    a_cumulative_percent: Decimal = Decimal(80)
    b_cumulative_percent: Decimal = Decimal(95)

    def __post_init__(self) -> None:
        a = require_decimal(self.a_cumulative_percent, "A threshold")
        b = require_decimal(self.b_cumulative_percent, "B threshold")
        if not 0 < a <= b <= HUNDRED:
            raise RuleViolation(f"ABC thresholds need 0 < A ({a}) ≤ B ({b}) ≤ 100")
        object.__setattr__(self, "a_cumulative_percent", a)
        object.__setattr__(self, "b_cumulative_percent", b)


@dataclass(frozen=True)
class ClassChange:
    customer_id: str
    previous: AbcClass | None  # None: not classified before
    current: AbcClass


def classify(revenue_by_customer: Mapping[str, Decimal],
             thresholds: AbcThresholds = AbcThresholds()) -> dict[str, AbcClass]:
    """The class of every customer given (include customers with zero revenue
    so that they are classed C)."""
    classes = {customer: AbcClass.C for customer in revenue_by_customer}
    paying = {c: r for c, r in revenue_by_customer.items() if require_decimal(r, c) > 0}
    total = sum(paying.values(), Decimal(0))
    if total == 0:
        return classes
    before = Decimal(0)
    ranked = sorted(paying.items(), key=lambda item: item[1], reverse=True)
    for revenue, group in groupby(ranked, key=lambda item: item[1]):
        members = [customer for customer, _ in group]
        share_before = before / total * HUNDRED
        for customer in members:
            classes[customer] = _class_for(share_before, thresholds)
        before += revenue * len(members)
    return classes


def _class_for(share_before: Decimal, thresholds: AbcThresholds) -> AbcClass:
    if share_before < thresholds.a_cumulative_percent:
        return AbcClass.A
    if share_before < thresholds.b_cumulative_percent:
        return AbcClass.B
    return AbcClass.C


def changes(previous: Mapping[str, AbcClass],
            current: Mapping[str, AbcClass]) -> list[ClassChange]:
    """Customers whose class moved (or who are classified for the first time),
    sorted by customer id. A customer classified before but absent now had no
    trailing revenue: they move to C."""
    result = []
    for customer in sorted(set(previous) | set(current)):
        before = previous.get(customer)
        now = current.get(customer, AbcClass.C)
        if before != now:
            result.append(ClassChange(customer, before, now))
    return result


def trailing_revenue_by_customer(facts: Iterable[Fact], last_day: date, tz: tzinfo, *,
                                 currency: str, months: int = 12) -> dict[str, Decimal]:
    """Net revenue per customer over the `months` months ending on `last_day`."""
    window = trailing_months(last_day, months, tz)
    return revenue_by_customer(facts, window, currency=currency)


def classify_customers(facts: Iterable[Fact], last_day: date, tz: tzinfo, *,
                       currency: str, known_customers: Iterable[str] = (),
                       thresholds: AbcThresholds = AbcThresholds(),
                       months: int = 12) -> dict[str, AbcClass]:
    """Classify every known customer (those without trailing revenue are C)
    by their trailing revenue as of `last_day`."""
    revenue = dict.fromkeys(known_customers, Decimal(0))
    revenue.update(trailing_revenue_by_customer(facts, last_day, tz,
                                                currency=currency, months=months))
    return classify(revenue, thresholds)


def reclassify(revenue_by_customer: Mapping[str, Decimal],
               previous: Mapping[str, AbcClass],
               thresholds: AbcThresholds = AbcThresholds(),
               ) -> tuple[dict[str, AbcClass], list[ClassChange]]:
    """The new classes and what changed since `previous` (what the service
    publishes as kpi.customer.classified)."""
    current = classify({**dict.fromkeys(previous, Decimal(0)), **revenue_by_customer},
                       thresholds)
    return current, changes(previous, current)


@dataclass(frozen=True)
class CustomerClassified:
    """A customer's class changed, or was set for the first time (announced as
    kpi.customer.classified): the class, the revenue it rests on and the rules."""

    customer_id: str
    abc_class: AbcClass
    previous_class: AbcClass | None
    trailing_revenue: Decimal
    currency: str
    as_of: date
    thresholds: AbcThresholds
    months: int
