"""Metrics read from summed rollup counters agree with the metrics over the facts."""
from collections import defaultdict
from decimal import Decimal as D

import pytest

from kpi.domain import counter_metrics as cm
from kpi.domain import metrics as dm
from kpi.domain import rollup as ru
from kpi.domain.facts import Scope
from kpi.domain.metric_value import NO_DATA
from kpi.domain.periods import parse_period

CNY = "CNY"


def counters(facts, period, tz, dimension="all", value=""):
    sums = defaultdict(D)
    for key, amount in ru.recompute(facts, tz, CNY).items():
        if key.dimension == dimension and key.value == value and period.contains_date(key.day):
            sums[key.metric] += amount
    return dict(sums)


def test_november_from_counters(dataset, november, tz):
    values = cm.metrics_from_counters(counters(dataset, november, tz), CNY)
    assert values["revenue"].value == D("34423.40")
    assert values["orders"].value == D(3)
    assert values["average_order_value"].value == D("11474.47")
    assert values["gross_profit"].value == D("6561.70")
    assert values["gross_profit"].note == "cost known for 55.55 % of revenue"
    assert values["gross_margin"].value == D("34.31")
    assert values["new_customers"].value == D(2)
    assert values["lead_conversion_rate"].value == D("40.00")
    assert values["win_rate"].value == D("60.00")
    assert values["csat"].value == D("3.80")
    assert values["nps"].value == D("20.00")
    assert values["nps"].extra == {"promoters": 2, "passives": 2, "detractors": 1}
    assert values["complaint_response_timeliness"].value == D("33.33")
    assert values["complaint_resolution_rate"].value == D("66.67")
    assert values["compliance_violations"].value == D(3)
    assert (values["contacts"].value, values["visits"].value) == (D(4), D(2))


@pytest.mark.parametrize("name, metric, kwargs", [
    ("revenue", dm.revenue, {"currency": CNY}),
    ("orders", dm.order_count, {"currency": CNY}),
    ("average_order_value", dm.average_order_value, {"currency": CNY}),
    ("new_customers", dm.new_customers, {}),
    ("leads_captured", dm.leads_captured, {}),
    ("lead_conversion_rate", dm.lead_conversion_rate, {}),
    ("win_rate", dm.win_rate, {}),
    ("csat", dm.csat_average, {}),
    ("nps", dm.nps, {}),
    ("complaint_response_timeliness", dm.complaint_response_timeliness, {}),
    ("complaint_resolution_rate", dm.complaint_resolution_rate, {}),
    ("compliance_violations", dm.compliance_violations, {}),
])
@pytest.mark.parametrize("label", ["2026-10", "2026-11", "2026-12", "2026-Q4", "2026-02", "2026-11-30"])
def test_every_counter_metric_matches_the_fact_metric(dataset, tz, name, metric, kwargs, label):
    period = parse_period(label, tz)
    from_counters = cm.metric_from_counters(name, counters(dataset, period, tz), CNY)
    from_facts = metric(dataset, period, **kwargs)
    assert from_counters.value == from_facts.value
    assert from_counters.has_data == from_facts.has_data


def test_per_rep_counters_match(dataset, november, tz):
    for rep in ("r1", "r2", "r3"):
        sums = counters(dataset, november, tz, "rep", rep)
        assert cm.revenue(sums, CNY).value == dm.revenue(dataset, november, currency=CNY,
                                                          scope=Scope(rep=rep)).value


def test_an_empty_period_says_no_data_instead_of_zero_percent():
    values = cm.metrics_from_counters({}, CNY)
    assert values["revenue"].value == D("0.00") and values["revenue"].note == NO_DATA
    assert values["gross_profit"].value == D("0.00") and values["gross_profit"].note == NO_DATA
    for name in ("win_rate", "csat", "nps", "lead_conversion_rate", "average_order_value",
                 "complaint_resolution_rate", "gross_margin"):
        assert values[name].value is None and values[name].note == NO_DATA, name


def test_gross_profit_without_any_known_cost_is_unknown_not_revenue():
    value = cm.gross_profit({ru.REVENUE: D("3825.00"), ru.ORDERS: D(1)}, CNY)
    assert value.value is None and value.note == "cost unknown for every order"
    assert value.extra["revenue"] == D("3825.00")


def test_catalog_names_directions_and_units():
    assert cm.unit_of("revenue", "CNY") == "CNY"
    assert cm.unit_of("win_rate", "CNY") == "%"
    assert cm.BY_NAME["compliance_violations"].direction.value == "lower"
    assert set(cm.GROWTH_METRICS) >= {"revenue", "orders", "new_customers"}
    assert set(cm.FACT_METRICS) == {"sales_cycle_median", "sales_cycle_p90", "weighted_pipeline"}
    with pytest.raises(KeyError):
        cm.metric_from_counters("sales_cycle_median", {}, CNY)
