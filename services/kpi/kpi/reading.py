"""The read side: metrics for a period and a slice, from the rollups (additive
figures) and from the log (sales cycle, pipeline, per-source and per-agent lists).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from kpi.domain import counter_metrics as cm
from kpi.domain import facts as ft
from kpi.domain import metrics as dm
from kpi.domain.rollup import credited_to_owners
from kpi.domain.facts import Dimension, Fact, Scope
from kpi.domain.metric_value import MetricValue
from kpi.domain.periods import Period, previous, same_period_last_year, sub_periods
from kpi.store import Projection, facts_of_types, sum_counters

DIMENSIONS = ("rep", "team", "region", "product", "source")


@dataclass(frozen=True)
class Slice:
    """Whose figures: everyone ("all"), or one rep, team, region, product or source."""

    dimension: str = "all"
    value: str = ""

    def __post_init__(self) -> None:
        if self.dimension not in ("all", *DIMENSIONS):
            raise ValueError(f"unknown dimension {self.dimension}")

    @property
    def scope(self) -> Scope:
        return Scope().narrowed(Dimension(self.dimension), self.value)

    def as_dict(self) -> dict:
        return {"dimension": self.dimension, "value": self.value or None}


EVERYONE = Slice()


# -- counters ----------------------------------------------------------------------------------------
def counters(session: Session, period: Period, where: Slice, names=cm.COUNTER_METRICS) -> dict[str, Decimal]:
    sums = sum_counters(session, period.start, period.end, dimension=where.dimension, value=where.value,
                        metrics=cm.counters_needed(list(names)))
    return {metric: total for (metric,), total in sums.items()}


def counter_metrics(session: Session, current: Projection, period: Period, where: Slice,
                    names=cm.COUNTER_METRICS) -> dict[str, MetricValue]:
    return cm.metrics_from_counters(counters(session, period, where, names), current.currency, tuple(names))


# -- metrics from the log -------------------------------------------------------------------------------
def cycle_facts(session: Session, current: Projection, period: Period) -> list[Fact]:
    """What the sales cycle of the period's signings needs: the signings, every
    signing of those deals, the deals' facts naming a lead, the leads' captures."""
    start, end = period.utc_bounds()
    currency = current.currency
    signed = facts_of_types(session, [ft.CONTRACT_SIGNED], currency, start=start, before=end)
    deals = {fact.deal_id for fact in signed if fact.deal_id}
    related = facts_of_types(session, [ft.CONTRACT_SIGNED, *ft.DEAL_EVENTS], currency, column="deal_id", values=deals)
    leads = {fact.lead_id for fact in [*signed, *related] if fact.lead_id}
    captured = facts_of_types(session, [ft.LEAD_CAPTURED], currency, column="lead_id", values=leads)
    return list({fact.fact_id: fact for fact in [*signed, *related, *captured]}.values())


def pipeline_facts(session: Session, current: Projection, period: Period) -> list[Fact]:
    _, end = period.utc_bounds()
    return facts_of_types(session, sorted(ft.DEAL_EVENTS), current.currency, before=end)


def fact_metrics(session: Session, current: Projection, period: Period, where: Slice,
                 names=cm.FACT_METRICS) -> dict[str, MetricValue]:
    values: dict[str, MetricValue] = {}
    if {"sales_cycle_median", "sales_cycle_p90"} & set(names):
        facts = cycle_facts(session, current, period)
        values["sales_cycle_median"] = dm.sales_cycle_median(facts, period, where.scope)
        values["sales_cycle_p90"] = dm.sales_cycle_p90(facts, period, where.scope)
    if "weighted_pipeline" in names:
        values["weighted_pipeline"] = dm.weighted_pipeline(pipeline_facts(session, current, period), period,
                                                           currency=current.currency, scope=where.scope)
    return {name: values[name] for name in names}


def metric_values(session: Session, current: Projection, period: Period, where: Slice,
                  names) -> dict[str, MetricValue]:
    names = list(names)
    by_counters = [name for name in names if name in cm.COUNTER_METRICS]
    from_facts = [name for name in names if name in cm.FACT_METRICS]
    values = counter_metrics(session, current, period, where, by_counters) if by_counters else {}
    if from_facts:
        values.update(fact_metrics(session, current, period, where, from_facts))
    return {name: values[name] for name in names}


def period_facts(session: Session, current: Projection, period: Period, event_type: str) -> list[Fact]:
    start, end = period.utc_bounds()
    return facts_of_types(session, [event_type], current.currency, start=start, before=end)


def credited_captures(session: Session, current: Projection, captures: list[Fact]) -> list[Fact]:
    """Captures with the rep, team and region of their lead's latest assignment (as the rollups count them)."""
    leads = {fact.lead_id for fact in captures if fact.lead_id}
    assignments = facts_of_types(session, [ft.LEAD_ASSIGNED], current.currency, column="lead_id", values=leads)
    return credited_to_owners([*captures, *assignments])


# -- the summary ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Growth:
    vs_previous: MetricValue
    vs_last_year: MetricValue
    previous_period: str
    last_year_period: str


@dataclass(frozen=True)
class Summary:
    period: Period
    where: Slice
    currency: str
    metrics: dict[str, MetricValue]
    growth: dict[str, Growth]
    leads_by_source: dict[str, MetricValue]
    violations_per_agent: dict[str, MetricValue]


def summary(session: Session, current: Projection, period: Period, where: Slice = EVERYONE) -> Summary:
    """Every metric of the period for the slice, with growth of the headline figures."""
    values = metric_values(session, current, period, where, [info.name for info in cm.CATALOG])
    before, year_ago = previous(period), same_period_last_year(period)
    previous_values = counter_metrics(session, current, before, where, cm.GROWTH_METRICS)
    last_year_values = counter_metrics(session, current, year_ago, where, cm.GROWTH_METRICS)
    growth = {name: Growth(dm.growth(values[name], previous_values[name]),
                           dm.growth(values[name], last_year_values[name]), before.label(), year_ago.label())
              for name in cm.GROWTH_METRICS}
    leads = credited_captures(session, current, period_facts(session, current, period, ft.LEAD_CAPTURED))
    violations = period_facts(session, current, period, ft.QA_VIOLATION)
    return Summary(period, where, current.currency, values, growth,
                   dm.leads_by_source(leads, period, where.scope),
                   dm.violations_per_agent(violations, period, where.scope))


# -- breakdowns and trends ------------------------------------------------------------------------------------
def breakdown(session: Session, current: Projection, period: Period, dimension: str, name: str,
              within: Slice = EVERYONE) -> dict[str, MetricValue]:
    """One metric per value of a dimension (counter metrics come straight from
    the dimension's rollup rows; log metrics from the facts)."""
    if name in cm.COUNTER_METRICS:
        sums = sum_counters(session, period.start, period.end, dimension=dimension,
                            metrics=cm.counters_needed([name]), by=("value", "metric"))
        per_value: dict[str, dict[str, Decimal]] = defaultdict(dict)
        for (value, metric), total in sums.items():
            per_value[value][metric] = total
        return {value: cm.metric_from_counters(name, per_value[value], current.currency)
                for value in sorted(per_value)}
    facts = (cycle_facts(session, current, period) if name.startswith("sales_cycle")
             else pipeline_facts(session, current, period))
    function = {"sales_cycle_median": dm.sales_cycle_median, "sales_cycle_p90": dm.sales_cycle_p90}.get(name)
    if function is not None:
        return dm.breakdown(function, facts, period, Dimension(dimension), within.scope)
    return dm.breakdown(dm.weighted_pipeline, facts, period, Dimension(dimension), within.scope,
                        currency=current.currency)


def trend(session: Session, current: Projection, period: Period, every: str, where: Slice,
          name: str) -> list[tuple[Period, MetricValue]]:
    """The metric for each `every`-long sub-period of the period (for charts)."""
    parts = sub_periods(period, every)
    if name not in cm.COUNTER_METRICS:
        return [(part, metric_values(session, current, part, where, [name])[name]) for part in parts]
    sums = sum_counters(session, parts[0].start, parts[-1].end, dimension=where.dimension, value=where.value,
                        metrics=cm.counters_needed([name]), by=("day", "metric"))
    series = []
    for part in parts:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for (day, metric), total in sums.items():
            if part.contains_date(day):
                totals[metric] += total
        series.append((part, cm.metric_from_counters(name, totals, current.currency)))
    return series
