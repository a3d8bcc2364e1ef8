"""The KPI service's domain: pure computations over the fact log.

periods    — local-calendar periods (day … year, ranges), parsing, comparisons
money      — Money, EventMoney, conversion to the company currency
facts      — the Fact record, event types, Scope filters
metrics    — every KPI as a MetricValue, growth, breakdowns
scorecards — targets, weights, attainment, evaluation blend
commissions— plans (marginal tiers, bonuses) and statements
awards     — sales champion, most improved
abc        — Pareto classification of customers
rollup     — the order-independent daily rollup of additive counters
projection — the rollup kept entity by entity as differences (for storage), revenue per customer
counter_metrics — metrics from summed counters, and the catalog of metric names
errors     — the exception hierarchy
"""
