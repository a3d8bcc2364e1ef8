"""One event into the fact log, and its effect on the rollups, in one transaction.

The worker's inbox row, the fact and the counter changes commit together (or
not at all), so an event counts exactly once. Facts that only mean something
together — one order's events, one ticket's, the orders of one customer — are
recomputed as a whole from the log on each new fact (as are one lead's capture,
conversion and assignments: its figures per rep follow its latest owner), so late and out-of-order
events land in the day they happened and give the same counters as a rebuild.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from kpi.domain import projection as pj
from kpi.domain.facts import Fact
from kpi.domain.rollup import Contributions
from kpi.store import (
    FIRST_ORDER_TYPES,
    REBUILD_LOCK,
    Projection,
    add_fact,
    apply_delta,
    fact_values,
    first_order_facts_by_order,
    lead_facts,
    lock,
    note_rep,
    order_facts,
    projection,
    ticket_facts,
)
from kpi.translate import to_fact


def record(session: Session, config, *, event_id: str, event_type: str, data: dict, occurred_at: datetime,
           source: str | None, subject: str | None, recorded_at: datetime) -> Fact:
    """Append the event to the log and bring the projections up to date."""
    # Shared: many workers record at once; a rebuild takes it exclusively. First,
    # so the calendar read next is the one the counters are in when we add to them.
    lock(session, REBUILD_LOCK, shared=True)
    current = projection(session, config, create=True)
    fact = to_fact(event_type, data, event_id=event_id, fallback_time=occurred_at,
                   company_currency=current.currency)
    delta = change_of(session, fact, current)
    add_fact(session, fact_values(fact, event_id=event_id, event_type=event_type, source=source,
                                  subject=subject, data=data, recorded_at=recorded_at))
    apply_delta(session, delta)
    note_rep(session, fact)
    return fact


def change_of(session: Session, fact: Fact, current: Projection) -> Contributions:
    """What this fact changes in the counters, given the facts already logged."""
    tz, currency = current.tz, current.currency
    if pj.is_order_fact(fact):
        return _order_change(session, fact, tz, currency)
    if pj.is_ticket_fact(fact):
        lock(session, f"ticket:{fact.ticket_id}")
        return pj.ticket_delta(ticket_facts(session, fact.ticket_id or "", currency), fact, tz)
    if pj.is_lead_fact(fact):
        lock(session, f"lead:{fact.lead_id}")  # a capture and its assignment are never summed apart
        return pj.lead_delta(lead_facts(session, fact.lead_id or "", currency), fact, tz)
    return pj.fact_contributions(fact, tz)


def _order_change(session: Session, fact: Fact, tz, currency: str) -> Contributions:
    order_id = fact.order_id or ""
    lock(session, f"order:{order_id}")  # two events of one order are never summed apart
    before = order_facts(session, order_id, currency)
    delta = pj.order_delta(before, fact, tz, currency)
    if not pj.moves_first_orders(fact):
        return delta
    after = [*before, fact]
    customers = {pj.customer_of_order(before), pj.customer_of_order(after)} - {None}
    lock(session, *(f"customer:{customer}" for customer in customers))
    parts = [delta]
    for customer in sorted(customers):
        groups = first_order_facts_by_order(session, customer, currency)
        old = _orders_of(customer, groups)
        groups.pop(order_id, None)
        groups[order_id] = [f for f in after if f.event_type in FIRST_ORDER_TYPES]
        parts.append(pj.customer_delta(old, _orders_of(customer, groups), tz))
    return pj.merge(parts)


def _orders_of(customer: str, groups: dict[str, list[Fact]]) -> list[Fact]:
    """The facts of the orders that belong to the customer (by their first creation)."""
    return [fact for facts in groups.values() if pj.customer_of_order(facts) == customer for fact in facts]
