"""Funnel metrics: leads, conversion, win rate, sales cycle, pipeline, contacts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from .facts import (
    ACTIVITY_LOGGED,
    CONTRACT_SIGNED,
    DEAL_EVENTS,
    DEAL_LOST,
    DEAL_WON,
    EVERYTHING,
    LEAD_CAPTURED,
    LEAD_CONVERTED,
    VISIT,
    Fact,
    Scope,
    chronological,
)
from .metric_value import (
    DAYS,
    HUNDRED,
    NO_DATA,
    MetricValue,
    count_value,
    median,
    nearest_rank,
    percentage,
)
from .money import quantize_money
from .periods import Period

UNKNOWN_SOURCE = "unknown"
_SECONDS_PER_DAY = Decimal(86400)


def facts_in(facts: Iterable[Fact], period: Period, event_type: str,
             scope: Scope = EVERYTHING) -> list[Fact]:
    return [
        fact
        for fact in facts
        if fact.event_type == event_type and period.contains(fact.occurred_at)
        and scope.matches(fact)
    ]


def leads_captured(facts: Iterable[Fact], period: Period,
                   scope: Scope = EVERYTHING) -> MetricValue:
    return count_value(len(facts_in(facts, period, LEAD_CAPTURED, scope)))


def leads_by_source(facts: Iterable[Fact], period: Period,
                    scope: Scope = EVERYTHING) -> dict[str, MetricValue]:
    """Leads captured per source channel ("unknown" when none was given)."""
    counts: dict[str, int] = defaultdict(int)
    for fact in facts_in(facts, period, LEAD_CAPTURED, scope):
        counts[fact.source or UNKNOWN_SOURCE] += 1
    return {source: count_value(counts[source]) for source in sorted(counts)}


class ConversionBasis(StrEnum):
    # Leads converted in the period / leads captured in the period. Simple and
    # additive by day, but a ratio of two flows: it can exceed 100 %.
    FLOW = "flow"
    # Of the leads captured in the period, the share converted (so far).
    COHORT = "cohort"


def lead_conversion_rate(facts: Iterable[Fact], period: Period,
                         scope: Scope = EVERYTHING,
                         basis: ConversionBasis = ConversionBasis.FLOW) -> MetricValue:
    facts = list(facts)
    captured = facts_in(facts, period, LEAD_CAPTURED, scope)
    if basis is ConversionBasis.FLOW:
        converted = facts_in(facts, period, LEAD_CONVERTED, scope)
        return percentage(len(converted), len(captured))
    converted_leads = {
        fact.lead_id for fact in facts if fact.event_type == LEAD_CONVERTED and fact.lead_id
    }
    cohort = {fact.lead_id or fact.fact_id for fact in captured}
    return percentage(len(cohort & converted_leads), len(cohort))


def deals_won(facts: Iterable[Fact], period: Period, scope: Scope = EVERYTHING) -> MetricValue:
    return count_value(len(facts_in(facts, period, DEAL_WON, scope)))


def deals_lost(facts: Iterable[Fact], period: Period, scope: Scope = EVERYTHING) -> MetricValue:
    return count_value(len(facts_in(facts, period, DEAL_LOST, scope)))


def win_rate(facts: Iterable[Fact], period: Period, scope: Scope = EVERYTHING) -> MetricValue:
    """Deals won / deals closed (won + lost) in the period."""
    facts = list(facts)
    won = len(facts_in(facts, period, DEAL_WON, scope))
    lost = len(facts_in(facts, period, DEAL_LOST, scope))
    return percentage(won, won + lost)


def contacts(facts: Iterable[Fact], period: Period, scope: Scope = EVERYTHING) -> MetricValue:
    """Logged contacts of every channel (call, e-mail, visit, chat)."""
    return count_value(len(facts_in(facts, period, ACTIVITY_LOGGED, scope)))


def visits(facts: Iterable[Fact], period: Period, scope: Scope = EVERYTHING) -> MetricValue:
    logged = facts_in(facts, period, ACTIVITY_LOGGED, scope)
    return count_value(sum(1 for fact in logged if fact.channel == VISIT))


def contacts_by_channel(facts: Iterable[Fact], period: Period,
                        scope: Scope = EVERYTHING) -> dict[str, MetricValue]:
    counts: dict[str, int] = defaultdict(int)
    for fact in facts_in(facts, period, ACTIVITY_LOGGED, scope):
        counts[fact.channel or "other"] += 1
    return {channel: count_value(counts[channel]) for channel in sorted(counts)}


# -- sales cycle -------------------------------------------------------------

def _first_by(facts: Iterable[Fact], event_type: str, key: str) -> dict[str, Fact]:
    firsts: dict[str, Fact] = {}
    for fact in chronological([f for f in facts if f.event_type == event_type]):
        identifier = getattr(fact, key)
        if identifier and identifier not in firsts:
            firsts[identifier] = fact
    return firsts


def _lead_of_deal(facts: Iterable[Fact]) -> dict[str, str]:
    leads: dict[str, str] = {}
    for fact in chronological([f for f in facts if f.deal_id and f.lead_id]):
        leads.setdefault(fact.deal_id or "", fact.lead_id or "")
    return leads


def sales_cycle_days(facts: Iterable[Fact], period: Period,
                     scope: Scope = EVERYTHING) -> tuple[list[Decimal], int]:
    """Days from lead captured to contract signed, for each deal whose first
    contract was signed in the period; and how many signings had no known
    lead capture (direct deals, or history not supplied) and were left out."""
    facts = list(facts)
    captured_at: dict[str, datetime] = {
        lead: fact.occurred_at for lead, fact in _first_by(facts, LEAD_CAPTURED, "lead_id").items()
    }
    lead_of_deal = _lead_of_deal(facts)
    signings = list(_first_by(facts, CONTRACT_SIGNED, "deal_id").values())
    signings += [f for f in facts if f.event_type == CONTRACT_SIGNED and not f.deal_id]
    durations: list[Decimal] = []
    left_out = 0
    for signing in signings:
        if not (period.contains(signing.occurred_at) and scope.matches(signing)):
            continue
        lead = signing.lead_id or lead_of_deal.get(signing.deal_id or "")
        start = captured_at.get(lead or "")
        if start is None or start > signing.occurred_at:
            left_out += 1
            continue
        seconds = Decimal(int((signing.occurred_at - start).total_seconds()))
        durations.append(seconds / _SECONDS_PER_DAY)
    return durations, left_out


def _cycle_value(durations: list[Decimal], left_out: int, percentile: int | None) -> MetricValue:
    note = f"{left_out} contracts without a known lead capture left out" if left_out else ""
    if not durations:
        return MetricValue(None, DAYS, note=NO_DATA, extra={"contracts": 0, "left_out": left_out})
    value = median(durations) if percentile is None else nearest_rank(durations, percentile)
    return MetricValue(quantize_money(value), DAYS, note=note,
                       extra={"contracts": len(durations), "left_out": left_out})


def sales_cycle_median(facts: Iterable[Fact], period: Period,
                       scope: Scope = EVERYTHING) -> MetricValue:
    """Median days lead captured → contract signed (mean of the two middle
    values for an even count)."""
    return _cycle_value(*sales_cycle_days(facts, period, scope), percentile=None)


def sales_cycle_p90(facts: Iterable[Fact], period: Period,
                    scope: Scope = EVERYTHING) -> MetricValue:
    """90th percentile by nearest rank: the value at rank ceil(0.9 × n)."""
    return _cycle_value(*sales_cycle_days(facts, period, scope), percentile=90)


# -- weighted pipeline -------------------------------------------------------

_CARRIED = ("rep", "team", "region", "source", "amount", "probability_percent")

# The pipeline's counters: what open deals add up to at a moment. Each deal fact
# moves them from what the deal's previous view counted to what its new view counts.
PIPELINE_WEIGHTED = "pipeline_weighted"
PIPELINE_UNWEIGHTED = "pipeline_unweighted"
PIPELINE_OPEN = "pipeline_open_deals"
PIPELINE_LEFT_OUT = "pipeline_left_out"
PIPELINE_COUNTERS = (PIPELINE_WEIGHTED, PIPELINE_UNWEIGHTED, PIPELINE_OPEN, PIPELINE_LEFT_OUT)


def deal_views(deal_facts: Iterable[Fact]) -> list[Fact]:
    """The deal as it stood after each of its facts, in time order: each field
    from the latest fact so far that carries it (a stage change need not repeat
    the amount)."""
    carried: dict[str, Any] = {}
    products: tuple[str, ...] = ()
    views = []
    for fact in chronological(list(deal_facts)):
        carried.update({field: getattr(fact, field) for field in _CARRIED if getattr(fact, field) is not None})
        products = fact.product_codes or products
        extra: dict[str, Any] = {"products": products, "lines": ()} if products else {}
        views.append(replace(fact, **carried, **extra))
    return views


def _latest_view(deal_facts: list[Fact]) -> Fact:
    """The deal as its latest facts describe it."""
    return deal_views(deal_facts)[-1]


def pipeline_counters(view: Fact, currency: str) -> dict[str, Decimal]:
    """What one deal, as `view` describes it, adds to the pipeline: nothing once
    won or lost; a left-out count without a known amount or probability."""
    if view.event_type in (DEAL_WON, DEAL_LOST):
        return {}
    if view.amount is None or view.probability_percent is None:
        return {PIPELINE_LEFT_OUT: Decimal(1)}
    amount = view.amount.in_company(currency)
    return {PIPELINE_OPEN: Decimal(1), PIPELINE_UNWEIGHTED: amount,
            PIPELINE_WEIGHTED: amount * view.probability_percent / HUNDRED}


def pipeline_value(counters: dict[str, Decimal], currency: str) -> MetricValue:
    """The weighted pipeline from its counters, with the open deals, the
    unweighted sum and the deals left out."""
    open_deals = int(counters.get(PIPELINE_OPEN, 0))
    left_out = int(counters.get(PIPELINE_LEFT_OUT, 0))
    note = f"{left_out} open deals without amount or probability left out" if left_out else ""
    if not open_deals:
        note = note or NO_DATA
    return MetricValue(
        quantize_money(counters.get(PIPELINE_WEIGHTED, Decimal(0))), currency, note=note,
        extra={"open_deals": open_deals, "unweighted": quantize_money(counters.get(PIPELINE_UNWEIGHTED, Decimal(0))),
               "left_out": left_out},
    )


def weighted_pipeline(facts: Iterable[Fact], period: Period, *, currency: str,
                      scope: Scope = EVERYTHING) -> MetricValue:
    """Σ amount × win probability over deals still open at the period's end,
    folded from the deals' facts (the reference the stored counters equal).

    The latest fact of each deal decides whether it is open (won or lost
    closes it; a later stage change reopens it). Deals without a known amount
    or probability are left out and counted in the note.
    """
    _, end = period.utc_bounds()
    by_deal: dict[str, list[Fact]] = defaultdict(list)
    for fact in facts:
        if fact.event_type in DEAL_EVENTS and fact.deal_id and fact.occurred_at < end:
            by_deal[fact.deal_id].append(fact)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for deal_facts in by_deal.values():
        view = _latest_view(deal_facts)
        if scope.matches(view):
            for name, amount in pipeline_counters(view, currency).items():
                totals[name] += amount
    return pipeline_value(totals, currency)

