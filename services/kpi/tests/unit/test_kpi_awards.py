from decimal import Decimal as D

from kpi.domain import facts as ft
from kpi.domain.awards import growth_by_rep, most_improved, sales_champion
from kpi.domain.facts import Dimension
from kpi.domain.metrics import breakdown, revenue
from kpi.domain.periods import previous


def test_sales_champion_from_the_data_set(dataset, november):
    orders = [f for f in dataset if f.event_type in ft.ORDER_EVENTS]
    by_rep = {rep: v.value for rep, v in
              breakdown(revenue, orders, november, Dimension.REP, currency="CNY").items()}
    award = sales_champion(by_rep, "CNY")
    assert award.winners == ("r2",)
    assert award.value == D("20300.00") and award.unit == "CNY"


def test_champions_share_a_tie():
    award = sales_champion({"r3": D(500), "r1": D(500), "r2": D(499)}, "CNY")
    assert award.winners == ("r1", "r3")
    assert award.value == D(500)


def test_no_champion_without_revenue():
    award = sales_champion({"r1": D(0), "r2": D(-10)}, "CNY")
    assert award.winners == () and award.value is None
    assert award.note == "no rep with revenue in the period"
    assert sales_champion({}, "CNY").winners == ()


def test_most_improved_needs_a_non_zero_previous_period():
    current = {"r1": D(300), "r2": D(150), "r3": D(10000), "r4": D(50)}
    prior = {"r1": D(100), "r2": D(100), "r3": D(0), "r4": D(100)}
    award = most_improved(current, prior)
    # r1 +200 %, r2 +50 %, r4 −50 %; r3 had nothing before and cannot win
    assert award.winners == ("r1",)
    assert award.value == D("200.00") and award.unit == "%"
    assert growth_by_rep(current, prior) == {"r1": D(200), "r2": D(50), "r4": D(-50)}


def test_most_improved_ties_are_shared():
    award = most_improved({"r1": D(30), "r2": D(60)}, {"r1": D(10), "r2": D(20)})
    assert award.winners == ("r1", "r2") and award.value == D("200.00")


def test_nobody_improved():
    award = most_improved({"r1": D(90)}, {"r1": D(100)})
    assert award.winners == ()
    assert award.note == "no rep improved on a non-zero previous period"


def test_a_rep_absent_this_period_counts_as_zero():
    award = most_improved({"r2": D(120)}, {"r1": D(100), "r2": D(100)})
    assert award.winners == ("r2",) and award.value == D("20.00")


def test_most_improved_from_the_data_set(dataset, november):
    orders = [f for f in dataset if f.event_type in ft.ORDER_EVENTS]

    def by_rep(period):
        return {rep: v.value for rep, v in
                breakdown(revenue, orders, period, Dimension.REP, currency="CNY").items()}

    # r1: October 3 000 → November 14 123.40; r2 had nothing in October.
    award = most_improved(by_rep(november), by_rep(previous(november)))
    assert award.winners == ("r1",) and award.value == D("370.78")
