"""Growth (MoM, YoY) and breakdowns.

Revenue: 2025-11 8 000.00, 2026-10 3 000.00, 2026-11 34 423.40, 2026-12 −4 200.00.
"""

from decimal import Decimal as D

from kpi.domain import facts as ft
from kpi.domain.facts import Dimension, Scope
from kpi.domain.metric_value import NO_DATA, MetricValue
from kpi.domain.metrics import (
    breakdown,
    dimension_values,
    growth,
    growth_vs_last_year,
    growth_vs_previous,
    revenue,
    win_rate,
)
from kpi.domain.periods import parse_period

CNY = "CNY"


def test_month_over_month(dataset, november):
    value = growth_vs_previous(revenue, dataset, november, currency=CNY)
    # (34 423.40 − 3 000) / 3 000 = 10.4744666…
    assert value.value == D("1047.45") and value.unit == "%"
    assert (value.numerator, value.denominator) == (D("34423.40"), D("3000.00"))


def test_year_over_year(dataset, november):
    value = growth_vs_last_year(revenue, dataset, november, currency=CNY)
    assert value.value == D("330.29")  # 26 423.40 / 8 000 = 3.302925


def test_decline(dataset, tz):
    value = growth_vs_previous(revenue, dataset, parse_period("2026-12", tz), currency=CNY)
    assert value.value == D("-112.20")  # −38 623.40 / 34 423.40


def test_growth_from_a_negative_base_keeps_its_sign(dataset, tz):
    # January 0 vs December −4 200: up by 4 200, i.e. +100 % of |base|.
    value = growth_vs_previous(revenue, dataset, parse_period("2027-01", tz), currency=CNY)
    assert value.value == D("100.00")


def test_growth_from_zero_is_none(dataset, tz):
    value = growth_vs_previous(revenue, dataset, parse_period("2026-10", tz), currency=CNY)
    assert value.value is None and value.note == "no base to compare with"


def test_growth_of_a_ratio_without_base_data(dataset, november):
    # October had no closed deal: no win rate, so no growth.
    value = growth_vs_previous(win_rate, dataset, november, scope=Scope())
    assert value.value is None
    assert value.numerator == D("60.00")


def test_growth_without_current_data():
    value = growth(MetricValue(None, "%", note=NO_DATA), MetricValue(D(50), "%"))
    assert value.value is None and value.note == NO_DATA


def test_growth_by_rep_uses_the_same_scope_on_both_sides(dataset, november):
    # r1: 14 123.40 vs October 3 000 → 370.78 %
    value = growth_vs_previous(revenue, dataset, november, currency=CNY, scope=Scope(rep="r1"))
    assert value.value == D("370.78")


def test_breakdown_by_rep(dataset, november):
    orders = [f for f in dataset if f.event_type in ft.ORDER_EVENTS]
    by_rep = breakdown(revenue, orders, november, Dimension.REP, currency=CNY)
    assert {rep: v.value for rep, v in by_rep.items()} == {
        "r1": D("14123.40"), "r2": D("20300.00"), "r3": D("0.00")}
    assert by_rep["r3"].note == NO_DATA


def test_breakdown_within_a_scope(dataset, november):
    orders = [f for f in dataset if f.event_type in ft.ORDER_EVENTS]
    by_product = breakdown(revenue, orders, november, Dimension.PRODUCT,
                           scope=Scope(rep="r2"), currency=CNY)
    assert {p: v.value for p, v in by_product.items()} == {
        "P1": D("11475.00"), "P2": D("5000.00"), "P3": D("3825.00")}


def test_breakdown_of_a_ratio(dataset, november):
    by_team = breakdown(win_rate, dataset, november, Dimension.TEAM)
    assert by_team["t1"].value == D("60.00")
    assert by_team["cs"].value is None


def test_dimension_values(dataset):
    assert dimension_values(dataset, Dimension.REGION) == ["east", "west"]
    assert dimension_values(dataset, Dimension.PRODUCT) == ["P1", "P2", "P3"]
    assert dimension_values(dataset, Dimension.ALL) == []
