"""One event into the fact log, and its effect on the rollups, in one transaction.

The worker's inbox row, the fact and the counter changes commit together (or
not at all), so an event counts exactly once. Facts that only mean something
together — one order's events, one ticket's, the orders of one customer — are
recomputed as a whole from the log on each new fact (as are one lead's capture,
conversion and assignments: its figures per rep follow its latest owner; and one
deal's facts: its pipeline changes follow its views), so late and out-of-order
events land in the day they happened and give the same counters as a rebuild.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from kpi.domain import projection as pj
from kpi.domain.facts import Fact
from kpi.domain.rollup import Contributions
from kpi.readers import to_fact
from kpi.repository import (
    FIRST_ORDER_TYPES,
    REBUILD_LOCK,
    IngestBatch,
    Projection,
    fact_values,
)


@dataclass(frozen=True)
class RecordEvent:
    """One consumed event, as the log keeps it: the data exactly as received."""

    event_id: str
    event_type: str
    data: dict
    occurred_at: datetime  # the envelope's time: the fallback when the data names none
    source: str | None
    subject: str | None
    recorded_at: datetime


def record(session: Session, config, command: RecordEvent, batch: IngestBatch | None = None, *,
           fact: Fact | None = None) -> Fact:
    """Append the event to the log and bring the projections up to date (the
    worker commits it with the inbox row). Within a ``batch`` the counter and
    directory changes are gathered and written once when it is flushed, at the
    commit; without one they are written now. ``fact`` is the event already read
    into its fact, when the batch did."""
    alone = batch is None
    batch = IngestBatch(session) if batch is None else batch
    # Shared: many workers record at once; a rebuild takes it exclusively. First,
    # so the calendar read next is the one the counters are in when we add to them.
    batch.lock(REBUILD_LOCK, shared=True)
    current = batch.projection(config)
    if fact is None:  # not read yet by the batch (read with the same currency, in the same transaction)
        fact = to_fact(command.event_type, command.data, event_id=command.event_id,
                       fallback_time=command.occurred_at, company_currency=current.currency)
    batch.add(change_of(batch, fact, current))
    batch.add_fact(fact_values(fact, event_id=command.event_id, event_type=command.event_type,
                               source=command.source, subject=command.subject, data=command.data,
                               recorded_at=command.recorded_at), fact)
    batch.note_rep(fact)
    if alone:
        batch.flush()
    return fact


def change_of(batch: IngestBatch, fact: Fact, current: Projection) -> Contributions:
    """What this fact changes in the counters, given the facts already logged."""
    tz, currency = current.tz, current.currency
    if pj.is_order_fact(fact):
        return _order_change(batch, fact, tz, currency)
    if pj.is_ticket_fact(fact):
        batch.lock(f"ticket:{fact.ticket_id}")
        return pj.ticket_delta(batch.ticket_facts(fact.ticket_id or "", currency), fact, tz)
    if pj.is_lead_fact(fact):
        batch.lock(f"lead:{fact.lead_id}")  # a capture and its assignment are never summed apart
        return pj.lead_delta(batch.lead_facts(fact.lead_id or "", currency), fact, tz)
    if pj.is_deal_fact(fact):
        batch.lock(f"deal:{fact.deal_id}")  # a deal's pipeline changes are re-based on its other facts
        return pj.deal_delta(batch.deal_facts(fact.deal_id or "", currency), fact, tz, currency)
    return pj.fact_contributions(fact, tz)


def _order_change(batch: IngestBatch, fact: Fact, tz, currency: str) -> Contributions:
    order_id = fact.order_id or ""
    batch.lock(f"order:{order_id}")  # two events of one order are never summed apart
    before = batch.order_facts(order_id, currency)
    delta = pj.order_delta(before, fact, tz, currency)
    if not pj.moves_first_orders(fact):
        return delta
    after = [*before, fact]
    customers = {pj.customer_of_order(before), pj.customer_of_order(after)} - {None}
    batch.lock(*(f"customer:{customer}" for customer in customers))
    parts = [delta]
    for customer in sorted(customers):
        groups = batch.first_order_facts_by_order(customer, currency)
        old = _orders_of(customer, groups)
        groups.pop(order_id, None)
        groups[order_id] = [f for f in after if f.event_type in FIRST_ORDER_TYPES]
        parts.append(pj.customer_delta(old, _orders_of(customer, groups), tz))
    return pj.merge(parts)


def _orders_of(customer: str, groups: dict[str, list[Fact]]) -> list[Fact]:
    """The facts of the orders that belong to the customer (by their first creation)."""
    return [fact for facts in groups.values() if pj.customer_of_order(facts) == customer for fact in facts]
