from datetime import date
from decimal import Decimal as D

import pytest

from kpi.domain.abc import (
    AbcClass,
    AbcThresholds,
    ClassChange,
    changes,
    classify,
    classify_customers,
    reclassify,
    trailing_revenue_by_customer,
)
from kpi.domain.errors import RuleViolation

A, B, C = AbcClass.A, AbcClass.B, AbcClass.C


def test_pareto_classes():
    revenue = {"C1": D(500), "C2": D(300), "C3": D(100), "C4": D(50), "C5": D(30),
               "C6": D(20), "C7": D(0)}
    # share before each: 0, 50, 80, 90, 95, 98 % — C2 reaches exactly 80 %.
    assert classify(revenue) == {"C1": A, "C2": A, "C3": B, "C4": B, "C5": C, "C6": C,
                                 "C7": C}


def test_the_customer_crossing_a_threshold_takes_the_better_class():
    # shares before: 0, 60, 90 → C2 crosses 80 % (A), C3 crosses 95 % (B)
    assert classify({"C1": D(600), "C2": D(300), "C3": D(100)}) == {"C1": A, "C2": A, "C3": B}


def test_equal_revenues_get_the_same_class():
    # 700 first, then three customers at 100: share before the group is 70 %,
    # so all three are A (by position alone two would be B).
    revenue = {"C1": D(700), "C2": D(100), "C3": D(100), "C4": D(100)}
    assert classify(revenue) == {"C1": A, "C2": A, "C3": A, "C4": A}
    revenue = {"C1": D(850), "C2": D(50), "C3": D(50), "C4": D(50)}
    assert classify(revenue) == {"C1": A, "C2": B, "C3": B, "C4": B}


def test_zero_and_negative_revenue_are_c():
    assert classify({"C1": D(10), "C2": D(0), "C3": D(-5)}) == {"C1": A, "C2": C, "C3": C}
    assert classify({"C1": D(0), "C2": D(0)}) == {"C1": C, "C2": C}
    assert classify({}) == {}


def test_thresholds_are_configurable():
    revenue = {"C1": D(500), "C2": D(300), "C3": D(100), "C4": D(50), "C5": D(50)}
    thresholds = AbcThresholds(D(70), D(90))
    # before: 0, 50, 80, 90, 95 → A A B C C
    assert classify(revenue, thresholds) == {"C1": A, "C2": A, "C3": B, "C4": C, "C5": C}


def test_invalid_thresholds():
    with pytest.raises(RuleViolation):
        AbcThresholds(D(90), D(80))
    with pytest.raises(RuleViolation):
        AbcThresholds(D(0), D(80))
    with pytest.raises(RuleViolation):
        AbcThresholds(D(80), D(101))


def test_changes_against_the_previous_classification():
    previous = {"C1": A, "C2": B, "C9": A}
    current = {"C1": A, "C2": A, "C3": B}
    assert changes(previous, current) == [
        ClassChange("C2", B, A),
        ClassChange("C3", None, B),
        ClassChange("C9", A, C),
    ]
    assert changes(current, current) == []


def test_trailing_twelve_months_revenue(dataset, tz):
    # 2025-12-01..2026-11-30: C1 10 000 + 5 000, C2 7 123.40, C3 15 300; C4's
    # October order and its November cancellation net to 0. C1's 2025 order is out.
    revenue = trailing_revenue_by_customer(dataset, date(2026, 11, 30), tz, currency="CNY")
    assert revenue == {"C1": D("15000.00"), "C2": D("7123.40"), "C3": D("15300.00"),
                       "C4": D("0.00")}


def test_classify_customers_from_facts(dataset, tz):
    classes = classify_customers(dataset, date(2026, 11, 30), tz, currency="CNY",
                                 known_customers=["C1", "C2", "C3", "C4", "C8"])
    # total 37 423.40: C3 first (0 %), C1 (40.88 % before), C2 (80.97 % before) → B
    assert classes == {"C3": A, "C1": A, "C2": B, "C4": C, "C8": C}


def test_reclassify_returns_classes_and_changes():
    classes, moved = reclassify({"C1": D(900), "C2": D(100)}, {"C1": B, "C3": A})
    # C3 had no revenue this time: classified C, not forgotten.
    assert classes == {"C1": A, "C2": B, "C3": C}
    assert moved == [ClassChange("C1", B, A), ClassChange("C2", None, B),
                     ClassChange("C3", A, C)]
