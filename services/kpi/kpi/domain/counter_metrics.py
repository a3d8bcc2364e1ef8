"""Metrics read from summed rollup counters instead of from the facts.

The service answers "revenue of rep r1 in November" by adding up the daily
counters of the rollup; this turns such sums into the same MetricValues the
fact-based functions give (same units, rounding and "no data" conventions).
`counters` maps a counter name (rollup.REVENUE, …) to its sum over the period;
a counter absent from the mapping had no row at all in the period.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from . import rollup as ru
from .metric_value import (
    COUNT,
    HUNDRED,
    NO_DATA,
    NPS_POINTS,
    PERCENT,
    SCORE,
    MetricValue,
    average,
    count_value,
    no_data,
    percentage,
)
from .money import quantize_money
from .scorecards import Direction

ZERO = Decimal(0)
Counters = Mapping[str, Decimal]


@dataclass(frozen=True)
class MetricInfo:
    name: str
    title: str
    unit: str  # "money" stands for the company currency
    counters: tuple[str, ...]  # the rollup counters it is computed from; () = from facts
    direction: Direction = Direction.HIGHER_IS_BETTER
    growth: bool = False  # reported with growth vs previous period and last year


MONEY = "money"

CATALOG: tuple[MetricInfo, ...] = (
    MetricInfo("revenue", "Revenue (net of tax, orders created − cancelled)", MONEY,
               (ru.REVENUE, ru.ORDERS), growth=True),
    MetricInfo("gross_profit", "Gross profit (revenue − cost, orders with known cost)", MONEY,
               (ru.REVENUE, ru.REVENUE_WITH_COST, ru.COST), growth=True),
    MetricInfo("gross_margin", "Gross margin", PERCENT, (ru.REVENUE_WITH_COST, ru.COST)),
    MetricInfo("orders", "Orders (net of cancellations)", COUNT, (ru.ORDERS,), growth=True),
    MetricInfo("average_order_value", "Average order value", MONEY,
               (ru.REVENUE, ru.ORDERS), growth=True),
    MetricInfo("new_customers", "New customers (first order ever)", COUNT,
               (ru.NEW_CUSTOMERS,), growth=True),
    MetricInfo("leads_captured", "Leads captured", COUNT, (ru.LEADS_CAPTURED,), growth=True),
    MetricInfo("leads_converted", "Leads converted", COUNT, (ru.LEADS_CONVERTED,)),
    MetricInfo("lead_conversion_rate", "Lead → deal conversion (converted / captured)",
               PERCENT, (ru.LEADS_CONVERTED, ru.LEADS_CAPTURED)),
    MetricInfo("deals_won", "Deals won", COUNT, (ru.DEALS_WON,), growth=True),
    MetricInfo("deals_lost", "Deals lost", COUNT, (ru.DEALS_LOST,)),
    MetricInfo("win_rate", "Win rate (won / closed)", PERCENT, (ru.DEALS_WON, ru.DEALS_LOST)),
    MetricInfo("contacts", "Contacts logged (call, e-mail, visit, chat)", COUNT,
               (ru.CONTACTS,), growth=True),
    MetricInfo("visits", "Visits logged", COUNT, (ru.VISITS,)),
    MetricInfo("csat", "CSAT average (1–5)", SCORE, (ru.CSAT_SUM, ru.CSAT_RESPONSES)),
    MetricInfo("nps", "Net promoter score", NPS_POINTS,
               (ru.NPS_RESPONSES, ru.NPS_PROMOTERS, ru.NPS_DETRACTORS)),
    MetricInfo("complaints_opened", "Complaints opened", COUNT, (ru.COMPLAINTS_OPENED,),
               Direction.LOWER_IS_BETTER),
    MetricInfo("complaint_response_timeliness",
               "Complaints first-responded within SLA / first-responded", PERCENT,
               (ru.COMPLAINT_RESPONSES_IN_SLA, ru.COMPLAINT_RESPONSES)),
    MetricInfo("complaint_resolution_rate", "Complaints resolved / opened", PERCENT,
               (ru.COMPLAINTS_RESOLVED, ru.COMPLAINTS_OPENED)),
    MetricInfo("compliance_violations", "Compliance violations", COUNT, (ru.VIOLATIONS,),
               Direction.LOWER_IS_BETTER),
    MetricInfo("sales_cycle_median", "Sales cycle, lead captured → contract signed (median)",
               "days", (), Direction.LOWER_IS_BETTER),
    MetricInfo("sales_cycle_p90", "Sales cycle (90th percentile)", "days", (), Direction.LOWER_IS_BETTER),
    MetricInfo("weighted_pipeline", "Weighted pipeline at the period's end", MONEY, ()),
)
BY_NAME = {info.name: info for info in CATALOG}
COUNTER_METRICS = tuple(info.name for info in CATALOG if info.counters)
FACT_METRICS = tuple(info.name for info in CATALOG if not info.counters)
GROWTH_METRICS = tuple(info.name for info in CATALOG if info.growth)
# Read from the rollups too, but as a running sum of changes up to the period's
# end (a snapshot), not as the period's own counters.
SNAPSHOT_METRICS = ("weighted_pipeline",)


def counters_needed(names: tuple[str, ...] | list[str]) -> set[str]:
    return {counter for name in names for counter in BY_NAME[name].counters}


def _present(counters: Counters, *names: str) -> bool:
    return any(name in counters for name in names)


def _get(counters: Counters, name: str) -> Decimal:
    return counters.get(name, ZERO)


def _count(counters: Counters, name: str) -> MetricValue:
    return count_value(int(_get(counters, name)), any_fact=name in counters)


def _money(value: Decimal, currency: str, present: bool, note: str = "") -> MetricValue:
    return MetricValue(quantize_money(value), currency, note=note if present else NO_DATA)


def revenue(counters: Counters, currency: str) -> MetricValue:
    return _money(_get(counters, ru.REVENUE), currency, _present(counters, ru.REVENUE, ru.ORDERS))


def gross_profit(counters: Counters, currency: str) -> MetricValue:
    """Revenue − cost over the order lines whose cost is known; the note says
    how much of the revenue that covers."""
    revenue_total = _get(counters, ru.REVENUE)
    covered = _get(counters, ru.REVENUE_WITH_COST)
    cost = _get(counters, ru.COST)
    extra = {"revenue": quantize_money(revenue_total), "revenue_with_cost": quantize_money(covered),
             "cost": quantize_money(cost)}
    if not _present(counters, ru.REVENUE_WITH_COST, ru.COST):
        if _present(counters, ru.REVENUE, ru.ORDERS):
            return MetricValue(None, currency, note="cost unknown for every order", extra=extra)
        return MetricValue(quantize_money(ZERO), currency, note=NO_DATA, extra=extra)
    note = ""
    if covered != revenue_total and revenue_total:
        share = quantize_money(covered / revenue_total * HUNDRED)
        note = f"cost known for {share} % of revenue"
    return MetricValue(quantize_money(covered - cost), currency, note=note, extra=extra)


def gross_margin(counters: Counters) -> MetricValue:
    if not _present(counters, ru.REVENUE_WITH_COST, ru.COST):
        return no_data(PERCENT)
    covered = _get(counters, ru.REVENUE_WITH_COST)
    return percentage(covered - _get(counters, ru.COST), covered)


def average_order_value(counters: Counters, currency: str) -> MetricValue:
    total, orders = _get(counters, ru.REVENUE), int(_get(counters, ru.ORDERS))
    if orders <= 0:
        return no_data(currency, quantize_money(total), Decimal(orders))
    return MetricValue(quantize_money(total / orders), currency, quantize_money(total), Decimal(orders))


def nps(counters: Counters) -> MetricValue:
    responses = int(_get(counters, ru.NPS_RESPONSES))
    if responses == 0:
        return no_data(NPS_POINTS, ZERO, ZERO)
    promoters = int(_get(counters, ru.NPS_PROMOTERS))
    detractors = int(_get(counters, ru.NPS_DETRACTORS))
    value = Decimal(promoters - detractors) / responses * HUNDRED
    return MetricValue(
        quantize_money(value), NPS_POINTS, Decimal(promoters - detractors), Decimal(responses),
        extra={"promoters": promoters, "passives": responses - promoters - detractors,
               "detractors": detractors},
    )


def metric_from_counters(name: str, counters: Counters, currency: str) -> MetricValue:
    """One counter-based metric (see COUNTER_METRICS) from the period's sums."""
    def g(counter: str) -> Decimal:  # a local shorthand
        return _get(counters, counter)

    match name:
        case "revenue":
            return revenue(counters, currency)
        case "gross_profit":
            return gross_profit(counters, currency)
        case "gross_margin":
            return gross_margin(counters)
        case "average_order_value":
            return average_order_value(counters, currency)
        case "lead_conversion_rate":
            return percentage(g(ru.LEADS_CONVERTED), g(ru.LEADS_CAPTURED))
        case "win_rate":
            return percentage(g(ru.DEALS_WON), g(ru.DEALS_WON) + g(ru.DEALS_LOST))
        case "csat":
            return average(g(ru.CSAT_SUM), int(g(ru.CSAT_RESPONSES)), SCORE)
        case "nps":
            return nps(counters)
        case "complaint_response_timeliness":
            return percentage(g(ru.COMPLAINT_RESPONSES_IN_SLA), g(ru.COMPLAINT_RESPONSES))
        case "complaint_resolution_rate":
            return percentage(g(ru.COMPLAINTS_RESOLVED), g(ru.COMPLAINTS_OPENED))
    info = BY_NAME.get(name)
    if info is None or info.unit != COUNT or len(info.counters) != 1:
        raise KeyError(f"{name} is not a counter metric")
    return _count(counters, info.counters[0])


def metrics_from_counters(counters: Counters, currency: str,
                          names: tuple[str, ...] = COUNTER_METRICS) -> dict[str, MetricValue]:
    return {name: metric_from_counters(name, counters, currency) for name in names}


def unit_of(name: str, currency: str) -> str:
    unit = BY_NAME[name].unit
    return currency if unit == MONEY else unit
