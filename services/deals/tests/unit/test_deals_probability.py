from decimal import Decimal

import pytest

from deals.domain.errors import RuleViolation
from deals.domain.probability import (
    DEFAULT_STAGE_PROBABILITIES,
    Grade,
    GradeThresholds,
    StageProbabilities,
    default_probability,
    grade_for,
    win_probability,
)
from deals.domain.stages import OPEN_STAGES, Stage


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        (Stage.QUALIFICATION, Decimal("10")),
        (Stage.NEEDS_ANALYSIS, Decimal("20")),
        (Stage.PROPOSAL, Decimal("40")),
        (Stage.NEGOTIATION, Decimal("60")),
        (Stage.CONTRACT_REVIEW, Decimal("80")),
        (Stage.WON, Decimal("100")),
        (Stage.LOST, Decimal("0")),
    ],
)
def test_default_probability_per_stage(stage, expected):
    value = default_probability(stage)
    assert value == expected
    assert isinstance(value, Decimal)


def test_default_probability_accepts_stage_names():
    assert default_probability("negotiation") == Decimal("60")


def test_owner_override_replaces_stage_default_while_open():
    assert win_probability(Stage.PROPOSAL, Decimal("55.5")) == Decimal("55.5")
    assert win_probability(Stage.PROPOSAL, None) == Decimal("40")
    assert win_probability(Stage.QUALIFICATION, 0) == Decimal("0")


@pytest.mark.parametrize(("stage", "expected"), [(Stage.WON, Decimal("100")), (Stage.LOST, Decimal("0"))])
def test_closed_deal_ignores_override(stage, expected):
    assert win_probability(stage, Decimal("35")) == expected


@pytest.mark.parametrize("bad", [Decimal("-1"), Decimal("100.01"), 0.5, True, "50", Decimal("NaN")])
def test_override_must_be_a_decimal_percentage(bad):
    with pytest.raises(RuleViolation) as caught:
        win_probability(Stage.PROPOSAL, bad)
    assert caught.value.field == "probability_override"


def test_company_can_configure_its_stage_table():
    table = StageProbabilities(
        {
            "qualification": Decimal("5"),
            Stage.NEEDS_ANALYSIS: Decimal("15"),
            Stage.PROPOSAL: Decimal("30"),
            Stage.NEGOTIATION: Decimal("50"),
            Stage.CONTRACT_REVIEW: Decimal("90"),
        }
    )
    assert default_probability(Stage.QUALIFICATION, table) == Decimal("5")
    assert default_probability(Stage.CONTRACT_REVIEW, table) == Decimal("90")
    assert default_probability(Stage.WON, table) == Decimal("100")
    assert win_probability(Stage.NEGOTIATION, None, table) == Decimal("50")
    assert table != DEFAULT_STAGE_PROBABILITIES


def test_equal_tables_compare_and_hash_equal():
    same = StageProbabilities({stage: DEFAULT_STAGE_PROBABILITIES.for_stage(stage) for stage in OPEN_STAGES})
    assert same == DEFAULT_STAGE_PROBABILITIES
    assert hash(same) == hash(DEFAULT_STAGE_PROBABILITIES)


def test_stage_table_needs_every_open_stage():
    with pytest.raises(RuleViolation, match="no probability for stage\\(s\\) negotiation, contract_review"):
        StageProbabilities({Stage.QUALIFICATION: 10, Stage.NEEDS_ANALYSIS: 20, Stage.PROPOSAL: 40})


def test_stage_table_cannot_set_closed_stages():
    values = {Stage.QUALIFICATION: 10, Stage.NEEDS_ANALYSIS: 20, Stage.PROPOSAL: 40,
              Stage.NEGOTIATION: 60, Stage.CONTRACT_REVIEW: 80, Stage.WON: 90}
    with pytest.raises(RuleViolation, match="fixed at 100 and 0"):
        StageProbabilities(values)


def test_stage_table_must_not_decrease_along_the_pipeline():
    values = {Stage.QUALIFICATION: 10, Stage.NEEDS_ANALYSIS: 20, Stage.PROPOSAL: 40,
              Stage.NEGOTIATION: 35, Stage.CONTRACT_REVIEW: 80}
    with pytest.raises(RuleViolation, match="negotiation \\(35\\) cannot be less likely than proposal \\(40\\)"):
        StageProbabilities(values)


def test_stage_table_values_within_0_and_100():
    values = {Stage.QUALIFICATION: 10, Stage.NEEDS_ANALYSIS: 20, Stage.PROPOSAL: 40,
              Stage.NEGOTIATION: 60, Stage.CONTRACT_REVIEW: 101}
    with pytest.raises(RuleViolation, match="between 0 and 100"):
        StageProbabilities(values)


@pytest.mark.parametrize(
    ("probability", "grade"),
    [
        (Decimal("100"), Grade.A),
        (Decimal("70"), Grade.A),
        (Decimal("69.99"), Grade.B),
        (Decimal("30"), Grade.B),
        (Decimal("29.99"), Grade.C),
        (Decimal("0"), Grade.C),
    ],
)
def test_default_grade_thresholds(probability, grade):
    assert grade_for(probability) is grade


def test_custom_grade_thresholds():
    thresholds = GradeThresholds(a_from=Decimal("80"), b_from=Decimal("50"))
    assert thresholds.grade(Decimal("80")) is Grade.A
    assert thresholds.grade(Decimal("79")) is Grade.B
    assert thresholds.grade(Decimal("50")) is Grade.B
    assert thresholds.grade(Decimal("49.5")) is Grade.C
    assert grade_for(Decimal("60"), thresholds) is Grade.B


def test_thresholds_accept_ints_and_store_decimals():
    thresholds = GradeThresholds(a_from=90, b_from=0)
    assert thresholds.a_from == Decimal("90") and isinstance(thresholds.a_from, Decimal)
    assert thresholds.grade(Decimal("0")) is Grade.B


@pytest.mark.parametrize(("a_from", "b_from"), [(50, 50), (30, 70)])
def test_a_threshold_must_be_above_b(a_from, b_from):
    with pytest.raises(RuleViolation, match="A threshold must be above the B threshold"):
        GradeThresholds(a_from=Decimal(a_from), b_from=Decimal(b_from))


@pytest.mark.parametrize(("a_from", "b_from"), [(101, 30), (70, -1)])
def test_thresholds_within_0_and_100(a_from, b_from):
    with pytest.raises(RuleViolation, match="between 0 and 100"):
        GradeThresholds(a_from=Decimal(a_from), b_from=Decimal(b_from))


def test_thresholds_refuse_floats():
    with pytest.raises(RuleViolation, match="must be a Decimal"):
        GradeThresholds(a_from=70.0)


def test_grade_refuses_probability_out_of_range():
    with pytest.raises(RuleViolation):
        grade_for(Decimal("120"))
