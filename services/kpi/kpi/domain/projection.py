"""The rollup as a persistence layer keeps it: entity by entity, as differences.

`rollup.Rollup` holds every fact in memory; a service cannot. It stores the
facts and the summed counters instead, and on each new fact recomputes the
contribution of the *entity* the fact belongs to (its order, its ticket, the
customer of its order) from that entity's facts before and after, applying the
difference. The functions here are that arithmetic, with no storage in sight,
so the incremental path and the rebuild share every rule.

On top of `rollup`'s counters this adds revenue per customer (dimension
"customer"): the input of the ABC classification, summed over any window.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import tzinfo
from decimal import Decimal

from .facts import ORDER_CANCELLED, ORDER_CREATED, ORDER_EVENTS, TICKET_EVENTS, Fact
from .order_ledger import first_orders, movements_of_order
from .periods import local_date
from .rollup import (
    REVENUE,
    Contributions,
    RollupKey,
    customer_contributions,
    customer_of_order,
    deal_contributions,
    fact_contributions,
    is_deal_fact,
    is_lead_fact,
    lead_contributions,
    order_contributions,
    recompute,
    ticket_contributions,
)

CUSTOMER = "customer"  # a dimension of revenue only: one row per customer and day


def merge(parts: Iterable[Mapping[RollupKey, Decimal]]) -> Contributions:
    """Counters added up key by key; zeros dropped."""
    totals: Contributions = defaultdict(Decimal)
    for part in parts:
        for key, value in part.items():
            totals[key] += value
    return {key: value for key, value in totals.items() if value != 0}


def difference(new: Mapping[RollupKey, Decimal],
               old: Mapping[RollupKey, Decimal]) -> Contributions:
    """What to add to stored counters holding `old` so they hold `new`."""
    return merge([new, {key: -value for key, value in old.items()}])


def customer_revenue_contributions(order_facts: Iterable[Fact], tz: tzinfo,
                                   currency: str) -> Contributions:
    """Net revenue of one order per customer and local day (the customer the
    order was created for keeps it through changes and cancellation)."""
    totals: Contributions = defaultdict(Decimal)
    for movement in movements_of_order(order_facts, currency):
        customer = movement.origin.customer_id
        if customer:
            day = local_date(movement.occurred_at, tz)
            totals[RollupKey(day, REVENUE, CUSTOMER, customer)] += sum(
                (line.revenue for line in movement.lines), Decimal(0))
    return {key: value for key, value in totals.items() if value != 0}


def order_entity_contributions(order_facts: Iterable[Fact], tz: tzinfo,
                               currency: str) -> Contributions:
    order_facts = list(order_facts)
    return merge([order_contributions(order_facts, tz, currency),
                  customer_revenue_contributions(order_facts, tz, currency)])


def is_order_fact(fact: Fact) -> bool:
    return fact.event_type in ORDER_EVENTS and bool(fact.order_id)


def is_ticket_fact(fact: Fact) -> bool:
    return fact.event_type in TICKET_EVENTS and bool(fact.ticket_id)


def moves_first_orders(fact: Fact) -> bool:
    """Only creations and cancellations can change who is a new customer when."""
    return is_order_fact(fact) and fact.event_type in (ORDER_CREATED, ORDER_CANCELLED)


def order_delta(before: list[Fact], fact: Fact, tz: tzinfo, currency: str) -> Contributions:
    """The change one more fact makes to its order's counters."""
    return difference(order_entity_contributions([*before, fact], tz, currency),
                      order_entity_contributions(before, tz, currency))


def ticket_delta(before: list[Fact], fact: Fact, tz: tzinfo) -> Contributions:
    return difference(ticket_contributions([*before, fact], tz),
                      ticket_contributions(before, tz))


def lead_delta(before: list[Fact], fact: Fact, tz: tzinfo) -> Contributions:
    """The change one more fact makes to its lead's counters (an assignment
    moves the lead's rep/team/region figures to the new owner)."""
    return difference(lead_contributions([*before, fact], tz), lead_contributions(before, tz))


def deal_delta(before: list[Fact], fact: Fact, tz: tzinfo, currency: str) -> Contributions:
    """The change one more fact makes to its deal's counters (its pipeline changes
    after the fact's time are re-based on the new view)."""
    return difference(deal_contributions([*before, fact], tz, currency), deal_contributions(before, tz, currency))


def customer_delta(customer_facts_before: list[Fact], customer_facts_after: list[Fact],
                   tz: tzinfo) -> Contributions:
    """The change in a customer's "new customer" count (first order moved,
    appeared or vanished)."""
    return difference(customer_contributions(customer_facts_after, tz),
                      customer_contributions(customer_facts_before, tz))


def earliest_first_orders(order_groups: Iterable[list[Fact]]) -> dict[str, Fact]:
    """Per customer, their first not-cancelled order's creation, order by order
    (what `first_orders` finds over everything, without holding everything)."""
    firsts: dict[str, Fact] = {}
    for order_facts in order_groups:
        for customer, fact in first_orders(order_facts).items():
            known = firsts.get(customer)
            if known is None or (fact.occurred_at, fact.fact_id) < (known.occurred_at, known.fact_id):
                firsts[customer] = fact
    return firsts


def recompute_all(facts: Iterable[Fact], tz: tzinfo, currency: str) -> Contributions:
    """Every stored counter from scratch: `rollup.recompute` plus revenue per
    customer. The reference both the live path and the rebuild must equal."""
    unique = list({fact.fact_id: fact for fact in facts}.values())
    by_order: dict[str, list[Fact]] = defaultdict(list)
    for fact in unique:
        if is_order_fact(fact):
            by_order[fact.order_id or ""].append(fact)
    return merge([recompute(unique, tz, currency),
                  *(customer_revenue_contributions(group, tz, currency)
                    for group in by_order.values())])


__all__ = [
    "CUSTOMER", "customer_contributions", "customer_delta", "customer_of_order",
    "customer_revenue_contributions", "deal_contributions", "deal_delta", "difference", "earliest_first_orders",
    "fact_contributions", "is_deal_fact", "is_lead_fact", "is_order_fact", "is_ticket_fact", "lead_contributions",
    "lead_delta", "merge", "moves_first_orders",
    "order_delta", "order_entity_contributions", "recompute_all", "ticket_contributions",
    "ticket_delta",
]
