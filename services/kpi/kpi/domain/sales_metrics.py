"""Order-based metrics: revenue, gross profit, orders, average order value,
new customers. See order_ledger for when revenue is booked and reversed.

Every function takes the facts (the period's facts plus the earlier facts of
the orders they touch — simplest: every fact up to the period's end), the
period, the company currency and an optional Scope.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from .facts import EVERYTHING, Fact, Scope
from .metric_value import NO_DATA, MetricValue, count_value, no_data, percentage
from .money import quantize_money
from .order_ledger import LineMovement, OrderMovement, first_orders, order_movements
from .periods import Period


def movements_in(facts: Iterable[Fact], period: Period, currency: str,
                 scope: Scope = EVERYTHING) -> list[OrderMovement]:
    return [
        movement
        for movement in order_movements(facts, currency)
        if period.contains(movement.occurred_at)
        and scope.matches_dimensions(movement.origin)
        and movement.concerns(scope.product)
    ]


def _lines_in(movements: list[OrderMovement], scope: Scope) -> list[LineMovement]:
    return [line for movement in movements for line in movement.lines_for(scope.product)]


def _money(value: Decimal, currency: str, any_fact: bool, note: str = "") -> MetricValue:
    return MetricValue(quantize_money(value), currency, note=note if any_fact else NO_DATA)


def revenue(facts: Iterable[Fact], period: Period, *, currency: str,
            scope: Scope = EVERYTHING) -> MetricValue:
    """Orders created in the period minus orders cancelled in it, ± changes."""
    movements = movements_in(facts, period, currency, scope)
    total = sum((line.revenue for line in _lines_in(movements, scope)), Decimal(0))
    return _money(total, currency, bool(movements))


def _gross_profit_parts(movements: list[OrderMovement], scope: Scope) -> dict[str, Decimal]:
    lines = _lines_in(movements, scope)
    known = [line for line in lines if line.cost is not None]
    orders_without_cost = {
        movement.order_id
        for movement in movements
        if any(line.cost is None for line in movement.lines_for(scope.product))
    }
    orders = {movement.order_id for movement in movements}
    return {
        "orders": Decimal(len(orders)),
        "orders_with_cost": Decimal(len(orders - orders_without_cost)),
        "revenue": sum((line.revenue for line in lines), Decimal(0)),
        "revenue_with_cost": sum((line.revenue for line in known), Decimal(0)),
        "cost": sum((line.cost for line in known if line.cost is not None), Decimal(0)),
        "lines_with_cost": Decimal(len(known)),
    }


def gross_profit(facts: Iterable[Fact], period: Period, *, currency: str,
                 scope: Scope = EVERYTHING) -> MetricValue:
    """Revenue − cost, over the orders whose cost is known.

    An order without a known cost is left out rather than counted at zero
    cost (which would overstate profit); the note and `extra` say how much of
    the revenue the figure covers.
    """
    movements = movements_in(facts, period, currency, scope)
    if not movements:
        return _money(Decimal(0), currency, any_fact=False)
    parts = _gross_profit_parts(movements, scope)
    extra = {key: quantize_money(value) if "revenue" in key or key == "cost" else int(value)
             for key, value in parts.items() if key != "lines_with_cost"}
    orders, covered = int(parts["orders"]), int(parts["orders_with_cost"])
    if parts["lines_with_cost"] == 0:
        return MetricValue(None, currency, note=f"cost unknown for all {orders} orders",
                           extra=extra)
    note = ""
    if covered < orders:
        note = f"cost known for {covered} of {orders} orders"
        if parts["revenue"]:
            share = quantize_money(parts["revenue_with_cost"] / parts["revenue"] * 100)
            note += f" ({share} % of revenue)"
    profit = parts["revenue_with_cost"] - parts["cost"]
    return MetricValue(quantize_money(profit), currency, note=note, extra=extra)


def gross_margin(facts: Iterable[Fact], period: Period, *, currency: str,
                 scope: Scope = EVERYTHING) -> MetricValue:
    """Gross profit as a percentage of the revenue whose cost is known."""
    movements = movements_in(facts, period, currency, scope)
    if not movements:
        return no_data("%")
    parts = _gross_profit_parts(movements, scope)
    if parts["lines_with_cost"] == 0:
        return no_data("%")
    return percentage(parts["revenue_with_cost"] - parts["cost"], parts["revenue_with_cost"])


def order_count(facts: Iterable[Fact], period: Period, *, currency: str,
                scope: Scope = EVERYTHING) -> MetricValue:
    """Orders created minus orders cancelled in the period (net, like revenue)."""
    movements = movements_in(facts, period, currency, scope)
    return count_value(_net_orders(movements, scope), any_fact=bool(movements))


def _net_orders(movements: list[OrderMovement], scope: Scope) -> int:
    return sum(m.order_delta for m in movements if m.counts_for(scope.product))


def average_order_value(facts: Iterable[Fact], period: Period, *, currency: str,
                        scope: Scope = EVERYTHING) -> MetricValue:
    """Net revenue / net orders of the period."""
    movements = movements_in(facts, period, currency, scope)
    total = sum((line.revenue for line in _lines_in(movements, scope)), Decimal(0))
    orders = _net_orders(movements, scope)
    if orders <= 0:
        return no_data(currency, quantize_money(total), Decimal(orders))
    return MetricValue(quantize_money(total / orders), currency,
                       quantize_money(total), Decimal(orders))


def new_customer_ids(facts: Iterable[Fact], period: Period,
                     scope: Scope = EVERYTHING) -> list[str]:
    """Customers whose first (not cancelled) order was created in the period.
    Needs every order fact since the beginning, or "first" is not first."""
    return sorted(
        customer
        for customer, fact in first_orders(facts).items()
        if period.contains(fact.occurred_at) and scope.matches(fact)
    )


def new_customers(facts: Iterable[Fact], period: Period,
                  scope: Scope = EVERYTHING) -> MetricValue:
    return count_value(len(new_customer_ids(facts, period, scope)))


def revenue_by_customer(facts: Iterable[Fact], period: Period, *, currency: str,
                        scope: Scope = EVERYTHING) -> dict[str, Decimal]:
    """Net revenue per customer in the period (the input of ABC classification)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for movement in movements_in(facts, period, currency, scope):
        customer = movement.origin.customer_id
        if customer:
            totals[customer] += sum(
                (line.revenue for line in movement.lines_for(scope.product)), Decimal(0)
            )
    return {customer: quantize_money(total) for customer, total in totals.items()}
