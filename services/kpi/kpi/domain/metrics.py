"""Every KPI in one place, plus growth and breakdowns over any of them.

The metric functions live in sales_metrics, funnel_metrics and service_metrics
and share one shape: `metric(facts, period, [currency=...,] scope=Scope(...))`
returning a MetricValue, so `growth_*` and `breakdown` work on all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .facts import EVERYTHING, Dimension, Fact, Scope
from .funnel_metrics import (
    ConversionBasis,
    contacts,
    contacts_by_channel,
    deals_lost,
    deals_won,
    lead_conversion_rate,
    leads_by_source,
    leads_captured,
    sales_cycle_days,
    sales_cycle_median,
    sales_cycle_p90,
    PIPELINE_COUNTERS,
    UNKNOWN_SOURCE,
    pipeline_value,
    visits,
    weighted_pipeline,
    win_rate,
)
from .metric_value import HUNDRED, NO_DATA, PERCENT, MetricValue
from .money import quantize_money
from .periods import Period, previous, same_period_last_year
from .sales_metrics import (
    average_order_value,
    gross_margin,
    gross_profit,
    new_customer_ids,
    new_customers,
    order_count,
    revenue,
    revenue_by_customer,
)
from .service_metrics import (
    UNASSIGNED,
    complaint_resolution_rate,
    complaint_response_timeliness,
    complaints_opened,
    compliance_violations,
    csat_average,
    nps,
    violations_per_agent,
)

Metric = Callable[..., MetricValue]

__all__ = [
    "ConversionBasis", "Metric", "MetricValue", "average_order_value", "breakdown",
    "complaint_resolution_rate", "complaint_response_timeliness", "complaints_opened",
    "compliance_violations", "contacts", "contacts_by_channel", "csat_average",
    "deals_lost", "deals_won", "dimension_values", "gross_margin", "gross_profit",
    "growth", "growth_vs_last_year", "growth_vs_previous", "lead_conversion_rate",
    "leads_by_source", "leads_captured", "new_customer_ids", "new_customers", "nps",
    "PIPELINE_COUNTERS", "UNASSIGNED", "UNKNOWN_SOURCE", "order_count", "pipeline_value", "revenue", "revenue_by_customer", "sales_cycle_days",
    "sales_cycle_median", "sales_cycle_p90", "violations_per_agent", "visits",
    "weighted_pipeline", "win_rate",
]


def growth(current: MetricValue, base: MetricValue) -> MetricValue:
    """(current − base) / |base| in %. None when either side is missing or the
    base is 0 — growth from nothing is not a number. Dividing by |base| keeps
    the sign meaningful when the base is negative (net of cancellations)."""
    if current.value is None:
        return MetricValue(None, PERCENT, note=NO_DATA)
    if base.value is None or base.value == 0:
        return MetricValue(None, PERCENT, current.value, base.value,
                           note="no base to compare with")
    change = current.value - base.value
    return MetricValue(
        quantize_money(change / abs(base.value) * HUNDRED), PERCENT,
        current.value, base.value,
    )


def growth_vs_previous(metric: Metric, facts: Iterable[Fact], period: Period,
                       **arguments: Any) -> MetricValue:
    """Month over month, week over week, … (the period just before)."""
    facts = list(facts)
    return growth(metric(facts, period, **arguments),
                  metric(facts, previous(period), **arguments))


def growth_vs_last_year(metric: Metric, facts: Iterable[Fact], period: Period,
                        **arguments: Any) -> MetricValue:
    """Year over year: the same month, quarter, ISO week or dates a year earlier."""
    facts = list(facts)
    return growth(metric(facts, period, **arguments),
                  metric(facts, same_period_last_year(period), **arguments))


def dimension_values(facts: Iterable[Fact], dimension: Dimension) -> list[str]:
    """The values a dimension takes among the facts, sorted."""
    values: set[str] = set()
    for fact in facts:
        if dimension is Dimension.PRODUCT:
            values.update(fact.product_codes)
        elif dimension is not Dimension.ALL:
            value = fact.value_of(dimension)
            if value:
                values.add(value)
    return sorted(values)


def breakdown(metric: Metric, facts: Iterable[Fact], period: Period,
              dimension: Dimension, scope: Scope = EVERYTHING,
              **arguments: Any) -> dict[str, MetricValue]:
    """The metric once per value of a dimension (per rep, team, region, product
    or source), within `scope`. Values come from the facts given."""
    facts = list(facts)
    return {
        value: metric(facts, period, scope=scope.narrowed(dimension, value), **arguments)
        for value in dimension_values(facts, dimension)
    }
