"""Leads, conversion, win rate, sales cycle, pipeline and contacts.

November 2026 in the conftest data set:
  leads captured: L1 web r1, L2 web r1, L3 referral r2, L4 trade_show r2, L5 no source
  converted in November: L1, L2 (L3 converts on 2 December; L0 in September)
  deals won: D0 r1, D1 r1, D4 r2; lost: D6 r2, D8 r2
  contracts: D0 68 days after L0 captured, D1 18.5 days, D4 45.5 days, D5 no lead
"""

from decimal import Decimal as D

import pytest

from kpi.domain import facts as ft
from kpi.domain.facts import Scope
from kpi.domain.metric_value import NO_DATA, median, nearest_rank
from kpi.domain.metrics import (
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
    visits,
    weighted_pipeline,
    win_rate,
)
from kpi.domain.money import EventMoney
from kpi.domain.periods import parse_period

CNY = "CNY"


def test_leads_captured_and_by_source(dataset, november):
    assert leads_captured(dataset, november).value == D(5)
    by_source = leads_by_source(dataset, november)
    assert {source: value.value for source, value in by_source.items()} == {
        "referral": D(1), "trade_show": D(1), "unknown": D(1), "web": D(2)}
    assert list(by_source) == ["referral", "trade_show", "unknown", "web"]
    assert leads_captured(dataset, november, Scope(rep="r2")).value == D(3)


def test_lead_conversion_flow_is_converted_over_captured_in_period(dataset, november):
    value = lead_conversion_rate(dataset, november)
    assert value.value == D("40.00")
    assert (value.numerator, value.denominator) == (D(2), D(5))
    assert lead_conversion_rate(dataset, november, Scope(rep="r1")).value == D("100.00")


def test_lead_conversion_cohort_follows_the_period_leads(dataset, november):
    # L1, L2 and (in December) L3 of the five November leads.
    value = lead_conversion_rate(dataset, november, basis=ConversionBasis.COHORT)
    assert value.value == D("60.00")


def test_conversion_in_a_period_without_leads_is_no_data(dataset, tz):
    value = lead_conversion_rate(dataset, parse_period("2026-02", tz))
    assert value.value is None and value.note == NO_DATA


def test_win_rate_is_won_over_closed(dataset, november):
    assert deals_won(dataset, november).value == D(3)
    assert deals_lost(dataset, november).value == D(2)
    assert win_rate(dataset, november).value == D("60.00")
    assert win_rate(dataset, november, Scope(rep="r1")).value == D("100.00")
    assert win_rate(dataset, november, Scope(rep="r2")).value == D("33.33")
    assert win_rate(dataset, parse_period("2026-10", november.tz)).value is None


def test_sales_cycle_durations(dataset, november):
    durations, left_out = sales_cycle_days(dataset, november)
    assert sorted(durations) == [D("18.5"), D("45.5"), D(68)]
    assert left_out == 1


def test_sales_cycle_median_and_p90(dataset, november):
    middle = sales_cycle_median(dataset, november)
    assert middle.value == D("45.50") and middle.unit == "days"
    assert middle.note == "1 contracts without a known lead capture left out"
    assert middle.extra == {"contracts": 3, "left_out": 1}
    # nearest rank: ceil(0.9 × 3) = 3rd value
    assert sales_cycle_p90(dataset, november).value == D("68.00")


def test_sales_cycle_for_one_rep(dataset, november):
    # 68 and 18.5: median is their mean, p90 is rank ceil(1.8) = 2.
    assert sales_cycle_median(dataset, november, Scope(rep="r1")).value == D("43.25")
    assert sales_cycle_p90(dataset, november, Scope(rep="r1")).value == D("68.00")


def test_sales_cycle_without_contracts_is_no_data(dataset, tz):
    value = sales_cycle_median(dataset, parse_period("2026-12", tz))
    assert value.value is None and value.note == NO_DATA


def test_sales_cycle_counts_a_deal_once_at_its_first_signing(make_fact, tz):
    facts = [
        make_fact(ft.LEAD_CAPTURED, "2026-11-01 00:00", lead_id="L"),
        make_fact(ft.CONTRACT_SIGNED, "2026-11-11 00:00", deal_id="D", lead_id="L"),
        make_fact(ft.CONTRACT_SIGNED, "2026-11-21 00:00", deal_id="D", lead_id="L"),
    ]
    durations, _ = sales_cycle_days(facts, parse_period("2026-11", tz))
    assert durations == [D(10)]


@pytest.mark.parametrize(
    ("values", "expected_median", "expected_p90"),
    [
        ([D(5)], D(5), D(5)),
        ([D(1), D(2)], D("1.5"), D(2)),
        ([D(3), D(1), D(2)], D(2), D(3)),
        ([D(n) for n in range(1, 11)], D("5.5"), D(9)),  # p90 of 10 = 9th
        ([D(n) for n in range(1, 12)], D(6), D(10)),  # ceil(9.9) = 10th
        ([D(n) for n in range(1, 21)], D("10.5"), D(18)),
    ],
)
def test_median_and_nearest_rank(values, expected_median, expected_p90):
    assert median(values) == expected_median
    assert nearest_rank(values, 90) == expected_p90


def test_nearest_rank_edges():
    assert nearest_rank([D(4), D(2)], 100) == D(4)
    assert nearest_rank([D(4), D(2)], 1) == D(2)
    with pytest.raises(ValueError):
        nearest_rank([D(1)], 0)


def test_weighted_pipeline_at_the_end_of_november(dataset, november):
    value = weighted_pipeline(dataset, november, currency=CNY)
    # D2 20 000 × 20 % + D7 (10 000 USD × 7.10) × 60 % = 4 000 + 42 600
    assert value.value == D("46600.00")
    assert value.extra == {"open_deals": 2, "unweighted": D("91000.00"), "left_out": 1}
    assert value.note == "1 open deals without amount or probability left out"


def test_weighted_pipeline_is_a_point_in_time_snapshot(dataset, tz):
    # End of October: D0 30 000 × 40 % + D7 71 000 × 30 %; D4 has no amount.
    value = weighted_pipeline(dataset, parse_period("2026-10", tz), currency=CNY)
    assert value.value == D("33300.00")


def test_weighted_pipeline_by_rep(dataset, november):
    assert weighted_pipeline(dataset, november, currency=CNY,
                             scope=Scope(rep="r2")).value == D("42600.00")


def test_a_stage_change_after_a_loss_reopens_the_deal(make_fact, tz):
    facts = [
        make_fact(ft.DEAL_OPENED, "2026-11-01 10:00", deal_id="D",
                  amount=EventMoney(D(1000), "CNY"), probability_percent=D(50)),
        make_fact(ft.DEAL_LOST, "2026-11-02 10:00", deal_id="D"),
        make_fact(ft.DEAL_STAGE_CHANGED, "2026-11-03 10:00", deal_id="D",
                  probability_percent=D(25)),
    ]
    assert weighted_pipeline(facts, parse_period("2026-11-02", tz),
                             currency=CNY).value == D("0.00")
    assert weighted_pipeline(facts, parse_period("2026-11-03", tz),
                             currency=CNY).value == D("250.00")


def test_empty_pipeline(tz):
    value = weighted_pipeline([], parse_period("2026-11", tz), currency=CNY)
    assert value.value == D("0.00") and value.note == NO_DATA


def test_contacts_and_visits(dataset, november, tz):
    assert contacts(dataset, november).value == D(4)
    assert visits(dataset, november).value == D(2)
    # 1 December 01:00 local is still 30 November in UTC.
    assert visits(dataset, parse_period("2026-12", tz)).value == D(1)
    assert visits(dataset, november, Scope(rep="r2")).value == D(1)
    assert {c: v.value for c, v in contacts_by_channel(dataset, november).items()} == {
        "call": D(1), "email": D(1), "visit": D(2)}
