"""Commission statements worked by hand.

Plan: revenue tiers 0 % → 3 %, 100 % → 5 %, 150 % → 8 % of target (marginal);
gross profit flat 10 %; monthly bonus 1 000 at ≥ 100 %, 3 000 at ≥ 120 %;
quarterly bonus 10 000 at ≥ 100 %.
"""

from decimal import Decimal as D

import pytest

from kpi.domain.commissions import (
    Actuals,
    BonusRule,
    CommissionBasis,
    CommissionComponent,
    CommissionPlan,
    LineKind,
    Tier,
    statement,
)
from kpi.domain.errors import InvalidMoney, InvalidPlan, MissingFigure, MissingTarget
from kpi.domain.periods import PeriodKind, parse_period

REVENUE, PROFIT = CommissionBasis.REVENUE, CommissionBasis.GROSS_PROFIT
TIERS = CommissionComponent(REVENUE, (Tier(D(0), D(3)), Tier(D(100), D(5)), Tier(D(150), D(8))))
PLAN = CommissionPlan(
    "field sales 2026", "CNY",
    (TIERS, CommissionComponent.flat(PROFIT, D(10))),
    (BonusRule(PeriodKind.MONTH, REVENUE, D(100), D(1000)),
     BonusRule(PeriodKind.MONTH, REVENUE, D(120), D(3000)),
     BonusRule(PeriodKind.QUARTER, REVENUE, D(100), D(10000))),
)


def tiers_only(**kwargs):
    return CommissionPlan("tiers", "CNY", (TIERS,), **kwargs)


def test_marginal_tiers_like_tax_brackets(tz):
    result = statement("r1", parse_period("2026-11", tz),
                       Actuals(D(180000), revenue_target=D(100000)), tiers_only())
    assert [(line.kind, line.slice_amount, line.rate_percent, line.amount)
            for line in result.lines] == [
        (LineKind.BASE, D(100000), D(3), D("3000.00")),
        (LineKind.TIER, D(50000), D(5), D("2500.00")),
        (LineKind.TIER, D(30000), D(8), D("2400.00")),
    ]
    assert result.total == D("7900.00")
    assert result.attainment_percent == {REVENUE: D("180.00")}
    assert result.lines[1].description == (
        "revenue 100,000.00–150,000.00 (100–150 % of target 100,000.00) at 5 %")
    assert result.lines[2].description == (
        "revenue 150,000.00–180,000.00 (above 150 % of target 100,000.00) at 8 %")


def test_below_target_only_the_base_rate(tz):
    result = statement("r1", parse_period("2026-11", tz),
                       Actuals(D(80000), revenue_target=D(100000)), tiers_only())
    assert [line.amount for line in result.lines] == [D("2400.00")]
    assert result.total == D("2400.00")


def test_exactly_on_a_threshold_pays_nothing_at_the_next_rate(tz):
    result = statement("r1", parse_period("2026-11", tz),
                       Actuals(D(150000), revenue_target=D(100000)), tiers_only())
    assert [line.amount for line in result.lines] == [D("3000.00"), D("2500.00")]


def test_full_statement_with_profit_and_the_highest_monthly_bonus(tz):
    actuals = Actuals(D(180000), gross_profit=D(50000), revenue_target=D(100000))
    result = statement("r1", parse_period("2026-11", tz), actuals, PLAN)
    assert [(line.kind, line.basis, line.amount) for line in result.lines] == [
        (LineKind.BASE, REVENUE, D("3000.00")),
        (LineKind.TIER, REVENUE, D("2500.00")),
        (LineKind.TIER, REVENUE, D("2400.00")),
        (LineKind.BASE, PROFIT, D("5000.00")),
        (LineKind.BONUS, REVENUE, D("3000.00")),
    ]
    assert result.lines[4].description == "month bonus: revenue attainment 180.00 % ≥ 120 %"
    assert result.total == D("15900.00")
    assert (result.rep, result.plan, result.currency) == ("r1", "field sales 2026", "CNY")


def test_bonus_below_threshold_is_not_paid(tz):
    actuals = Actuals(D(99999), gross_profit=D(0), revenue_target=D(100000))
    result = statement("r1", parse_period("2026-11", tz), actuals, PLAN)
    assert LineKind.BONUS not in [line.kind for line in result.lines]
    # 99 999 × 3 % = 2999.97; profit 0 pays nothing
    assert result.total == D("2999.97")


def test_quarterly_bonus_on_the_quarterly_statement(tz):
    actuals = Actuals(D(300000), gross_profit=D(90000), revenue_target=D(300000))
    result = statement("r1", parse_period("2026-Q4", tz), actuals, PLAN)
    bonuses = [line for line in result.lines if line.kind is LineKind.BONUS]
    assert [(b.amount, b.description) for b in bonuses] == [
        (D("10000.00"), "quarter bonus: revenue attainment 100.00 % ≥ 100 %")]
    # 9 000 base + 9 000 profit + 10 000 bonus
    assert result.total == D("28000.00")


def test_each_line_is_rounded_and_the_total_adds_the_printed_lines(tz):
    plan = CommissionPlan("flat", "CNY", (CommissionComponent.flat(REVENUE, D(3)),
                                          CommissionComponent.flat(PROFIT, D("2.5"))))
    result = statement("r1", parse_period("2026-11", tz),
                       Actuals(D("12345.67"), gross_profit=D("1000.22")), plan)
    # 370.3701 → 370.37; 25.0055 → 25.01
    assert [line.amount for line in result.lines] == [D("370.37"), D("25.01")]
    assert result.total == D("395.38")


def test_negative_revenue_pays_nothing_or_is_clawed_back(tz):
    period = parse_period("2026-12", tz)
    actuals = Actuals(D(-2000), revenue_target=D(100000))
    assert statement("r1", period, actuals, tiers_only()).total == D("0.00")
    clawed = statement("r1", period, actuals, tiers_only(clawback=True))
    assert clawed.total == D("-60.00")
    assert clawed.lines[0].description == "revenue -2,000.00: clawed back"


def test_tiers_need_a_target(tz):
    with pytest.raises(MissingTarget) as caught:
        statement("r1", parse_period("2026-11", tz), Actuals(D(1000)), tiers_only())
    assert "revenue target" in caught.value.message


def test_bonus_needs_a_target(tz):
    plan = CommissionPlan("bonus only", "CNY", (),
                          (BonusRule(PeriodKind.MONTH, REVENUE, D(100), D(500)),))
    with pytest.raises(MissingTarget):
        statement("r1", parse_period("2026-11", tz), Actuals(D(1000)), plan)
    paid = statement("r1", parse_period("2026-11", tz),
                     Actuals(D(1000), revenue_target=D(1000)), plan)
    assert paid.total == D("500.00")


def test_profit_commission_needs_a_known_profit(tz):
    with pytest.raises(MissingFigure):
        statement("r1", parse_period("2026-11", tz), Actuals(D(1000), revenue_target=D(1)),
                  PLAN)


def test_flat_rate_needs_no_target(tz):
    plan = CommissionPlan("flat", "CNY", (CommissionComponent.flat(REVENUE, D(2)),))
    result = statement("r1", parse_period("2026-11", tz), Actuals(D(5000)), plan)
    assert result.total == D("100.00")
    assert result.attainment_percent == {REVENUE: None}


def test_invalid_plans():
    with pytest.raises(InvalidPlan):
        CommissionComponent(REVENUE, (Tier(D(10), D(3)),))  # must start at 0
    with pytest.raises(InvalidPlan):
        CommissionComponent(REVENUE, (Tier(D(0), D(3)), Tier(D(150), D(8)), Tier(D(100), D(5))))
    with pytest.raises(InvalidPlan):
        CommissionComponent(REVENUE, ())
    with pytest.raises(InvalidPlan):
        Tier(D(0), D(-1))
    with pytest.raises(InvalidPlan):
        CommissionPlan("empty", "CNY", ())
    with pytest.raises(InvalidPlan):
        CommissionPlan("twice", "CNY", (TIERS, CommissionComponent.flat(REVENUE, D(1))))
    with pytest.raises(InvalidPlan):
        BonusRule(PeriodKind.MONTH, REVENUE, D(100), D(-5))
    with pytest.raises(InvalidMoney):
        CommissionPlan("bad currency", "yuan", (TIERS,))
