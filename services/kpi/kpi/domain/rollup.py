"""Daily rollup of the additive KPI counters, kept up to date fact by fact.

Key: (local day, counter, dimension, value), e.g.
(2026-11-25, "revenue", "rep", "rep-7") → 12 345.67 in the company currency.
Ratios are derived from counters when read (win rate = deals_won /
(deals_won + deals_lost)); medians and percentiles are not additive and are
computed from the facts instead. The pipeline is kept as changes: each deal
fact moves the pipeline counters, on its day, from what the deal's previous
view counted to what its new one counts, so the pipeline at a period's end is
the sum of every change up to that day.

Order-independence is the whole point: a late or out-of-order fact lands in
its own local day, and `rebuild(facts)` gives exactly what applying the same
facts one by one gives, in any order. Facts that only mean something together
— the events of one order, of one ticket, the orders of one customer — form
an *entity*; on each fact the rollup recomputes that entity's contribution
from all its facts and applies the difference, so the result depends only on
which facts arrived, never on when.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import NamedTuple

from .facts import (
    ACTIVITY_LOGGED,
    DEAL_EVENTS,
    DEAL_LOST,
    DEAL_WON,
    LEAD_ASSIGNED,
    LEAD_CAPTURED,
    LEAD_CONVERTED,
    LEAD_EVENTS,
    ORDER_CREATED,
    ORDER_EVENTS,
    QA_VIOLATION,
    SURVEY_ANSWERED,
    TICKET_EVENTS,
    VISIT,
    Dimension,
    Fact,
)
from .funnel_metrics import deal_views, pipeline_counters
from .order_ledger import first_orders, movements_of_order
from .periods import Period, local_date
from .service_metrics import DETRACTOR_MAX, PROMOTER_MIN
from .tickets import analyse_ticket

# Counters.
REVENUE = "revenue"
REVENUE_WITH_COST = "revenue_with_cost"
COST = "cost"
ORDERS = "orders"
NEW_CUSTOMERS = "new_customers"
LEADS_CAPTURED = "leads_captured"
LEADS_CONVERTED = "leads_converted"
DEALS_WON = "deals_won"
DEALS_LOST = "deals_lost"
CONTACTS = "contacts"
VISITS = "visits"
CSAT_RESPONSES = "csat_responses"
CSAT_SUM = "csat_sum"
NPS_RESPONSES = "nps_responses"
NPS_PROMOTERS = "nps_promoters"
NPS_DETRACTORS = "nps_detractors"
COMPLAINTS_OPENED = "complaints_opened"
COMPLAINTS_RESOLVED = "complaints_resolved"
COMPLAINT_RESPONSES = "complaint_responses"
COMPLAINT_RESPONSES_IN_SLA = "complaint_responses_in_sla"
VIOLATIONS = "violations"

ONE = Decimal(1)
_SINGLE_VALUED = (Dimension.REP, Dimension.TEAM, Dimension.REGION, Dimension.SOURCE)


class RollupKey(NamedTuple):
    day: date
    metric: str
    dimension: str
    value: str  # "" for the "all" dimension


Contributions = dict[RollupKey, Decimal]


class _Collector:
    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz
        self.totals: Contributions = defaultdict(Decimal)

    def add(self, at: datetime, metric: str, origin: Fact, amount: Decimal,
            products: Iterable[str] | None = None) -> None:
        """Count `amount` for `metric` on the local day of `at`, once overall
        and once per dimension value of `origin` (products may be narrowed to
        one order line)."""
        day = local_date(at, self.tz)
        self.totals[RollupKey(day, metric, Dimension.ALL.value, "")] += amount
        for dimension in _SINGLE_VALUED:
            value = origin.value_of(dimension)
            if value:
                self.totals[RollupKey(day, metric, dimension.value, value)] += amount
        for product in origin.product_codes if products is None else products:
            self.totals[RollupKey(day, metric, Dimension.PRODUCT.value, product)] += amount

    def result(self) -> Contributions:
        return {key: value for key, value in self.totals.items() if value != 0}


def fact_contributions(fact: Fact, tz: tzinfo) -> Contributions:
    """Counters of a fact that means something on its own."""
    collect = _Collector(tz)
    simple = {LEAD_CAPTURED: LEADS_CAPTURED, LEAD_CONVERTED: LEADS_CONVERTED,
              DEAL_WON: DEALS_WON, DEAL_LOST: DEALS_LOST, ACTIVITY_LOGGED: CONTACTS,
              QA_VIOLATION: VIOLATIONS}
    if fact.event_type in simple:
        collect.add(fact.occurred_at, simple[fact.event_type], fact, ONE)
    if fact.event_type == ACTIVITY_LOGGED and fact.channel == VISIT:
        collect.add(fact.occurred_at, VISITS, fact, ONE)
    if fact.event_type == SURVEY_ANSWERED:
        _survey(collect, fact)
    return collect.result()


def _survey(collect: _Collector, fact: Fact) -> None:
    if fact.csat:
        collect.add(fact.occurred_at, CSAT_RESPONSES, fact, ONE)
        collect.add(fact.occurred_at, CSAT_SUM, fact, Decimal(fact.csat))
    if fact.nps is not None:
        collect.add(fact.occurred_at, NPS_RESPONSES, fact, ONE)
        if fact.nps >= PROMOTER_MIN:
            collect.add(fact.occurred_at, NPS_PROMOTERS, fact, ONE)
        if fact.nps <= DETRACTOR_MAX:
            collect.add(fact.occurred_at, NPS_DETRACTORS, fact, ONE)


def lead_contributions(lead_facts: Iterable[Fact], tz: tzinfo) -> Contributions:
    """Captured and converted counts of one lead, from all its facts.

    A lead is usually captured before anyone owns it; its figures per rep, team
    and region belong to the rep it was assigned to last (by assignment time),
    so a late assignment or a reassignment moves them. Company-wide, source and
    product figures stay those of the capture/conversion itself."""
    totals: Contributions = defaultdict(Decimal)
    for fact in credited_to_owners(lead_facts):
        for key, value in fact_contributions(fact, tz).items():
            totals[key] += value
    return {key: value for key, value in totals.items() if value != 0}


def credited_to_owners(facts: Iterable[Fact]) -> list[Fact]:
    """The lead facts other than assignments, each with the rep, team and region
    of its lead's latest assignment among `facts` (unchanged without one)."""
    facts = list(facts)
    owners: dict[str, Fact] = {}
    for fact in facts:
        if fact.event_type == LEAD_ASSIGNED and fact.lead_id:
            known = owners.get(fact.lead_id)
            if known is None or (fact.occurred_at, fact.fact_id) > (known.occurred_at, known.fact_id):
                owners[fact.lead_id] = fact
    credited = []
    for fact in facts:
        if fact.event_type == LEAD_ASSIGNED:
            continue
        owner = owners.get(fact.lead_id or "")
        credited.append(fact if owner is None
                        else replace(fact, rep=owner.rep, team=owner.team, region=owner.region))
    return credited


def deal_contributions(deal_facts: Iterable[Fact], tz: tzinfo, currency: str) -> Contributions:
    """Won and lost counts of one deal (each fact as it came), and its pipeline
    changes (each view of the deal replacing the one before), from all its facts."""
    deal_facts = list(deal_facts)
    collect = _Collector(tz)
    previous: Fact | None = None
    for view in deal_views(deal_facts):
        if previous is not None:
            for metric, amount in pipeline_counters(previous, currency).items():
                collect.add(view.occurred_at, metric, previous, -amount)
        for metric, amount in pipeline_counters(view, currency).items():
            collect.add(view.occurred_at, metric, view, amount)
        previous = view
    for fact in deal_facts:
        for key, value in fact_contributions(fact, tz).items():
            collect.totals[key] += value
    return collect.result()


def is_deal_fact(fact: Fact) -> bool:
    """Facts that only count together with the other facts of their deal."""
    return fact.event_type in DEAL_EVENTS and bool(fact.deal_id)


def is_lead_fact(fact: Fact) -> bool:
    """Facts that only count together with the other facts of their lead."""
    return fact.event_type in LEAD_EVENTS and bool(fact.lead_id)


def order_contributions(order_facts: Iterable[Fact], tz: tzinfo, currency: str) -> Contributions:
    """Revenue, cost and order count of one order, from all its facts."""
    collect = _Collector(tz)
    for movement in movements_of_order(order_facts, currency):
        origin, at = movement.origin, movement.occurred_at
        if movement.order_delta:
            collect.add(at, ORDERS, origin, Decimal(movement.order_delta))
        for line in movement.lines:
            products = movement.products() if line.product is None else (line.product,)
            collect.add(at, REVENUE, origin, line.revenue, products)
            if line.cost is not None:
                collect.add(at, REVENUE_WITH_COST, origin, line.revenue, products)
                collect.add(at, COST, origin, line.cost, products)
    return collect.result()


def customer_contributions(order_facts_of_customer: Iterable[Fact], tz: tzinfo) -> Contributions:
    """The "new customer" count of one customer, from the facts of all their orders."""
    collect = _Collector(tz)
    for fact in first_orders(order_facts_of_customer).values():
        collect.add(fact.occurred_at, NEW_CUSTOMERS, fact, ONE)
    return collect.result()


def ticket_contributions(ticket_facts: Iterable[Fact], tz: tzinfo) -> Contributions:
    """Complaint counters of one ticket, from all its facts."""
    collect = _Collector(tz)
    outcome = analyse_ticket(ticket_facts)
    if not outcome.is_complaint:
        return {}
    if outcome.opened:
        collect.add(outcome.opened.occurred_at, COMPLAINTS_OPENED, outcome.opened, ONE)
    if outcome.first_response:
        response = outcome.first_response
        collect.add(response.occurred_at, COMPLAINT_RESPONSES, response, ONE)
        if outcome.first_response_within_sla:
            collect.add(response.occurred_at, COMPLAINT_RESPONSES_IN_SLA, response, ONE)
    if outcome.resolved:
        collect.add(outcome.resolved.occurred_at, COMPLAINTS_RESOLVED, outcome.resolved, ONE)
    return collect.result()


def customer_of_order(order_facts: Iterable[Fact]) -> str | None:
    """The customer named by the order's first creation fact (as the ledger
    takes the first creation)."""
    created = sorted(
        (f for f in order_facts if f.event_type == ORDER_CREATED),
        key=lambda fact: (fact.occurred_at, fact.fact_id),
    )
    return created[0].customer_id if created else None


class Rollup:
    """The daily rollup held in memory: `apply` returns the change it made, for
    a persistence layer to add to its stored rows."""

    def __init__(self, tz: tzinfo, currency: str) -> None:
        self.tz = tz
        self.currency = currency
        self._totals: Contributions = {}
        self._seen: set[str] = set()
        self._order_facts: dict[str, dict[str, Fact]] = defaultdict(dict)
        self._ticket_facts: dict[str, dict[str, Fact]] = defaultdict(dict)
        self._lead_facts: dict[str, dict[str, Fact]] = defaultdict(dict)
        self._deal_facts: dict[str, dict[str, Fact]] = defaultdict(dict)
        self._orders_of_customer: dict[str, set[str]] = defaultdict(set)
        self._customer_of: dict[str, str | None] = {}
        self._applied: dict[tuple[str, str], Contributions] = {}

    def apply(self, fact: Fact) -> Contributions:
        """Add one fact; a fact id seen before changes nothing."""
        if fact.fact_id in self._seen:
            return {}
        self._seen.add(fact.fact_id)
        delta: Contributions = defaultdict(Decimal)
        if fact.event_type in ORDER_EVENTS and fact.order_id:
            self._apply_order_fact(fact, delta)
        elif fact.event_type in TICKET_EVENTS and fact.ticket_id:
            self._ticket_facts[fact.ticket_id][fact.fact_id] = fact
            facts = self._ticket_facts[fact.ticket_id].values()
            self._replace(("ticket", fact.ticket_id), ticket_contributions(facts, self.tz), delta)
        elif is_lead_fact(fact):
            self._lead_facts[fact.lead_id or ""][fact.fact_id] = fact
            facts = self._lead_facts[fact.lead_id or ""].values()
            self._replace(("lead", fact.lead_id or ""), lead_contributions(facts, self.tz), delta)
        elif is_deal_fact(fact):
            self._deal_facts[fact.deal_id or ""][fact.fact_id] = fact
            facts = self._deal_facts[fact.deal_id or ""].values()
            self._replace(("deal", fact.deal_id or ""), deal_contributions(facts, self.tz, self.currency), delta)
        else:
            self._merge(fact_contributions(fact, self.tz), delta, +1)
        return {key: value for key, value in delta.items() if value != 0}

    def _apply_order_fact(self, fact: Fact, delta: Contributions) -> None:
        order_id = fact.order_id or ""
        self._order_facts[order_id][fact.fact_id] = fact
        order_facts = self._order_facts[order_id].values()
        self._replace(("order", order_id),
                      order_contributions(order_facts, self.tz, self.currency), delta)
        old_customer = self._customer_of.get(order_id)
        new_customer = customer_of_order(order_facts)
        if old_customer != new_customer:
            self._customer_of[order_id] = new_customer
            if old_customer:
                self._orders_of_customer[old_customer].discard(order_id)
            if new_customer:
                self._orders_of_customer[new_customer].add(order_id)
        for customer in {old_customer, new_customer} - {None}:
            self._replace(("customer", customer or ""),
                          customer_contributions(self._facts_of_customer(customer or ""),
                                                 self.tz), delta)

    def _facts_of_customer(self, customer: str) -> list[Fact]:
        return [
            fact
            for order_id in self._orders_of_customer[customer]
            for fact in self._order_facts[order_id].values()
        ]

    def _replace(self, entity: tuple[str, str], contributions: Contributions,
                 delta: Contributions) -> None:
        self._merge(self._applied.get(entity, {}), delta, -1)
        self._merge(contributions, delta, +1)
        self._applied[entity] = contributions

    def _merge(self, contributions: Mapping[RollupKey, Decimal], delta: Contributions,
               sign: int) -> None:
        for key, value in contributions.items():
            change = sign * value
            delta[key] += change
            total = self._totals.get(key, Decimal(0)) + change
            if total == 0:
                self._totals.pop(key, None)
            else:
                self._totals[key] = total

    def totals(self) -> Contributions:
        """Every non-zero counter."""
        return dict(self._totals)

    def total(self, metric: str, period: Period, dimension: Dimension = Dimension.ALL,
              value: str = "") -> Decimal:
        """A counter summed over the local days of a period."""
        return sum(
            (amount for key, amount in self._totals.items()
             if key.metric == metric and key.dimension == dimension.value
             and key.value == value and period.contains_date(key.day)),
            Decimal(0),
        )


def rebuild(facts: Iterable[Fact], tz: tzinfo, currency: str) -> Rollup:
    """A rollup rebuilt from the fact log, ready for further `apply` calls."""
    rollup = Rollup(tz, currency)
    for fact in facts:
        rollup.apply(fact)
    return rollup


def recompute(facts: Iterable[Fact], tz: tzinfo, currency: str) -> Contributions:
    """Every counter computed from scratch, entity by entity, without the
    incremental machinery: the reference `Rollup.totals()` must equal."""
    unique = list({fact.fact_id: fact for fact in facts}.values())
    by_order: dict[str, list[Fact]] = defaultdict(list)
    by_ticket: dict[str, list[Fact]] = defaultdict(list)
    by_lead: dict[str, list[Fact]] = defaultdict(list)
    by_deal: dict[str, list[Fact]] = defaultdict(list)
    parts: list[Contributions] = []
    for fact in unique:
        if fact.event_type in ORDER_EVENTS and fact.order_id:
            by_order[fact.order_id].append(fact)
        elif fact.event_type in TICKET_EVENTS and fact.ticket_id:
            by_ticket[fact.ticket_id].append(fact)
        elif is_lead_fact(fact):
            by_lead[fact.lead_id or ""].append(fact)
        elif is_deal_fact(fact):
            by_deal[fact.deal_id or ""].append(fact)
        else:
            parts.append(fact_contributions(fact, tz))
    by_customer: dict[str, list[Fact]] = defaultdict(list)
    for order_facts in by_order.values():
        parts.append(order_contributions(order_facts, tz, currency))
        customer = customer_of_order(order_facts)
        if customer:
            by_customer[customer] += order_facts
    parts += [customer_contributions(f, tz) for f in by_customer.values()]
    parts += [ticket_contributions(f, tz) for f in by_ticket.values()]
    parts += [lead_contributions(f, tz) for f in by_lead.values()]
    parts += [deal_contributions(f, tz, currency) for f in by_deal.values()]
    totals: Contributions = defaultdict(Decimal)
    for part in parts:
        for key, value in part.items():
            totals[key] += value
    return {key: value for key, value in totals.items() if value != 0}
